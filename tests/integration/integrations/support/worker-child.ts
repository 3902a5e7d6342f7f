// A worker process the crash test kills with SIGKILL while a protocol registration is in flight. It runs the
// queue of external calls (the same runner the worker's "integrations-run" job uses) every 200 ms, with a
// short lease, and prints "ready <pid>" at start and "report <json>" after each pass that claimed something.
// Usage: node --import tsx worker-child.ts <postgres-url | pglite-dir> <files-dir> <protocol-url> <token> <lease-ms>
import { openDatabase } from "~/server/db/db.server";
import { parseEnv } from "~/server/env.server";
import { protocolHandler } from "~/server/integrations/protocol/handler.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { runtime } from "~/server/runtime.server";
import { LocalFileStore } from "~/server/storage.server";

const [target, filesDir, url, token, leaseMs] = process.argv.slice(2);
const handle = await openDatabase(
  target!.startsWith("postgres") ? { databaseUrl: target, dataDir: "unused" } : { dataDir: target! },
);
runtime.handle = handle;
const env = parseEnv({
  NODE_ENV: "test",
  PROTOCOL_REGISTRY: "remote",
  PROTOCOL_URL: url,
  PROTOCOL_TOKEN: token,
});
const run = integrationRunner(handle.db, {
  handlers: new Map([["protocol", protocolHandler(env)]]),
  services: {
    files: new LocalFileStore(filesDir!),
    publicUrl: "http://localhost:3000",
    protocolRegistry: "remote",
  },
  leaseMs: Number(leaseMs),
});
console.log(`ready ${process.pid}`);
for (;;) {
  const report = await run();
  if (report.claimed) console.log(`report ${JSON.stringify(report)}`);
  await new Promise((r) => setTimeout(r, 200));
}
