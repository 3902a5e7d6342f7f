import type { Effect } from "../../../../workflows/effects";
import { enqueueCall } from "../../integrations/queue.server";
import type { EffectContext } from "../types.server";

/**
 * External calls: one queued row each, in this transaction; the worker makes the call after COMMIT. The
 * idempotency key is the pratica's id with the effect's `key`, or with this event's number and the effect's
 * position, so the same step never queues the same call twice.
 */
export async function executeExternal(ctx: EffectContext, effects: Effect[]) {
  let index = 0;
  for (const effect of effects) {
    if (effect.type !== "external") continue;
    index += 1;
    await enqueueCall(ctx.trx, {
      kind: effect.kind,
      operation: effect.operation,
      target: effect.kind,
      idempotencyKey: `${effect.kind}:${ctx.pratica.id}:${effect.key ?? `${ctx.seq}:${index}`}`,
      praticaId: ctx.pratica.id,
      payload: effect.payload,
      notBefore: ctx.now,
    });
    ctx.queuedCalls += 1;
  }
}
