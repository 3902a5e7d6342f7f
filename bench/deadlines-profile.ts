// Where the time per due deadline goes (issue 18): the pure workflow step taken apart (snapshot restore,
// the "can" check, the transition), the audit hash, and one in-process sweep of N seeded deadlines per mode
// ("single": one engine call per deadline, as before; "batch": stepped in memory, written set-based) with
// the statements each deadline costs, node CPU and wall time per deadline. Prints figures with the load
// average; never fails on time. Run: npm run bench:deadlines:profile   (BENCH_DEADLINES=2000,
// BENCH_DEADLINES_BATCH=500; two fresh Postgres databases are created and dropped).
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { type KyselyPlugin, sql } from "kysely";
import pg from "pg";
import { transition } from "xstate";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import { eventHash } from "~/server/engine/audit.server";
import { sweepDeadlines } from "~/server/engine/deadlines.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { LocalFileStore } from "~/server/storage.server";
import { registry, step, type WorkflowEvent } from "../workflows/index";
import { seedDueDeadlinesInto } from "./deadlines";
import { loadLine } from "./support/pgbench-floor";

const BASE = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const N = Number(process.env.BENCH_DEADLINES ?? 2000);
const BATCH = Number(process.env.BENCH_DEADLINES_BATCH ?? 500);

function perCall(label: string, n: number, f: () => unknown) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(`  ${label}: ${((performance.now() - t0) / n).toFixed(3)} ms`);
}

function pureParts(snapshot: unknown) {
  const json = JSON.stringify(snapshot);
  const persisted = JSON.parse(json) as { machine: string; value: never; context: Record<string, unknown> };
  const def = registry.byKey(persisted.machine)!;
  const event = { type: "SCIA_CHECK_PERIOD_ENDED", at: "2026-03-06" } as WorkflowEvent;
  const restore = () =>
    def.machine.resolveState({ value: persisted.value, context: { ...persisted.context, effects: [] } });
  const restored = restore();
  const n = 1000;
  console.log(`pure step of ${def.key} (snapshot ${json.length} bytes), per call:`);
  perCall("snapshot JSON.parse", n, () => JSON.parse(json));
  perCall("restore (resolveState)", n, restore);
  perCall("can(event)", n, () => restored.can(event));
  perCall("transition", n, () => transition(def.machine, restored, event));
  perCall("step() in all", n, () => step(def, JSON.parse(json), event));
  perCall("audit link hash", n, () =>
    eventHash("0".repeat(64), {
      praticaId: "00000000-0000-0000-0000-000000000000",
      seq: 3,
      type: event.type,
      actorUserId: null,
      actorKind: "system:deadline:final",
      payload: {},
      stateBefore: "in_review",
      stateAfter: "effective",
      at: new Date().toISOString(),
    }),
  );
}

async function sweepOnce(mode: "single" | "batch") {
  const name = `suap_prof_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
  runtime.handle = handle;
  runtime.ready = true;
  try {
    await migrateToLatest(handle.db);
    await seed(handle.db, { demo: true });
    await seedDueDeadlinesInto(handle.db, N);
    const snap = await handle.db
      .selectFrom("pratiche")
      .select("snapshot")
      .where("cui", "like", "BULK-%")
      .executeTakeFirstOrThrow();
    if (mode === modes[0]) pureParts(snap.snapshot);
    let statements = 0;
    const counter: KyselyPlugin = {
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const db = handle.db.withPlugin(counter);
    const services = {
      files: new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-prof-"))),
      publicUrl: "http://localhost:3000",
    };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await sweepDeadlines(db, services, { today: "2026-06-30", batch: BATCH, mode });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const fired = Math.max(1, report.fired);
    console.log(
      `${mode}: fired ${report.fired} (failed ${report.failed}) in ${(ms / 1000).toFixed(2)} s, one claimer: ` +
        `${(ms / fired).toFixed(3)} ms wall, ${((cpu.user + cpu.system) / 1000 / fired).toFixed(3)} ms node CPU, ` +
        `${(statements / fired).toFixed(2)} statements per deadline; ${loadLine()}`,
    );
    const check = await sql<{
      n: number;
    }>`select count(*)::int8 as n from events where type = 'SCIA_CHECK_PERIOD_ENDED'`.execute(handle.db);
    console.log(`  check: ${check.rows[0]!.n} events for ${report.fired} deadlines fired`);
  } finally {
    await handle.close();
    const c = new pg.Client({ connectionString: BASE });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  }
}

console.log(`Deadline profile: ${N} due deadlines per mode, batch ${BATCH}, ${loadLine()}`);
// BENCH_PROFILE_MODES=batch: only the one (e.g. under node --cpu-prof)
const modes = (process.env.BENCH_PROFILE_MODES ?? "single,batch").split(",");
if (modes.includes("single")) await sweepOnce("single");
if (modes.includes("batch")) await sweepOnce("batch");
