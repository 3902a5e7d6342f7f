// Bundles server.ts (and the app/server modules it imports) into build/server.js; npm packages stay external.
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
