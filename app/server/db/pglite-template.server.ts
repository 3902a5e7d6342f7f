import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";

/**
 * The embedded database's start (issue 18, "Start and memory"; ADR 0035).
 *
 * A new PGlite folder normally runs initdb at the first boot: a second WebAssembly instance of Postgres plus
 * initdb's own, and a tarball of the result copied into the real one — about 450 MB of memory the process keeps
 * until V8 collects it (a fresh boot held 846 MB) and most of the fresh boot's time. `npm run build` instead
 * writes that empty cluster once, for the installed PGlite version, to build/pglite-empty-<version>.tar.gz; a
 * fresh DATA_DIR starts from it (PGlite's loadDataDir) and never runs initdb. Without the file (`npm run dev`,
 * another PGlite version) the boot runs initdb as before.
 *
 * Shared buffers: PGlite's initdb gives Postgres' default 128 MB, all of it inside the process's WebAssembly
 * memory once touched (and that memory never shrinks). The portal's embedded database is the small, single-desk
 * case (tests, demos, a pilot): 32 MB keeps its working set in memory, and the files stay in the OS page cache.
 */
export const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=32MB"];

function pgliteVersion(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve("@electric-sql/pglite");
    // dist/index.cjs|js → the package folder's package.json.
    let dir = path.dirname(entry);
    for (let i = 0; i < 4; i++) {
      const pkg = path.join(dir, "package.json");
      if (existsSync(pkg)) {
        const parsed = JSON.parse(readFileSync(pkg, "utf8")) as { name?: string; version?: string };
        if (parsed.name === "@electric-sql/pglite") return parsed.version ?? null;
      }
      dir = path.dirname(dir);
    }
  } catch {}
  return null;
}

export function templatePath(buildDir = path.resolve("build")): string | null {
  const version = pgliteVersion();
  return version ? path.join(buildDir, `pglite-empty-${version}.tar.gz`) : null;
}

/** The empty cluster for a new folder, when the build wrote one for this PGlite version. */
export function emptyClusterTemplate(): Blob | undefined {
  const file = templatePath();
  if (!file || !existsSync(file)) return undefined;
  return new Blob([readFileSync(file)]);
}

/** Writes the empty cluster for the installed PGlite (the build's step; skipped when it is already there). */
export async function writeEmptyClusterTemplate(buildDir = path.resolve("build")) {
  const file = templatePath(buildDir);
  if (!file) throw new Error("PGlite non trovato: impossibile preparare il database vuoto");
  if (existsSync(file)) return { file, written: false };
  const pg = await PGlite.create();
  try {
    const dump = await pg.dumpDataDir("gzip");
    mkdirSync(buildDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
  } finally {
    await pg.close();
  }
  return { file, written: true };
}
