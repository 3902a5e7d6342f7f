// Due deadlines fired per second by several worker processes on one Postgres, exactly once: N protocolled
// SCIA pratiche (a real snapshot copied, set-based) each with its final deadline due, swept by W worker
// processes at once (each with C claimers). Prints the pgbench floor measured in the same run, the figure
// and the ratio, the load average, and checks the outcome: every deadline fired once, one event each, every
// audit chain valid. Run: npm run bench:deadlines   (BENCH_DEADLINES=20000, BENCH_WORKERS=2,
// BENCH_SWEEP_CONCURRENCY=4, BENCH_DEADLINES_BATCH=500, BENCH_SWEEP_MODE=batch|single (single: one engine
// call per deadline, the path before the set-based batch); a fresh database is created and dropped).
// Prints figures; never fails on time.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { type Kysely, sql } from "kysely";
import pg from "pg";
import { loadPrincipal } from "~/server/auth/session.server";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import type { Database } from "~/server/db/schema.server";
import { verifyChains } from "~/server/engine/audit.server";
import { DEFAULT_DEADLINES_BATCH } from "~/server/engine/deadlines.server";
import { dispatch, type EngineServices } from "~/server/engine/engine.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { LocalFileStore } from "~/server/storage.server";
import type { WorkflowInput } from "../workflows/index";
import { loadLine, pgbenchFloor, ratioLine } from "./support/pgbench-floor";

const BASE = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const N = Number(process.env.BENCH_DEADLINES ?? 20_000);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_SWEEP_CONCURRENCY ?? 4);
/** deadlines per transaction (default: the sweep's own, DEFAULT_DEADLINES_BATCH) */
const BATCH = process.env.BENCH_DEADLINES_BATCH ? Number(process.env.BENCH_DEADLINES_BATCH) : undefined;
/** "single" sweeps one engine call per deadline, as before the set-based batch (the same run's before) */
const MODE = process.env.BENCH_SWEEP_MODE === "single" ? "single" : "batch";

const input: WorkflowInput = {
  regime: "scia",
  termDays: 60,
  times: {
    max_gg_correction: 10,
    max_gg_int_req: 15,
    max_gg_int_resp: 30,
    observations_days: 10,
    resume_after_observations_days: 10,
    conformation_min_days: 30,
    attestation_days: 10,
  },
  calendar: { patronDays: [] },
};

/** Seeds `n` protocolled pratiche, each with its final deadline due, by copying one real engine-made pratica. */
export async function seedDueDeadlines(url: string, n: number) {
  const handle = await openDatabase({ databaseUrl: url, dataDir: "unused" });
  runtime.handle = handle;
  runtime.ready = true;
  try {
    await migrateToLatest(handle.db);
    await seed(handle.db, { demo: true });
    await seedDueDeadlinesInto(handle.db, n);
  } finally {
    await handle.close();
  }
}

