import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChains } from "~/server/engine/audit.server";
import { dispatchResult, type EngineServices } from "~/server/engine/engine.server";
import type { Database } from "~/server/db/schema.server";
import {
  claimDueCalls,
  enqueueCall,
  openCalls,
  recordOutcome,
  retryCallNow,
} from "~/server/integrations/queue.server";
import {
  type CallOutcome,
  defaultRetryPolicy,
  type IntegrationHandler,
  type IntegrationKind,
  ssuRetryPolicy,
} from "~/server/integrations/types.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica } from "../support/factories";

const HOUR = 3600_000;
const services: EngineServices = {
  files: new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-queue-"))),
  publicUrl: "http://localhost:3000",
};

/**
 * A handler whose port answers from a script, recording every call it is asked to make and every result the
 * queue hands back: the queue's own rules (claim, lease, retry, alert, recorded once) are what is under test.
 */
function scripted(kind: IntegrationKind, outcomes: CallOutcome[], retry = ssuRetryPolicy) {
  const executed: { key: string; attempt: number }[] = [];
  const results: { id: string; ok: boolean }[] = [];
  let gate: Promise<void> | null = null;
  const handler: IntegrationHandler = {
    kind,
    retry,
    target: () => "test-peer",
    async execute(call) {
      executed.push({ key: call.idempotency_key, attempt: call.attempts });
      if (gate) await gate;
      return outcomes.shift() ?? { ok: false, message: "script finished", timeout: false };
    },
    async onResult(trx, call, outcome, ctx) {
      results.push({ id: call.id, ok: outcome.ok });
      if (call.pratica_id) {
        await ctx.dispatch(trx, {
          praticaId: call.pratica_id,
          event: {
            type: "INTEGRATION_RESULT",
            at: ctx.now.toISOString(),
            kind,
            operation: call.operation,
            callId: call.id,
            ok: outcome.ok,
          },
        });
      }
    },
  };
  return {
    handler,
    executed,
    results,
    hold() {
      let release!: () => void;
      gate = new Promise((r) => {
        release = r;
      });
      return () => {
        gate = null;
        release();
      };
    },
  };
}

async function queued(db: Kysely<Database>, key: string, praticaId: string | null, notBefore?: Date) {
  return db.transaction().execute((trx) =>
    enqueueCall(trx, {
      kind: "ssu",
      operation: "send_instance",
      target: "test-peer",
      idempotencyKey: key,
      praticaId,
      payload: { hello: "world" },
      notBefore,
    }),
  );
}

const row = (db: Kysely<Database>, id: string) =>
  db.selectFrom("integration_calls").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

