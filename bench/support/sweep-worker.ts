// One worker process of the deadline benchmark and of the two-worker test: opens the database named on the
// command line, says "ready", waits for "go" on stdin, sweeps every due deadline, prints its report as JSON.
// Arguments: url, today, claimers, and optionally the batch size and the mode ("batch" or "single").
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { openDatabase } from "~/server/db/db.server";
import { sweepDeadlines } from "~/server/engine/deadlines.server";
import { runtime } from "~/server/runtime.server";
import { LocalFileStore } from "~/server/storage.server";

const [url, today, concurrency, batch, mode] = process.argv.slice(2);
const handle = await openDatabase({ databaseUrl: url!, dataDir: "unused" });
runtime.handle = handle;
runtime.ready = true;
const services = {
  files: new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-sweep-"))),
  publicUrl: "http://localhost:3000",
};
console.log("ready");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== "go") continue;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const report = await sweepDeadlines(handle.db, services, {
    today,
    concurrency: Number(concurrency ?? 4),
    ...(batch ? { batch: Number(batch) } : {}),
    ...(mode === "single" ? { mode: "single" as const } : {}),
  });
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({ ...report, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 }),
  );
  break;
}
lines.close();
await handle.close();
