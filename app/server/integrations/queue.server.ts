import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../db/schema.server";
import type {
  CallOutcome,
  CallSpec,
  ExecuteContext,
  IntegrationCall,
  IntegrationHandler,
  IntegrationKind,
  ResultContext,
} from "./types.server";

/**
 * The durable queue of external calls (table `integration_calls`, migration 0007). See types.server.ts for
 * the life of a call.
 */

/**
 * Inserts a call inside the caller's transaction. The idempotency key is unique: enqueueing the same key
 * twice inserts nothing and returns the row already there (whatever its status).
 */
export async function enqueueCall(trx: Transaction<Database>, spec: CallSpec): Promise<IntegrationCall> {
  const inserted = await trx
    .insertInto("integration_calls")
    .values({
      id: randomUUID(),
      kind: spec.kind,
      operation: spec.operation,
      target: spec.target ?? "default",
      idempotency_key: spec.idempotencyKey,
      pratica_id: spec.praticaId,
      payload: JSON.stringify(spec.payload),
      next_attempt_at: spec.notBefore ?? new Date(),
      order_key: spec.orderKey ?? null,
    })
    .onConflict((oc) => oc.column("idempotency_key").doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return inserted;
  return trx
    .selectFrom("integration_calls")
    .selectAll()
    .where("idempotency_key", "=", spec.idempotencyKey)
    .executeTakeFirstOrThrow();
}

/** A claimed call is leased for this long; a worker that dies mid-call lets another make it again. */
export const DEFAULT_LEASE_MS = 5 * 60_000;

export interface ClaimedCall {
  call: IntegrationCall;
  token: string;
}

/**
 * Claims due calls in a short transaction of its own: queued ones whose time has come, and running ones
 * whose lease expired (their worker died). Each claim gets a new lease token; only its holder may record.
 * A call with an order key is claimed only when no earlier call of its key is still queued or running (one
 * at a time per key, in queue order, across passes and workers; a call waiting for its retry holds the
 * later ones back until it is done or has given up).
 */
export async function claimDueCalls(
  db: Kysely<Database>,
  opts: { now: Date; limit: number; leaseMs?: number; kinds?: readonly IntegrationKind[] },
): Promise<ClaimedCall[]> {
  const leaseUntil = new Date(opts.now.getTime() + (opts.leaseMs ?? DEFAULT_LEASE_MS));
  return db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom("integration_calls")
      .select("id")
      .where((eb) =>
        eb.or([
          eb.and([eb("status", "=", "queued"), eb("next_attempt_at", "<=", opts.now)]),
          eb.and([eb("status", "=", "running"), eb("lease_until", "<", opts.now)]),
        ]),
      )
      .where((eb) =>
        eb.or([
          eb("integration_calls.order_key", "is", null),
          eb.not(
            eb.exists(
              eb
                .selectFrom("integration_calls as prior")
                .select("prior.id")
                .whereRef("prior.order_key", "=", "integration_calls.order_key")
                .whereRef("prior.order_seq", "<", "integration_calls.order_seq")
                .where("prior.status", "in", ["queued", "running"]),
            ),
          ),
        ]),
      )
      .orderBy("next_attempt_at")
      .limit(opts.limit)
      .forUpdate()
      .skipLocked();
    if (opts.kinds?.length) query = query.where("kind", "in", [...opts.kinds]);
    const due = await query.execute();
    const claimed: ClaimedCall[] = [];
    for (const { id } of due) {
      const token = randomUUID();
      const call = await trx
        .updateTable("integration_calls")
        .set((eb) => ({
          status: "running",
          lease_until: leaseUntil,
          lease_token: token,
          attempts: eb("attempts", "+", 1),
          updated_at: opts.now,
        }))
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow();
      claimed.push({ call, token });
    }
    return claimed;
  });
}

export type RecordResult = "done" | "retry" | "failed" | "alerted" | "lost_lease";

