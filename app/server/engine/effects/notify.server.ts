import type { Effect } from "../../../../workflows/effects";
import { notify } from "../notify.server";
import type { EffectContext } from "../types.server";

/** Mail through the outbox, with this step's documents attached. */
export async function executeNotify(ctx: EffectContext, effects: Effect[]) {
  for (const effect of effects) {
    if (effect.type !== "notify") continue;
    await notify(ctx.trx, ctx.services, {
      pratica: ctx.pratica,
      template: effect.template,
      to: effect.to,
      documents: ctx.documents,
      result: ctx.view,
      event: ctx.event,
      seq: ctx.seq,
    });
  }
}
