import type { Effect } from "../../../../workflows/effects";
import type { RenderPayload } from "../../integrations/document/handler.server";
import { enqueueCall } from "../../integrations/queue.server";
import type { EffectContext } from "../types.server";

/**
 * ADR 0032. Which of a step's effects wait for its COMMIT: with `services.deferDocuments` (the submission)
 * and the internal register, the step's documents and its mail (which attaches them). Nothing with a remote
 * register, whose queued registration must carry the receipt it registers.
 */
export function deferred(ctx: EffectContext, effects: Effect[]): Effect[] {
  if (!ctx.services.deferDocuments || ctx.services.protocolRegistry === "remote") return [];
  if (!effects.some((e) => e.type === "document")) return [];
  return effects.filter((e) => e.type === "document" || e.type === "notify");
}

/** Queues them as one "document/render" call of the pratica (once per step: the key is the step's seq). */
export async function deferDocuments(ctx: EffectContext, effects: Effect[]) {
  const payload: RenderPayload = { effects, view: ctx.view, seq: ctx.seq };
  await enqueueCall(ctx.trx, {
    kind: "document",
    operation: "render",
    target: "in-process",
    idempotencyKey: `document:${ctx.pratica.id}:${ctx.seq}`,
    praticaId: ctx.pratica.id,
    payload: JSON.parse(JSON.stringify(payload)),
    notBefore: ctx.now,
  });
  // Not counted in queuedCalls: the submitting request completes it right after COMMIT (deferred.server.ts),
  // and wakes the worker only if that fails; a process that died first leaves it to the worker's schedule.
}
