import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database, Pratica } from "~/server/db/schema.server";
import { checkDeskTallies } from "~/server/desk/tallies.server";
import { verifyChains } from "~/server/engine/audit.server";
import { fireBatch } from "~/server/engine/batch.server";
import { sweepDeadlines } from "~/server/engine/deadlines.server";
import { dispatch, type EngineServices } from "~/server/engine/engine.server";
import { LocalFileStore } from "~/server/storage.server";
import type { Regime } from "../../../workflows/shared";
import { seedDueDeadlinesInto } from "../../../bench/deadlines";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica, userByEmail, workflowInput } from "../support/factories";

// The deadline sweep's set-based batch (issue 18): the same outcome as the engine's one-step path, a step that
// fails in memory or a write that fails does not block the rest, and sweepers in parallel fire each deadline
// once.

const services: EngineServices = {
  files: new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-batch-"))),
  publicUrl: "http://localhost:3000",
};

async function filed(db: Kysely<Database>, regime: Regime, at: string) {
  const { id, owner } = await draftPratica(db, { regime });
  await dispatch(db, services, {
    praticaId: id,
    event: { type: "SUBMIT", at },
    actor: { kind: "user", userId: owner.id, principal: owner.principal },
    start: workflowInput(regime, 60),
  });
  await dispatch(db, services, {
    praticaId: id,
    event: { type: "PROTOCOL", at },
    actor: { kind: "system", name: "submission" },
  });
  return id;
}