/**
 * Records the outcome of a claimed call and runs the handler's `onResult`, in ONE transaction. The row is
 * locked and must still carry this claim's lease token: when the lease expired and another worker took the
 * call over, this outcome is dropped (the other worker's, obtained with the same idempotency key, counts), so
 * a result is recorded once.
 */
export async function recordOutcome(
  db: Kysely<Database>,
  claimed: ClaimedCall,
  outcome: CallOutcome,
  deps: { handler: IntegrationHandler; context: ResultContext; alert: AlertDesk },
): Promise<RecordResult> {
  return db.transaction().execute(async (trx) => {
    const call = await trx
      .selectFrom("integration_calls")
      .selectAll()
      .where("id", "=", claimed.call.id)
      .forUpdate()
      .executeTakeFirst();
    if (call?.status !== "running" || call.lease_token !== claimed.token) return "lost_lease";
    const now = deps.context.now;
    if (outcome.ok) {
      const done = await trx
        .updateTable("integration_calls")
        .set({
          status: "done",
          result: JSON.stringify(outcome.result),
          last_error: null,
          last_http_status: null,
          lease_until: null,
          lease_token: null,
          updated_at: now,
          completed_at: now,
        })
        .where("id", "=", call.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await deps.handler.onResult(trx, done, outcome, deps.context);
      return "done";
    }
    const policy = deps.handler.retry;
    // attempts counts this one: after the n-th failure the n-th delay applies, if there is one.
    const delay = policy.delaysMs[call.attempts - 1];
    const failure = {
      last_error: outcome.message.slice(0, 2000),
      last_http_status: outcome.httpStatus ?? null,
      lease_until: null,
      lease_token: null,
      updated_at: now,
    };
    if (policy.retryable(outcome) && delay !== undefined) {
      await trx
        .updateTable("integration_calls")
        .set({ ...failure, status: "queued", next_attempt_at: new Date(now.getTime() + delay) })
        .where("id", "=", call.id)
        .execute();
      return "retry";
    }
    const status = policy.afterLast === "alert_desk" ? "alerted" : "failed";
    const ended = await trx
      .updateTable("integration_calls")
      .set({ ...failure, status, completed_at: now })
      .where("id", "=", call.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (status === "alerted") await deps.alert(trx, ended);
    await deps.handler.onResult(trx, ended, outcome, deps.context);
    return status;
  });
}

/** Tells the desk that a call gave up (a mail through the outbox; the `alerted` status is the visible flag). */
export type AlertDesk = (trx: Transaction<Database>, call: IntegrationCall) => Promise<void>;

export interface RunReport {
  claimed: number;
  done: number;
  retry: number;
  failed: number;
  alerted: number;
  lost_lease: number;
}

export interface RunDeps {
  handlers: ReadonlyMap<IntegrationKind, IntegrationHandler>;
  execute: Omit<ExecuteContext, "now"> & { now?: () => Date };
  /** Builds the context of `onResult` (the engine's dispatch is injected here by the worker). */
  resultContext: (now: Date) => ResultContext;
  alert: AlertDesk;
  limit?: number;
  leaseMs?: number;
  kinds?: readonly IntegrationKind[];
  /** Per call time limit for `execute`; past it the call counts as a timeout. */
  timeoutMs?: number;
}

/** One pass over the due calls: claim, COMMIT, call the port, record. Calls of one pass run concurrently. */
export async function runDueCalls(db: Kysely<Database>, deps: RunDeps): Promise<RunReport> {
  const clock = deps.execute.now ?? (() => new Date());
  const report: RunReport = { claimed: 0, done: 0, retry: 0, failed: 0, alerted: 0, lost_lease: 0 };
  const claimed = await claimDueCalls(db, {
    now: clock(),
    limit: deps.limit ?? 20,
    leaseMs: deps.leaseMs,
    kinds: deps.kinds,
  });
  report.claimed = claimed.length;
  await Promise.all(
    claimed.map(async (c) => {
      const handler = deps.handlers.get(c.call.kind as IntegrationKind);
      const outcome: CallOutcome = handler
        ? await executeSafely(handler, c.call, { ...deps.execute, now: clock }, deps.timeoutMs)
        : { ok: false, message: `Nessun adattatore configurato per «${c.call.kind}».`, timeout: false };
      const fallback: IntegrationHandler = handler ?? unconfigured(c.call.kind as IntegrationKind);
      const recorded = await recordOutcome(db, c, outcome, {
        handler: fallback,
        context: deps.resultContext(clock()),
        alert: deps.alert,
      });
      report[recorded] += 1;
    }),
  );
  return report;
}

async function executeSafely(
  handler: IntegrationHandler,
  call: IntegrationCall,
  ctx: ExecuteContext,
  timeoutMs = 60_000,
): Promise<CallOutcome> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  ctx.signal?.addEventListener("abort", onAbort);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<CallOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ ok: false, message: `Nessuna risposta entro ${timeoutMs / 1000} secondi.`, timeout: true });
      }, timeoutMs);
    });
    return await Promise.race([handler.execute(call, { ...ctx, signal: controller.signal }), timedOut]);
  } catch (error) {
    const e = error as Error & { name?: string; httpStatus?: unknown };
    return {
      ok: false,
      message: e.message || String(error),
      timeout: e.name === "AbortError" || e.name === "TimeoutError",
      // An adapter that throws (the TSA client, the CSC client) says which HTTP status the peer answered.
      ...(typeof e.httpStatus === "number" ? { httpStatus: e.httpStatus } : {}),
    };
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onAbort);
  }
}

