// Where a portal process's memory goes (issue 18, "Start and memory"): the resident memory (RSS) and the V8
// heap after each phase of a boot, in one process, on PGlite (first boot on an empty DATA_DIR, then a restart on
// the same folder) or on PostgreSQL with BENCH_DATABASE_URL. PGlite's memory is a WebAssembly.Memory inside the
// process, never given back once grown: it shows as RSS outside the V8 heap ("external"/"arrayBuffers").
// Run: npm run bench:memory   (prints figures; never fails)
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
function line(phase: string) {
  globalThis.gc?.();
  const m = process.memoryUsage();
  console.log(
    `  ${phase.padEnd(44)} RSS ${mb(m.rss).padStart(7)}   V8 heap ${mb(m.heapUsed).padStart(6)}   external ${mb(m.external).padStart(6)} (array buffers ${mb(m.arrayBuffers)})`,
  );
}

const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), "suap-memory-"));
const databaseUrl = process.env.BENCH_DATABASE_URL;
console.log(
  `${databaseUrl ? "PostgreSQL" : `PGlite in ${dataDir}`}, load average ${os.loadavg()[0]!.toFixed(2)} (node ${process.version}${globalThis.gc ? ", gc before each line" : ""})`,
);
line("node + tsx");
const { openDatabase, migrateToLatest } = await import("../app/server/db/db.server");
const { parseEnv } = await import("../app/server/env.server");
const { runtime } = await import("../app/server/runtime.server");
line("database modules loaded");
const env = parseEnv({
  ...process.env,
  DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl ?? "",
  NODE_ENV: "development",
});
runtime.env = env;
const handle = await openDatabase({ databaseUrl, dataDir });
runtime.handle = handle;
line("database open");
await migrateToLatest(handle.db);
line("migrated");
const { seed } = await import("../app/server/seed.server");
await seed(handle.db, { demo: true });
line("seeded (demo accounts)");
const { importBundledCatalogues } = await import("../app/server/catalogue/import.server");
await importBundledCatalogues(handle.db);
line("bundled catalogues imported");
const { portChoices } = await import("../app/server/integrations/registry.server");
const { bootSignatures } = await import("../app/server/integrations/signatures.server");
portChoices(env);
await bootSignatures(env);
line("signatures ready (development seal)");
const { seedDemoPratiche } = await import("../app/server/demo/pratiche.server");
const { engineServices } = await import("../app/server/services.server");
const demo = await seedDemoPratiche(handle.db, engineServices(env));
line(`demo desk (${demo.filed.length} pratiche filed now)`);
await import(path.resolve("build/index.js")).catch(() => undefined);
line("Remix build (route modules) imported");
await new Promise((r) => setTimeout(r, 5000));
line("5 s later");
await handle.close();
runtime.handle = undefined;
line("database closed");
if (!process.env.BENCH_DATA_DIR && !databaseUrl) rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
