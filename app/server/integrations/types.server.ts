import type { Kysely, Transaction } from "kysely";
import type { Effect, IntegrationKind } from "../../../workflows/effects";
import type { WorkflowEvent } from "../../../workflows/events";
import type { DueDates } from "../../../workflows/index";
import type { WorkflowInput } from "../../../workflows/shared";
import type { Database, IntegrationCallRow, IntegrationCallStatus } from "../db/schema.server";
import type { FileStore } from "../storage.server";

/**
 * The integration contract: what every port (protocol registry, identity, signature, seal, payment, SSU, PEC,
 * business register) shares with the durable queue of external calls.
 *
 * The life of a call:
 *   1. a step returns `{ type: "external", kind, operation, payload }` (or a service calls `enqueueCall`):
 *      the row is inserted INSIDE the caller's transaction, so it exists if and only if the event committed;
 *   2. the worker claims due rows (FOR UPDATE SKIP LOCKED + a lease), COMMITS, and only then runs
 *      `handler.execute(call, ctx)` through the port: nothing external is ever called inside a transaction;
 *   3. the outcome is recorded in ONE transaction that also runs `handler.onResult(trx, call, outcome, ctx)`,
 *      which may dispatch the result event through `ctx.dispatch` (handlers never import the engine);
 *   4. a failure is retried per the kind's `RetryPolicy`; after the last retry the desk is alerted.
 * A worker that dies after the remote call leaves the lease to expire: the call runs again with the SAME
 * idempotency key, which the peer (and each development double) uses to answer with the first result.
 */

export type { IntegrationKind };

export const INTEGRATION_KINDS = [
  "protocol",
  "identity",
  "signature",
  "seal",
  "payment",
  "ssu",
  "pec",
  "business_register",
  "preservation",
  "document",
] as const satisfies readonly IntegrationKind[];

export type CallStatus = IntegrationCallStatus;

/** One queued call, as stored in `integration_calls` (migration 0007). */
export type IntegrationCall = IntegrationCallRow;

/** What the port answered. */
export type CallOutcome = CallSuccess | CallFailure;

export interface CallSuccess {
  ok: true;
  /** Stored as the call's `result` (jsonb) and handed to `onResult`. */
  result: Record<string, unknown>;
}

export interface CallFailure {
  ok: false;
  /** One sentence, shown to the administrator (Italian preferred). */
  message: string;
  /** HTTP status of the peer's answer, when there was one. */
  httpStatus?: number;
  /** An error code from the answer's body (e.g. the SSU's `ERROR_500_007`). */
  bodyCode?: string;
  /** No answer within the port's time limit (or the connection dropped before an answer). */
  timeout: boolean;
}

/**
 * When to try again. `delaysMs[i]` is the wait after the (i+1)-th failed attempt, so there are
 * `delaysMs.length` retries after the first attempt. A failure that is not `retryable`, or a retryable one
 * after the last delay, ends the call: `afterLast` says what then happens.
 */
export interface RetryPolicy {
  delaysMs: readonly number[];
  retryable(failure: CallFailure): boolean;
  /** "alert_desk": status `alerted`, a mail to the desk and a visible flag; "fail": status `failed` only. */
  afterLast: "alert_desk" | "fail";
}

/** Given to `execute`: everything a port may need, and no transaction. */
export interface ExecuteContext {
  /** To READ what the call needs (e.g. a document's bytes via its storage key). Never write here. */
  db: Kysely<Database>;
  files: FileStore;
  now: () => Date;
  /** Aborted when the worker stops; ports pass it to fetch(). */
  signal?: AbortSignal;
}

/**
 * The result of a call coming back to its pratica. `event` is either a workflow event the machine steps on
 * (e.g. a payment confirmed), or an `IntegrationResultEvent`, which the engine records in the pratica's audit
 * chain without stepping the machine; `effects` (e.g. a notification carrying the protocol number) are run
 * by the engine's executors in the same transaction.
 */
export interface IntegrationResultEvent {
  type: "INTEGRATION_RESULT";
  at: string;
  kind: IntegrationKind;
  operation: string;
  callId: string;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: string;
}

export interface ResultDispatch {
  praticaId: string;
  event: WorkflowEvent | IntegrationResultEvent;
  effects?: Effect[];
  /**
   * Who sends a workflow event that came from another system (default: the system). An SSU peer speaks for
   * the actor the law gives the act to (the front office for the applicant, the agency's system for the
   * agency, the back office for the office): the voucher authenticated the system, the link of the pratica
   * says which one it is (ADR 0025).
   */
  actor?: PeerActor | PecActor;
  /** Only for the first event of a pratica received from a peer: the workflow input. */
  start?: WorkflowInput;
  /**
   * The state the effects describe, when it is not the pratica's current one: the step whose documents were
   * deferred past its COMMIT (ADR 0032) renders them as of that step.
   */
  /** the step's view (the engine's StepView, written out here so this module does not import the engine) */
  view?: { status: string; suspended: boolean; dueDates: DueDates };
}