/** A call whose kind has no adapter in this configuration: recorded as failed, nothing else. */
function unconfigured(kind: IntegrationKind): IntegrationHandler {
  return {
    kind,
    retry: { delaysMs: [], retryable: () => false, afterLast: "alert_desk" },
    target: () => "none",
    execute: async () => ({ ok: false, message: "no adapter", timeout: false }),
    onResult: async () => {},
  };
}

/** "Riprova": makes a waiting, failed or alerted call due now. Returns false when there is nothing to retry. */
export async function retryCallNow(db: Kysely<Database>, id: string, now = new Date()): Promise<boolean> {
  const row = await db
    .updateTable("integration_calls")
    .set({ status: "queued", next_attempt_at: now, completed_at: null, updated_at: now })
    .where("id", "=", id)
    .where("status", "in", ["queued", "failed", "alerted"])
    .returning("id")
    .executeTakeFirst();
  return !!row;
}

/** Calls that are not done: waiting, running, failed, alerted (the admin page, the desk's pratica page). */
export async function openCalls(db: Kysely<Database>, opts: { praticaId?: string; limit?: number } = {}) {
  let q = db
    .selectFrom("integration_calls")
    .leftJoin("pratiche", "pratiche.id", "integration_calls.pratica_id")
    .select([
      "integration_calls.id",
      "integration_calls.kind",
      "integration_calls.operation",
      "integration_calls.target",
      "integration_calls.idempotency_key",
      "integration_calls.pratica_id",
      "integration_calls.status",
      "integration_calls.attempts",
      "integration_calls.next_attempt_at",
      "integration_calls.last_error",
      "integration_calls.last_http_status",
      "integration_calls.created_at",
      "pratiche.cui",
      "pratiche.desk_id",
    ])
    .where("integration_calls.status", "!=", "done")
    .orderBy("integration_calls.status")
    .orderBy("integration_calls.next_attempt_at")
    .limit(opts.limit ?? 200);
  if (opts.praticaId) q = q.where("integration_calls.pratica_id", "=", opts.praticaId);
  return q.execute();
}

/** The open calls as the pages show them (serialisable). */
export async function openCallViews(db: Kysely<Database>, opts: { praticaId?: string } = {}) {
  const rows = await openCalls(db, opts);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    operation: r.operation,
    praticaId: r.pratica_id,
    cui: r.cui,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at).toISOString(),
    lastError: r.last_error,
    lastHttpStatus: r.last_http_status,
  }));
}