/** As seedDueDeadlines, into a database already migrated and seeded with the demo (the runtime's, on PGlite too). */
export async function seedDueDeadlinesInto(db: Kysely<Database>, n: number) {
  const services: EngineServices = {
    files: new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-bench-"))),
    publicUrl: "http://localhost:3000",
  };
  const owner = await db
    .selectFrom("users")
    .select("id")
    .where("email", "=", "impresa@demo.test")
    .executeTakeFirstOrThrow();
  const principal = await loadPrincipal(owner.id);
  const cv = await db
    .insertInto("catalogue_versions")
    .values({ catalogue_id: "BENCH", version: "1", content_hash: "x", document: "{}" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const desk = await db
    .selectFrom("entities")
    .select("id")
    .where("code", "=", "SUAP-AVC")
    .executeTakeFirstOrThrow();
  const comune = await db
    .selectFrom("entities")
    .select("id")
    .where("code", "=", "050039")
    .executeTakeFirstOrThrow();
  const id = randomUUID();
  await db
    .insertInto("pratiche")
    .values({
      id,
      cui: `B-${id}`,
      catalogue_version_id: cv.id,
      usecases: "[]",
      title: "Bench",
      regime: "scia",
      municipality_id: comune.id,
      desk_id: desk.id,
      business_id: principal.businessIds[0]!,
      filer_user_id: owner.id,
    })
    .execute();
  await dispatch(db, services, {
    praticaId: id,
    event: { type: "SUBMIT", at: "2026-01-05" },
    actor: { kind: "user", userId: owner.id, principal },
    start: input,
  });
  await dispatch(db, services, {
    praticaId: id,
    event: { type: "PROTOCOL", at: "2026-01-05" },
    actor: { kind: "system", name: "bench" },
  });
  const snap = await db
    .selectFrom("pratiche")
    .select(["snapshot", "workflow"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  await sql`
    insert into pratiche (id, cui, catalogue_version_id, usecases, title, regime, municipality_id, desk_id, business_id,
      filer_user_id, workflow, snapshot, status, due_date, submitted_at)
    select gen_random_uuid(), 'BULK-' || g, ${cv.id}, '[]'::jsonb, 'Bulk', 'scia', ${comune.id}, ${desk.id},
      ${principal.businessIds[0]!}::uuid, ${owner.id}::uuid, ${snap.workflow}, ${JSON.stringify(snap.snapshot)}::jsonb,
      'in_review', '2026-03-06', now()
    from generate_series(1, ${n}) g`.execute(db);
  await sql`
    insert into deadlines (pratica_id, name, due, event)
    select id, 'final', '2026-03-06', 'SCIA_CHECK_PERIOD_ENDED' from pratiche where cui like 'BULK-%'`.execute(
    db,
  );
  await sql`analyze`.execute(db);
}

/** Starts `workers` sweep processes, waits until all are ready, lets them go at once; their reports. */
export async function sweepWithProcesses(
  url: string,
  workers: number,
  concurrency: number,
  today: string,
  opts: { batch?: number; mode?: "batch" | "single" } = {},
) {
  const children = Array.from({ length: workers }, () =>
    spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "bench/support/sweep-worker.ts",
        url,
        today,
        String(concurrency),
        String(opts.batch ?? ""),
        opts.mode ?? "batch",
      ],
      {
        stdio: ["pipe", "pipe", "inherit"],
      },
    ),
  );
  const lines = children.map((c) => createInterface({ input: c.stdout! })[Symbol.asyncIterator]());
  const next = async (i: number) => {
    const r = await lines[i]!.next();
    if (r.done) throw new Error(`sweep worker ${i} ended early`);
    return r.value;
  };
  await Promise.all(
    children.map(async (_, i) => {
      while ((await next(i)) !== "ready") {}
    }),
  );
  const t0 = performance.now();
  for (const c of children) c.stdin!.write("go\n");
  const reports = await Promise.all(
    children.map(async (_, i) => {
      for (;;) {
        const line = await next(i);
        if (line.startsWith("{"))
          return JSON.parse(line) as {
            fired: number;
            stale: number;
            failed: number;
            ms: number;
            cpuMs: number;
          };
      }
    }),
  );
  const ms = performance.now() - t0;
  for (const c of children) c.stdin!.end();
  await Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))),
  );
  return { reports, ms };
}

async function main() {
  console.log(
    `Deadline benchmark: ${N} due deadlines, ${WORKERS} worker processes x ${CONCURRENCY} claimers, mode ${MODE}, batch ${BATCH ?? DEFAULT_DEADLINES_BATCH}, ${loadLine()}`,
  );
  const floor = await pgbenchFloor(BASE);
  console.log(
    floor
      ? `floor: pgbench tpcb-like, 16 clients: ${floor.tps.toFixed(0)} tps`
      : "floor: pgbench not available",
  );
  const name = `suap_bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  try {
    const t0 = performance.now();
    await seedDueDeadlines(url.toString(), N);
    console.log(
      `seeded ${N} protocolled pratiche with a due deadline in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const { reports, ms } = await sweepWithProcesses(url.toString(), WORKERS, CONCURRENCY, "2026-06-30", {
      batch: BATCH,
      mode: MODE,
    });
    const fired = reports.reduce((s, r) => s + r.fired, 0);
    const cpu = reports.reduce((s, r) => s + r.cpuMs, 0);
    console.log(
      `sweep: fired ${fired} (${reports.map((r) => r.fired).join(" + ")}; stale ${reports.reduce((s, r) => s + r.stale, 0)}, failed ${reports.reduce((s, r) => s + r.failed, 0)}) in ${(ms / 1000).toFixed(1)} s; node CPU ${(cpu / Math.max(1, fired)).toFixed(2)} ms per deadline; ${loadLine()}`,
    );
    console.log(ratioLine("deadlines fired", fired / (ms / 1000), "per s", floor));
    // Exactly once, chains valid.
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
    try {
      const counts = await sql<{ fired: number; events: number; twice: number }>`
        select (select count(*) from deadlines where status = 'fired')::int8 as fired,
               (select count(*) from events where type = 'SCIA_CHECK_PERIOD_ENDED')::int8 as events,
               (select count(*) from (select pratica_id from events where type = 'SCIA_CHECK_PERIOD_ENDED'
                                       group by pratica_id having count(*) > 1) t)::int8 as twice`.execute(
        handle.db,
      );
      const c = counts.rows[0]!;
      const chains = await verifyChains(handle.db);
      console.log(
        `check: ${c.fired} deadlines fired, ${c.events} events, ${c.twice} pratiche with the event twice; audit chains: ${chains.checked} entries, ${chains.problems.length} problems`,
      );
    } finally {
      await handle.close();
    }
  } finally {
    const c = new pg.Client({ connectionString: BASE });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
