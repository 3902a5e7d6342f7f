import type { Effect } from "../../../../workflows/effects";
import type { StepView } from "../../engine/types.server";
import type { IntegrationCall, IntegrationHandler, ResultDispatch, RetryPolicy } from "../types.server";

/**
 * The documents of a step rendered after its COMMIT (ADR 0032): the submission's receipt. The submission's
 * transaction takes the CUI and the protocol number and queues one "document/render" call with the step's
 * document and mail effects; the request completes it right after COMMIT (engine/deferred.server.ts) and,
 * when that process died first, the worker does. Either way the effects run through the engine as an
 * INTEGRATION_RESULT of the pratica's chain, in the transaction that records the call: the receipt exists
 * once, registered under the pratica's protocol entry, mailed with the applicant's message.
 */

/** What the submission queues: the deferred effects and the state they describe. */
export interface RenderPayload {
  effects: Effect[];
  view: StepView;
  /** the audit sequence number of the step that emitted them */
  seq: number;
}

/** The engine request that renders a queued call's documents (the worker's and the request's path alike). */
export function renderRequest(call: IntegrationCall, at: Date): ResultDispatch {
  const p = call.payload as unknown as RenderPayload;
  return {
    praticaId: call.pratica_id!,
    event: {
      type: "INTEGRATION_RESULT",
      at: at.toISOString(),
      kind: "document",
      operation: call.operation,
      callId: call.id,
      ok: true,
      result: { step: p.seq },
    },
    effects: p.effects,
    view: p.view,
  };
}

/** Rendering is local work: a failure (a bug, a full disk) is retried on the default steps, then alerted. */
const renderRetryPolicy: RetryPolicy = {
  delaysMs: [5_000, 60_000, 5 * 60_000, 30 * 60_000],
  retryable: () => true,
  afterLast: "alert_desk",
};

export function documentHandler(): IntegrationHandler {
  return {
    kind: "document",
    retry: renderRetryPolicy,
    target: () => "in-process",
    // Nothing outside: the rendering is the engine's, in the recording transaction (onResult).
    execute: async () => ({ ok: true, result: {} }),
    async onResult(trx, call, outcome, ctx) {
      if (!outcome.ok || !call.pratica_id) return;
      await ctx.dispatch(trx, renderRequest(call, ctx.now));
    },
  };
}
