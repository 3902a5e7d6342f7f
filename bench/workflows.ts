// Issue 4 figures: pure transitions per second, engine dispatches per second on Postgres, and the time to
// sweep and fire 100,000 due deadlines with one worker.
// Run: npm run bench:workflows   (needs Postgres at BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test;
// a fresh database is created and dropped). Prints figures; never fails on time.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { loadPrincipal } from "../app/server/auth/session.server";
import { migrateToLatest, openDatabase } from "../app/server/db/db.server";
import { sweepDeadlines } from "../app/server/engine/deadlines.server";
import { dispatch, type EngineServices } from "../app/server/engine/engine.server";
import { runtime } from "../app/server/runtime.server";
import { seed } from "../app/server/seed.server";
import { LocalFileStore } from "../app/server/storage.server";
import { type PersistedWorkflow, registry, step, type WorkflowInput } from "../workflows/index";

const base = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
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

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// 1. Pure transitions.
{
  const def = registry.current("scia");
  const events = [
    { type: "SUBMIT", at: "2026-03-02" },
    { type: "PROTOCOL", at: "2026-03-02" },
    { type: "SEND_INTEGRATION_REQUEST", at: "2026-03-10", answerDays: 20, items: ["x"] },
    { type: "INTEGRATION_RECEIVED", at: "2026-03-20" },
    { type: "SCIA_CHECK_PERIOD_ENDED", at: "2026-05-20" },
  ] as const;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 3000) {
    let snap: PersistedWorkflow | null = null;
    for (const e of events) {
      const r = step(def, snap, e as never, input);
      if (!r.accepted) throw new Error(`${e.type}: ${r.reasonEn}`);
      snap = r.snapshot;
      n++;
    }
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`pure step(): ${(n / secs).toFixed(0)} transitions/s (incl. JSON snapshot round trip)`);
}

// 2 + 3 on a fresh Postgres database.
const name = `suap_bench_${Date.now()}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(base);
url.pathname = `/${name}`;
const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
runtime.handle = handle;
const { db } = handle;
try {
  await migrateToLatest(db);
  await seed(db, { demo: true });
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
  const officer = await db
    .selectFrom("users")
    .select("id")
    .where("email", "=", "operatore@demo.test")
    .executeTakeFirstOrThrow();
  const officerPrincipal = await loadPrincipal(officer.id);
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

  async function draft() {
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
    return id;
  }

  // 2. Engine dispatches: an officer act without a document (cheap event) and a full submission (PDF + mail).
  const ids: string[] = [];
  for (let i = 0; i < 200; i++) {
    const id = await draft();
    await dispatch(db, services, {
      praticaId: id,
      event: { type: "SUBMIT", at: "2026-03-02" },
      actor: { kind: "user", userId: owner.id, principal },
      start: input,
    });
    ids.push(id);
  }
  const lat: number[] = [];
  const t1 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < ids.length; i += 8) {
        const s = performance.now();
        await dispatch(db, services, {
          praticaId: ids[i]!,
          event: { type: "PROTOCOL", at: "2026-03-02" },
          actor: { kind: "system", name: "bench" },
        });
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs1 = (performance.now() - t1) / 1000;
  lat.sort((a, b) => a - b);
  console.log(
    `engine dispatch PROTOCOL (protocol entry + receipt PDF + 3 mails + deadline + audit), 8 concurrent on Postgres: ${(ids.length / secs1).toFixed(1)}/s, p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms`,
  );
  const lat2: number[] = [];
  const t2 = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < ids.length; i += 8) {
        const s = performance.now();
        await dispatch(db, services, {
          praticaId: ids[i]!,
          event: { type: "CANCEL", at: "2026-03-05" },
          actor: { kind: "user", userId: owner.id, principal },
        });
        lat2.push(performance.now() - s);
      }
    }),
  );
  const secs2 = (performance.now() - t2) / 1000;
  lat2.sort((a, b) => a - b);
  console.log(
    `engine dispatch CANCEL (no document), 8 concurrent on Postgres: ${(ids.length / secs2).toFixed(1)}/s, p50 ${percentile(lat2, 50).toFixed(1)} ms, p95 ${percentile(lat2, 95).toFixed(1)} ms`,
  );
  void officerPrincipal;

  // 3. Sweep 100,000 due deadlines. Pratiche are created in bulk already protocolled (a real snapshot copied),
  // each with its final deadline due yesterday.
  const template = await db
    .selectFrom("pratiche")
    .select(["snapshot"])
    .where("id", "=", ids[0]!)
    .executeTakeFirstOrThrow();
  const fresh = await draft();
  await dispatch(db, services, {
    praticaId: fresh,
    event: { type: "SUBMIT", at: "2026-01-05" },
    actor: { kind: "user", userId: owner.id, principal },
    start: input,
  });
  await dispatch(db, services, {
    praticaId: fresh,
    event: { type: "PROTOCOL", at: "2026-01-05" },
    actor: { kind: "system", name: "bench" },
  });
  const snap = await db
    .selectFrom("pratiche")
    .select(["snapshot", "workflow"])
    .where("id", "=", fresh)
    .executeTakeFirstOrThrow();
  void template;
  const N = Number(process.env.BENCH_DEADLINES ?? 100_000);
  const tSeed = performance.now();
  await sql`
    insert into pratiche (id, cui, catalogue_version_id, usecases, title, regime, municipality_id, desk_id, business_id,
      filer_user_id, workflow, snapshot, status, due_date, submitted_at)
    select gen_random_uuid(), 'BULK-' || g, ${cv.id}, '[]'::jsonb, 'Bulk', 'scia', ${comune.id}, ${desk.id},
      ${principal.businessIds[0]!}::uuid, ${owner.id}::uuid, ${snap.workflow}, ${JSON.stringify(snap.snapshot)}::jsonb,
      'in_review', '2026-03-06', now()
    from generate_series(1, ${N}) g`.execute(db);
  await sql`
    insert into deadlines (pratica_id, name, due, event)
    select id, 'final', '2026-03-06', 'SCIA_CHECK_PERIOD_ENDED' from pratiche where cui like 'BULK-%'`.execute(
    db,
  );
  console.log(
    `seeded ${N} protocolled pratiche with a due deadline in ${((performance.now() - tSeed) / 1000).toFixed(1)} s`,
  );
  const cpu0 = process.cpuUsage();
  const t3 = performance.now();
  const concurrency = Number(process.env.BENCH_SWEEP_CONCURRENCY ?? 4);
  const report = await sweepDeadlines(db, services, { today: "2026-06-30", batch: 200, concurrency });
  const secs3 = (performance.now() - t3) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `sweep: fired ${report.fired} (stale ${report.stale}, failed ${report.failed}) in ${secs3.toFixed(1)} s = ${(report.fired / secs3).toFixed(0)} deadlines/s with one worker process (${concurrency} claimers); node CPU ${((cpu.user + cpu.system) / 1000 / Math.max(1, report.fired)).toFixed(2)} ms per deadline`,
  );
} finally {
  await handle.close();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
