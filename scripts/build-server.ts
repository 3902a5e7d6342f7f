// Bundles server.ts (and the app/server modules it imports) into build/server.js; npm packages stay external.
import path from "node:path";
import { build } from "esbuild";

const started = Date.now();
await build({
  entryPoints: ["server.ts"],
  outdir: "build",
  outbase: ".",
  entryNames: "[name]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  alias: { "~": "./app" },
  logLevel: "warning",
});
console.log(`server bundled in ${Date.now() - started} ms`);
// The embedded database's empty cluster for this PGlite version (a fresh DATA_DIR starts from it, no initdb:
// app/server/db/pglite-template.server.ts); written once per PGlite version.
{
  const t0 = Date.now();
  const { writeEmptyClusterTemplate } = await import("../app/server/db/pglite-template.server");
  const { file, written } = await writeEmptyClusterTemplate();
  if (written)
    console.log(
      `empty PGlite cluster written to ${path.relative(process.cwd(), file)} in ${Date.now() - t0} ms`,
    );
}