function plusDays(iso: string, days: number) {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Four pratiche whose deadlines come due, filed on `at`: a SCIA (its term ends: consolidated, mail), a
 * silenzio-assenso (silence is consent), a SCIA waiting for an integration (its term expires: a provvedimento
 * registered and issued, so the one-step path), a SCIA with a second deadline of the same event due too (the
 * first fires, the second finds the pratica moved on).
 */
async function scenario(db: Kysely<Database>, at: string) {
  const scia = await filed(db, "scia", at);
  const consent = await filed(db, "silenzio_assenso", at);
  const integration = await filed(db, "scia", at);
  const officer = await userByEmail(db, "operatore@demo.test");
  await dispatch(db, services, {
    praticaId: integration,
    event: {
      type: "SEND_INTEGRATION_REQUEST",
      at: plusDays(at, 10),
      answerDays: 20,
      items: ["Planimetria aggiornata"],
    },
    actor: { kind: "user", userId: officer.id, principal: officer.principal },
  });
  const twice = await filed(db, "scia", at);
  const final = await db
    .selectFrom("deadlines")
    .select(["due", "event"])
    .where("pratica_id", "=", twice)
    .where("name", "=", "final")
    .where("status", "=", "active")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("deadlines")
    .values({ pratica_id: twice, name: "final-copy", due: final.due, event: final.event })
    .execute();
  return { scia, consent, integration, twice };
}

/** What a sweep left of a pratica, without its ids, dates and numbers. */
async function outcomeOf(db: Kysely<Database>, id: string) {
  const p = await db
    .selectFrom("pratiche")
    .select([
      "status",
      "ssu_status",
      "ended",
      "suspended",
      "event_count",
      "audit_head",
      "cui",
      "protocol_number",
    ])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const events = await db
    .selectFrom("events")
    .select(["seq", "type", "actor_kind", "state_before", "state_after", "hash"])
    .where("pratica_id", "=", id)
    .orderBy("seq")
    .execute();
  const deadlines = await db
    .selectFrom("deadlines")
    .select(["name", "status"])
    .where("pratica_id", "=", id)
    .orderBy("name")
    .orderBy("status")
    .execute();
  const mail = await db
    .selectFrom("outbox")
    .select(["template", "recipient", "channel", "subject"])
    .where("pratica_id", "=", id)
    .execute();
  const documents = await db.selectFrom("documents").select("kind").where("pratica_id", "=", id).execute();
  const protocol = await db
    .selectFrom("protocol_entries")
    .select("direction")
    .where("pratica_id", "=", id)
    .execute();
  // the pratica keeps the head of its chain
  expect(p.audit_head).toBe(events.at(-1)?.hash);
  expect(p.event_count).toBe(events.at(-1)?.seq);
  return {
    pratica: {
      status: p.status,
      ssu: p.ssu_status,
      ended: p.ended,
      suspended: p.suspended,
      n: p.event_count,
    },
    events: events.map((e) => [e.type, e.actor_kind, e.state_before, e.state_after]),
    deadlines: deadlines.map((d) => `${d.name}:${d.status}`),
    mail: mail.map((m) => `${m.template} ${m.channel} ${m.recipient}`).sort(),
    subjects: [
      ...new Set(
        mail.map((m) =>
          m.subject
            .replace(p.cui!, "<cui>")
            .replace(p.protocol_number!, "<n>")
            .replace(/\d\d\/\d\d\/\d{4}/g, "<data>"),
        ),
      ),
    ].sort(),
    documents: documents.map((d) => d.kind).sort(),
    protocol: protocol.map((e) => e.direction).sort(),
  };
}

describe.each(DATABASES)("the deadline sweep's set-based batch on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
  }, 120_000);
  afterAll(async () => {
    await test.drop();
  });

  it("writes what the engine's one-step path writes: state, audit chain, deadlines, mail, documents", async () => {
    const { db } = test.handle;
    const before = await scenario(db, "2026-01-05");
    const single = await sweepDeadlines(db, services, { today: "2026-04-30", mode: "single" });
    const after = await scenario(db, "2026-05-04");
    const batch = await sweepDeadlines(db, services, { today: "2026-09-30", batch: 50 });
    // 4 deadlines fired and the second copy closed as stale, by either path
    expect(single).toEqual({ fired: 4, stale: 1, failed: 0 });
    expect(batch).toEqual(single);
    for (const key of ["scia", "consent", "integration", "twice"] as const) {
      const one = await outcomeOf(db, before[key]);
      const set = await outcomeOf(db, after[key]);
      expect(set).toEqual(one);
    }
    // what the outcome is, so the comparison compares something
    const scia = await outcomeOf(db, after.scia);
    expect(scia.pratica).toMatchObject({ status: "effective", ended: true });
    expect(scia.events.at(-1)).toEqual([
      "SCIA_CHECK_PERIOD_ENDED",
      "system:deadline:final",
      "in_review",
      "effective",
    ]);
    expect(scia.deadlines).toEqual(["final:fired"]);
    expect(scia.mail.filter((m) => m.startsWith("end_by_proceeding_time_expired")).length).toBeGreaterThan(1);
    expect((await outcomeOf(db, after.consent)).pratica.status).toBe("silent_consent");
    const integration = await outcomeOf(db, after.integration);
    expect(integration.pratica.status).toBe("integration_expired");
    expect(integration.documents).toContain("provvedimento");
    const twice = await outcomeOf(db, after.twice);
    expect(twice.deadlines).toEqual(["final:fired", "final-copy:done"]);
    expect(twice.events.filter((e) => e[0] === "SCIA_CHECK_PERIOD_ENDED")).toHaveLength(1);
    expect((await verifyChains(db)).problems).toEqual([]);
    expect(await checkDeskTallies(db)).toEqual([]);
  }, 120_000);

  it("writes mail-and-deadline steps set-based and sends a step with a document to the one-step path", async () => {
    const { db } = test.handle;
    const ids = await scenario(db, "2026-10-05");
    // a payload that needs escaping in an array literal travels intact into the audit entry
    const tricky = { note: 'a "quoted" \\ back{slash}, comma; è €', list: ["x,y", null] };
    await db
      .updateTable("deadlines")
      .set({ payload: JSON.stringify(tricky) })
      .where("pratica_id", "=", ids.scia)
      .where("name", "=", "final")
      .execute();
    const claimed = await db.transaction().execute(async (trx) => {
      const rows = await sql<
        Pratica & { d_id: number; d_name: string; d_due: string; d_event: string; d_payload: unknown }
      >`
        select d.id as d_id, d.name as d_name, d.due::text as d_due, d.event as d_event, d.payload as d_payload, p.*
          from deadlines d join pratiche p on p.id = d.pratica_id
         where d.status = 'active' and d.event is not null and d.name <> 'final-copy'
           and p.id = any(${[ids.scia, ids.consent, ids.integration, ids.twice]}::uuid[])
         order by d.id
           for update of d, p`.execute(trx);
      const out = await fireBatch(
        trx,
        services,
        rows.rows.map(({ d_id, d_name, d_due, d_event, d_payload, ...pratica }) => ({
          deadline: {
            id: Number(d_id),
            pratica_id: pratica.id,
            name: d_name,
            due: d_due,
            event: d_event,
            payload: d_payload,
          },
          pratica: pratica as Pratica,
        })),
      );
      // as the sweep does, in the same transaction
      if (out.fired.length)
        await trx.updateTable("deadlines").set({ status: "fired" }).where("id", "in", out.fired).execute();
      const byPratica = new Map(rows.rows.map((r) => [Number(r.d_id), r.id]));
      return {
        fired: out.fired.map((d) => byPratica.get(d)).sort(),
        single: out.single.map((s) => s.pratica.id),
        stale: out.stale,
        failed: out.failed,
        statements: out.statements,
      };
    });
    expect(claimed.fired).toEqual([ids.scia, ids.consent, ids.twice].sort());
    expect(claimed.single).toEqual([ids.integration]);
    expect(claimed.stale).toEqual([]);
    expect(claimed.failed).toEqual([]);
    // parties, events, pratiche, deadlines closed at the end, mail: a handful of statements for the batch
    expect(claimed.statements).toBeLessThanOrEqual(8);
    const scia = await outcomeOf(db, ids.scia);
    expect(scia.pratica.status).toBe("effective");
    const entry = await db
      .selectFrom("events")
      .select("payload")
      .where("pratica_id", "=", ids.scia)
      .where("type", "=", "SCIA_CHECK_PERIOD_ENDED")
      .executeTakeFirstOrThrow();
    expect(entry.payload).toEqual({ ...tricky, at: expect.any(String) });
    // the one-step candidate was left untouched by the batch
    expect((await outcomeOf(db, ids.integration)).pratica.status).toBe("integration_requested");
    // the rest goes through the sweep: the integration's term, and the copy the concluded pratica refuses
    const rest = await sweepDeadlines(db, services, { today: "2027-06-30" });
    expect(rest).toEqual({ fired: 1, stale: 1, failed: 0 });
    expect((await outcomeOf(db, ids.twice)).deadlines).toEqual(["final:fired", "final-copy:done"]);
    expect((await verifyChains(db)).problems).toEqual([]);
  }, 120_000);

  it("leaves a step that fails in memory out of the batch and retries it alone; the rest fire", async () => {
    const { db } = test.handle;
    const ok = [await filed(db, "scia", "2027-01-04"), await filed(db, "scia", "2027-01-04")];
    const forbidden = await filed(db, "scia", "2027-01-04");
    // a deadline that would send an officer's act (not automatic), due before the pratica's own term
    const bogus = await db
      .insertInto("deadlines")
      .values({ pratica_id: forbidden, name: "bogus", due: "2027-01-10", event: "GRANT" })
      .returning("id")
      .executeTakeFirstOrThrow();
    // a deadline on a pratica never started (no snapshot to step)
    const { id: draft } = await draftPratica(db);
    const orphan = await db
      .insertInto("deadlines")
      .values({ pratica_id: draft, name: "final", due: "2027-01-10", event: "SCIA_CHECK_PERIOD_ENDED" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const report = await sweepDeadlines(db, services, { today: "2027-12-31", batch: 50 });
    expect(report).toEqual({ fired: 3, stale: 0, failed: 2 });
    for (const id of [...ok, forbidden]) {
      expect((await outcomeOf(db, id)).pratica.status).toBe("effective");
    }
    const left = await db
      .selectFrom("deadlines")
      .select(["id", "status"])
      .where("id", "in", [bogus.id, orphan.id])
      .orderBy("id")
      .execute();
    expect(left).toEqual([
      { id: bogus.id, status: "active" },
      { id: orphan.id, status: "active" },
    ]);
    const grants = await db.selectFrom("events").select("id").where("type", "=", "GRANT").execute();
    expect(grants).toEqual([]);
    expect(
      (await db.selectFrom("events").select("id").where("pratica_id", "=", draft).execute()).length,
    ).toBe(0);
    // out of the way of the next tests
    await db
      .updateTable("deadlines")
      .set({ status: "cancelled" })
      .where("id", "in", [bogus.id, orphan.id])
      .execute();
  }, 120_000);

  it("redoes a batch whose write fails one deadline at a time: the one at fault is reported, the rest fire", async () => {
    const { db } = test.handle;
    const ok = [await filed(db, "scia", "2028-01-03"), await filed(db, "scia", "2028-01-03")];
    const wrong = await filed(db, "scia", "2028-01-03");
    // a head that lies about the chain's length: the next link's number is taken already
    await sql`update pratiche set event_count = event_count - 1 where id = ${wrong}`.execute(db);
    const chainBefore = await db
      .selectFrom("events")
      .select("hash")
      .where("pratica_id", "=", wrong)
      .execute();
    const report = await sweepDeadlines(db, services, { today: "2028-12-31", batch: 50 });
    expect(report).toEqual({ fired: 2, stale: 0, failed: 1 });
    for (const id of ok) expect((await outcomeOf(db, id)).pratica.status).toBe("effective");
    const left = await db
      .selectFrom("deadlines")
      .select("status")
      .where("pratica_id", "=", wrong)
      .where("name", "=", "final")
      .executeTakeFirstOrThrow();
    expect(left.status).toBe("active");
    const chainAfter = await db.selectFrom("events").select("hash").where("pratica_id", "=", wrong).execute();
    expect(chainAfter).toEqual(chainBefore);
    expect((await verifyChains(db)).problems).toEqual([]);
    await sql`update pratiche set event_count = event_count + 1 where id = ${wrong}`.execute(db);
    await db.updateTable("deadlines").set({ status: "cancelled" }).where("pratica_id", "=", wrong).execute();
  }, 120_000);

  it("runs the per-step hooks (SSU exchange, Catalogo SSU) once per batched step, after its rows are written", async () => {
    const { db } = test.handle;
    const ids = [await filed(db, "scia", "2029-01-08"), await filed(db, "scia", "2029-01-08")];
    const seen: { id: string; seq: number; prior: string; status: string; logged: number }[] = [];
    const told: { before: string; after: string; head: string | null }[] = [];
    const hooked: EngineServices = {
      ...services,
      // what the SSU hook reads: the step's pratica, its audit number, the state before; its rows are there
      afterStep: async (ctx, prior) => {
        const logged = await ctx.trx
          .selectFrom("events")
          .select("seq")
          .where("pratica_id", "=", ctx.pratica.id)
          .where("seq", "=", ctx.seq)
          .execute();
        seen.push({
          id: ctx.pratica.id,
          seq: ctx.seq,
          prior: prior.status,
          status: ctx.pratica.status,
          logged: logged.length,
        });
      },
      ssuCatalogue: {
        afterStep: async (_trx, step) => {
          told.push({ before: step.before.status, after: step.after.status, head: step.after.audit_head });
        },
      },
    };
    const report = await sweepDeadlines(db, hooked, { today: "2029-05-31", batch: 50 });
    expect(report).toEqual({ fired: 2, stale: 0, failed: 0 });
    expect(seen.map((s) => s.id).sort()).toEqual([...ids].sort());
    for (const s of seen) {
      const head = await db
        .selectFrom("pratiche")
        .select(["event_count", "audit_head"])
        .where("id", "=", s.id)
        .executeTakeFirstOrThrow();
      expect(s).toEqual({
        id: s.id,
        seq: head.event_count,
        prior: "in_review",
        status: "effective",
        logged: 1,
      });
      expect(told).toContainEqual({ before: "in_review", after: "effective", head: head.audit_head });
    }
    expect(told).toHaveLength(2);
  }, 120_000);

  it("fires each of many due deadlines once with two sweepers of several claimers at once", async () => {
    const { db } = test.handle;
    const N = 300;
    await seedDueDeadlinesInto(db, N);
    const [a, b] = await Promise.all([
      sweepDeadlines(db, services, { today: "2029-06-30", concurrency: 3, batch: 40 }),
      sweepDeadlines(db, services, { today: "2029-06-30", concurrency: 3, batch: 40 }),
    ]);
    // the N bulk copies and the pratica the engine made as their template
    expect(a.fired + b.fired).toBe(N + 1);
    expect(a.failed + b.failed).toBe(0);
    const c = await sql<{ due: number; events: number; twice: number; heads: number }>`
      select (select count(*) from deadlines where status = 'active' and event is not null and due <= '2029-06-30')::int8 as due,
             (select count(*) from events e join pratiche p on p.id = e.pratica_id
               where e.type = 'SCIA_CHECK_PERIOD_ENDED' and (p.cui like 'BULK-%' or p.title = 'Bench'))::int8 as events,
             (select count(*) from (select pratica_id from events where type = 'SCIA_CHECK_PERIOD_ENDED'
                                     group by pratica_id having count(*) > 1) t)::int8 as twice,
             (select count(*) from pratiche p where p.snapshot is not null and p.audit_head is distinct from
                     (select hash from events e where e.pratica_id = p.id order by seq desc limit 1))::int8 as heads`.execute(
      db,
    );
    expect(c.rows[0]).toEqual({ due: 0, events: N + 1, twice: 0, heads: 0 });
    expect((await verifyChains(db)).problems).toEqual([]);
    expect(await checkDeskTallies(db)).toEqual([]);
    const mail = await sql<{ n: number }>`
      select count(*)::int8 as n from outbox o join pratiche p on p.id = o.pratica_id
       where p.cui like 'BULK-%' and o.template = 'end_by_proceeding_time_expired'`.execute(db);
    // each bulk pratica's outcome mail, once per address (the dedupe key would hide a second enqueue: count)
    const perPratica = await sql<{ n: number }>`
      select count(distinct (o.pratica_id, o.recipient))::int8 as n from outbox o join pratiche p on p.id = o.pratica_id
       where p.cui like 'BULK-%' and o.template = 'end_by_proceeding_time_expired'`.execute(db);
    expect(Number(mail.rows[0]!.n)).toBe(Number(perPratica.rows[0]!.n));
    expect(Number(mail.rows[0]!.n)).toBeGreaterThanOrEqual(N);
  }, 300_000);
});