describe.each(DATABASES)("the queue of external calls on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("enqueues a key once: the same key again returns the row already there", async () => {
    const { db } = test.handle;
    const a = await queued(db, "dup-key-1", null);
    const b = await queued(db, "dup-key-1", null);
    expect(b.id).toBe(a.id);
    const n = await db
      .selectFrom("integration_calls")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("idempotency_key", "=", "dup-key-1")
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);
    // Nothing is queued when the enqueueing transaction rolls back.
    await expect(
      db.transaction().execute(async (trx) => {
        await enqueueCall(trx, {
          kind: "ssu",
          operation: "x",
          idempotencyKey: "rolled-back",
          praticaId: null,
          payload: {},
        });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(
      await db
        .selectFrom("integration_calls")
        .select("id")
        .where("idempotency_key", "=", "rolled-back")
        .execute(),
    ).toEqual([]);
    await db.deleteFrom("integration_calls").execute();
  });

  it("applies the SSU rule: timeout, 503 and 500 ERROR_500_007 retried at +2 h, +4 h, +8 h, then the desk is alerted", async () => {
    const { db } = test.handle;
    const { id: praticaId } = await draftPratica(db);
    const t0 = new Date("2026-03-02T09:00:00Z");
    const call = await queued(db, "ssu-rule", praticaId, t0);
    const s = scripted("ssu", [
      { ok: false, message: "no answer", timeout: true },
      { ok: false, message: "busy", httpStatus: 503, timeout: false },
      { ok: false, message: "transient", httpStatus: 500, bodyCode: "ERROR_500_007", timeout: false },
      { ok: false, message: "still down", httpStatus: 503, timeout: false },
    ]);
    let now = t0;
    const run = integrationRunner(db, {
      handlers: new Map([["ssu", s.handler]]),
      services,
      now: () => now,
    });
    const expectedDelays = [2 * HOUR, 4 * HOUR, 8 * HOUR];
    for (const delay of expectedDelays) {
      expect((await run()).retry).toBe(1);
      const r = await row(db, call.id);
      expect(r.status).toBe("queued");
      expect(new Date(r.next_attempt_at).getTime() - now.getTime()).toBe(delay);
      // Not due a minute before its time.
      now = new Date(now.getTime() + delay - 60_000);
      expect((await run()).claimed).toBe(0);
      now = new Date(now.getTime() + 60_000);
    }
    const last = await run();
    expect(last.alerted).toBe(1);
    const r = await row(db, call.id);
    expect(r.status).toBe("alerted");
    expect(r.attempts).toBe(4);
    expect(r.last_http_status).toBe(503);
    expect(s.executed.map((e) => e.key)).toEqual(["ssu-rule", "ssu-rule", "ssu-rule", "ssu-rule"]);
    // The desk gets a mail, the failure is in the audit chain, the call stays listed as open.
    const mail = await db
      .selectFrom("outbox")
      .selectAll()
      .where("template", "=", "integrazione_in_errore")
      .execute();
    expect(mail.length).toBeGreaterThan(0);
    expect(mail[0]!.pratica_id).toBe(praticaId);
    expect(mail[0]!.body_text).toMatch(/still down/);
    const events = await db.selectFrom("events").selectAll().where("pratica_id", "=", praticaId).execute();
    expect(events.map((e) => e.type)).toEqual(["INTEGRATION_RESULT"]);
    expect(events[0]!.actor_kind).toBe("system:integration:ssu");
    expect((await verifyChains(db, praticaId)).problems).toEqual([]);
    expect((await openCalls(db, { praticaId })).map((c) => c.status)).toEqual(["alerted"]);

    // "Riprova": due now, one more attempt.
    expect(await retryCallNow(db, call.id, now)).toBe(true);
    const again = scripted("ssu", [{ ok: true, result: { esito: "OK" } }]);
    const run2 = integrationRunner(db, {
      handlers: new Map([["ssu", again.handler]]),
      services,
      now: () => now,
    });
    expect((await run2()).done).toBe(1);
    expect((await row(db, call.id)).status).toBe("done");
    expect(await retryCallNow(db, call.id, now)).toBe(false);
  });

  it("does not retry what the SSU rule excludes: a 500 with another code, a 400", async () => {
    const { db } = test.handle;
    const now = new Date("2026-03-03T09:00:00Z");
    const a = await queued(db, "ssu-500-other", null, now);
    const b = await queued(db, "ssu-400", null, now);
    const s = scripted("ssu", [
      { ok: false, message: "bug", httpStatus: 500, bodyCode: "ERROR_500_001", timeout: false },
      { ok: false, message: "bad request", httpStatus: 400, timeout: false },
    ]);
    const report = await integrationRunner(db, {
      handlers: new Map([["ssu", s.handler]]),
      services,
      now: () => now,
      limit: 1,
    })();
    expect(report.alerted).toBe(1);
    await integrationRunner(db, { handlers: new Map([["ssu", s.handler]]), services, now: () => now })();
    expect((await row(db, a.id)).status).toBe("alerted");
    expect((await row(db, b.id)).status).toBe("alerted");
    expect((await row(db, a.id)).attempts).toBe(1);
    expect(ssuRetryPolicy.retryable({ ok: false, message: "", httpStatus: 502, timeout: false })).toBe(false);
    expect(defaultRetryPolicy.retryable({ ok: false, message: "", httpStatus: 502, timeout: false })).toBe(
      true,
    );
    expect(defaultRetryPolicy.retryable({ ok: false, message: "", httpStatus: 422, timeout: false })).toBe(
      false,
    );
  });

  it("makes the calls of one order key one at a time, in queue order, past a retry, while other keys go on", async () => {
    const { db } = test.handle;
    await db.deleteFrom("integration_calls").execute();
    const t0 = new Date("2026-03-05T09:00:00Z");
    // Three calls of key A queued in one transaction (one created_at), one of key B, one without a key.
    await db.transaction().execute(async (trx) => {
      for (const [key, orderKey] of [
        ["a1", "A"],
        ["a2", "A"],
        ["a3", "A"],
        ["b1", "B"],
        ["free", undefined],
      ] as const)
        await enqueueCall(trx, {
          kind: "ssu",
          operation: "audit",
          target: "test-peer",
          idempotencyKey: `order-${key}`,
          praticaId: null,
          payload: { key },
          notBefore: t0,
          ...(orderKey ? { orderKey } : {}),
        });
    });
    // Two workers claim at once: between them, only the head of each key and the free call.
    const [w1, w2] = await Promise.all([
      claimDueCalls(db, { now: t0, limit: 20 }),
      claimDueCalls(db, { now: t0, limit: 20 }),
    ]);
    const first = [...w1, ...w2].map((c) => c.call.idempotency_key).sort();
    expect(first).toEqual(["order-a1", "order-b1", "order-free"]);
    // a1 fails and waits for its retry (+2 h); b1 and the free call are done.
    const byKey = new Map([...w1, ...w2].map((c) => [c.call.idempotency_key, c]));
    const outcome = (ok: boolean): CallOutcome =>
      ok ? { ok: true, result: {} } : { ok: false, message: "busy", httpStatus: 503, timeout: false };
    const handler = scripted("ssu", []).handler;
    const ctx = { now: t0, dispatch: async () => {}, files: services.files, publicUrl: services.publicUrl };
    const record = (key: string, ok: boolean) =>
      recordOutcome(db, byKey.get(key)!, outcome(ok), { handler, context: ctx, alert: async () => {} });
    expect(await record("order-a1", false)).toBe("retry");
    expect(await record("order-b1", true)).toBe("done");
    expect(await record("order-free", true)).toBe("done");
    // a2 is due but waits behind a1 while a1 waits for its retry.
    expect(await claimDueCalls(db, { now: new Date(t0.getTime() + HOUR), limit: 20 })).toEqual([]);
    const t2 = new Date(t0.getTime() + 2 * HOUR);
    const retried = await claimDueCalls(db, { now: t2, limit: 20 });
    expect(retried.map((c) => c.call.idempotency_key)).toEqual(["order-a1"]);
    byKey.set("order-a1", retried[0]!);
    expect(await record("order-a1", true)).toBe("done");
    // then a2, then a3, one per pass.
    for (const next of ["order-a2", "order-a3"]) {
      const got = await claimDueCalls(db, { now: t2, limit: 20 });
      expect(got.map((c) => c.call.idempotency_key)).toEqual([next]);
      byKey.set(next, got[0]!);
      expect(await record(next, true)).toBe("done");
    }
    expect(await claimDueCalls(db, { now: t2, limit: 20 })).toEqual([]);
    await db.deleteFrom("integration_calls").execute();
  });

  it("gives a call to one worker at a time, and records a result once when a lease expired and two made it", async () => {
    const { db } = test.handle;
    const { id: praticaId } = await draftPratica(db);
    const now = new Date("2026-03-04T09:00:00Z");
    const call = await queued(db, "lease-race", praticaId, now);
    // Two claims at once: SKIP LOCKED gives the row to one of them.
    const [c1, c2] = await Promise.all([
      claimDueCalls(db, { now, limit: 5, kinds: ["ssu"] }),
      claimDueCalls(db, { now, limit: 5, kinds: ["ssu"] }),
    ]);
    expect(c1.length + c2.length).toBe(1);
    const first = (c1[0] ?? c2[0])!;
    // A leased call is not claimed again before its lease ends.
    expect(
      await claimDueCalls(db, { now: new Date(now.getTime() + 60_000), limit: 5, kinds: ["ssu"] }),
    ).toEqual([]);
    // The first worker "died" mid-call: after the lease, another worker claims it, with the same key.
    const later = new Date(now.getTime() + 6 * 60_000);
    const [second] = await claimDueCalls(db, { now: later, limit: 5, kinds: ["ssu"] });
    expect(second!.call.id).toBe(call.id);
    expect(second!.call.idempotency_key).toBe(first.call.idempotency_key);
    expect(second!.call.attempts).toBe(2);
    const s = scripted("ssu", []);
    const deps = {
      handler: s.handler,
      alert: async () => {},
      context: {
        now: later,
        files: services.files,
        publicUrl: services.publicUrl,
        dispatch: (trx: Parameters<typeof dispatchResult>[0], req: Parameters<typeof dispatchResult>[2]) =>
          dispatchResult(trx, services, req),
      },
    };
    // Both answers come back (the peer de-duplicated by key and answered both): one is recorded.
    const ok: CallOutcome = { ok: true, result: { n: 1 } };
    expect(await recordOutcome(db, second!, ok, deps)).toBe("done");
    expect(await recordOutcome(db, first, ok, deps)).toBe("lost_lease");
    expect(s.results).toHaveLength(1);
    const events = await db.selectFrom("events").select("type").where("pratica_id", "=", praticaId).execute();
    expect(events).toHaveLength(1);
    expect((await row(db, call.id)).result).toEqual({ n: 1 });
  });

  it("runs the port outside any transaction: other work commits while a call is in flight", async () => {
    const { db } = test.handle;
    const now = new Date("2026-03-05T09:00:00Z");
    const call = await queued(db, "in-flight", null, now);
    const s = scripted("ssu", [{ ok: true, result: {} }]);
    const release = s.hold();
    const running = integrationRunner(db, {
      handlers: new Map([["ssu", s.handler]]),
      services,
      now: () => now,
    })();
    // Wait until the port is called.
    for (let i = 0; i < 200 && s.executed.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.executed).toHaveLength(1);
    // The claim is committed (visible as running) and the database is free for other transactions.
    expect((await row(db, call.id)).status).toBe("running");
    await queued(db, "while-in-flight", null, now);
    release();
    expect((await running).done).toBe(1);
    expect((await row(db, call.id)).status).toBe("done");
  });
});
