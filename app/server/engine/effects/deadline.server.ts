import type { Transaction } from "kysely";
import type { Effect } from "../../../../workflows/effects";
import type { Database } from "../../db/schema";
import type { EffectContext } from "../types.server";

/** Deadlines: the table is the truth the sweep and the worklists read. */
export async function executeDeadlines(ctx: EffectContext, effects: Effect[], final: boolean) {
  await applyDeadlineEffects(ctx.trx, ctx.pratica.id, effects, ctx.now);
  if (final) {
    await ctx.trx
      .updateTable("deadlines")
      .set({ status: "done", updated_at: ctx.now })
      .where("pratica_id", "=", ctx.pratica.id)
      .where("status", "in", ["active", "suspended"])
      .execute();
  }
}

export async function applyDeadlineEffects(
  trx: Transaction<Database>,
  praticaId: string,
  effects: Effect[],
  now: Date,
) {
  for (const effect of effects) {
    switch (effect.type) {
      case "deadline.set": {
        // A new deadline with the same name replaces the live one (e.g. after a reset).
        await trx
          .updateTable("deadlines")
          .set({ status: "cancelled", updated_at: now })
          .where("pratica_id", "=", praticaId)
          .where("name", "=", effect.name)
          .where("status", "in", ["active", "suspended"])
          .execute();
        await trx
          .insertInto("deadlines")
          .values({
            pratica_id: praticaId,
            name: effect.name,
            due: effect.due,
            event: effect.event,
            payload: JSON.stringify(effect.payload ?? {}),
          })
          .execute();
        break;
      }
      case "deadline.suspend":
        await trx
          .updateTable("deadlines")
          .set({ status: "suspended", updated_at: now })
          .where("pratica_id", "=", praticaId)
          .where("name", "=", effect.name)
          .where("status", "=", "active")
          .execute();
        break;
      case "deadline.resume":
        await trx
          .updateTable("deadlines")
          .set({ status: "active", due: effect.due, updated_at: now })
          .where("pratica_id", "=", praticaId)
          .where("name", "=", effect.name)
          .where("status", "in", ["active", "suspended"])
          .execute();
        break;
      case "deadline.cancel":
        await trx
          .updateTable("deadlines")
          .set({ status: "cancelled", updated_at: now })
          .where("pratica_id", "=", praticaId)
          .where("name", "=", effect.name)
          .where("status", "in", ["active", "suspended"])
          .execute();
        break;
      default:
        break;
    }
  }
}