/** Another system acting on a pratica as one of the law's actors (ADR 0025). */
export interface PeerActor {
  kind: "peer";
  /** the peer's name for the audit (e.g. its PDND client or e-service address) */
  name: string;
  as: "applicant" | "officer" | "agency";
  /** for `agency`: the agency (entity code) the peer speaks for */
  agencyId?: string;
}

/** A business or an agency speaking by PEC (ADR 0028): the certified sender is the identity. */
export interface PecActor {
  kind: "pec";
  as: "agency" | "applicant";
  sender: string;
  agencyCode?: string;
}

export type ResultDispatchFn = (trx: Transaction<Database>, request: ResultDispatch) => Promise<void>;

/** Given to `onResult`, which runs INSIDE the transaction that records the outcome. */
export interface ResultContext {
  now: Date;
  /** The engine's dispatch, injected by the queue (so no handler imports the engine). */
  dispatch: ResultDispatchFn;
  files: FileStore;
  publicUrl: string;
}

/** One per kind, registered in app/server/integrations/registry.server.ts. */
export interface IntegrationHandler {
  kind: IntegrationKind;
  retry: RetryPolicy;
  /** The peer's name as stored in `target` (e.g. "internal", "remote:https://protocollo.comune.it"). */
  target(operation: string, payload: Record<string, unknown>): string;
  /** Runs OUTSIDE any transaction, through the port; must pass `call.idempotency_key` to the peer. */
  execute(call: IntegrationCall, ctx: ExecuteContext): Promise<CallOutcome>;
  /**
   * Runs INSIDE the transaction that records the final outcome (success, or the failure that ended the
   * retries), exactly once per call. Throwing rolls the recording back: the call stays leased and runs again.
   */
  onResult(
    trx: Transaction<Database>,
    call: IntegrationCall,
    outcome: CallOutcome,
    ctx: ResultContext,
  ): Promise<void>;
}

/** What `enqueueCall` inserts. */
export interface CallSpec {
  kind: IntegrationKind;
  operation: string;
  /** Defaults to the registered handler's `target(operation, payload)`. */
  target?: string;
  /** Unique across the queue; enqueueing the same key twice returns the existing row and inserts nothing. */
  idempotencyKey: string;
  praticaId: string | null;
  payload: Record<string, unknown>;
  /** Default: now (due at once). */
  notBefore?: Date;
  /**
   * Calls sharing this key are made one at a time, in the order they were queued (0027): e.g. the Catalogo's
   * messages of one CUI. None: the call runs as soon as it is due, concurrently with the others.
   */
  orderKey?: string;
}

/**
 * Inserts a call inside the caller's transaction (implemented in queue.server.ts). Same key twice: a no-op
 * that returns the existing row, whatever its status.
 */
export type EnqueueCall = (trx: Transaction<Database>, spec: CallSpec) => Promise<IntegrationCall>;

const HOUR = 60 * 60 * 1000;

/**
 * The SSU rule (Allegato tecnico SUAP): retry only on a timeout, a 503, or a 500 whose body code is
 * ERROR_500_007; three retries at +2 h, +4 h, +8 h; then the desk is alerted.
 */
export const ssuRetryPolicy: RetryPolicy = {
  delaysMs: [2 * HOUR, 4 * HOUR, 8 * HOUR],
  retryable: (f) =>
    f.timeout || f.httpStatus === 503 || (f.httpStatus === 500 && f.bodyCode === "ERROR_500_007"),
  afterLast: "alert_desk",
};

/**
 * A general backoff for peers with no rule of their own: network failures, timeouts, 408, 429 and 5xx are
 * retried (1 min, 5 min, 15 min, 1 h, 4 h); any other answer (a 4xx: the request itself is wrong) is final.
 */
export const defaultRetryPolicy: RetryPolicy = {
  delaysMs: [60_000, 5 * 60_000, 15 * 60_000, HOUR, 4 * HOUR],
  retryable: (f) =>
    f.timeout ||
    f.httpStatus === undefined ||
    f.httpStatus === 408 ||
    f.httpStatus === 429 ||
    f.httpStatus >= 500,
  afterLast: "alert_desk",
};
