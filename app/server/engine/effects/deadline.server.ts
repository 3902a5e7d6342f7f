import type { Transaction } from "kysely";
import type { Effect } from "../../../../workflows/effects";
import type { PersistedWorkflow } from "../../../../workflows/index";
import type { Database } from "../../db/schema.server";
import type { EffectContext } from "../types.server";

/** Deadlines: the table is the truth the sweep and the worklists read. */
export async function executeDeadlines(ctx: EffectContext, effects: Effect[], final: boolean) {
  await applyDeadlineEffects(ctx.trx, ctx.pratica.id, effects, ctx.now);
  if (!final) await alignSuspendedDeadlines(ctx.trx, ctx.pratica.id, ctx.pratica.snapshot, ctx.now);
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

/**
 * A suspended term's row carries the date the clock shows for it ("al più tardi": the latest it can become if
 * the suspension lasts as long as the law allows), not the date it had when the clock stopped. The machine
 * keeps that date in its context (`syncDeadlines` in workflows/shared.ts) without emitting an effect, so the
 * engine copies it here after every step: the worklist, the pages and the sweep then read one date. The row
 * stays `suspended`, so the sweep (which claims only `active` rows) never fires it; `deadline.resume` gives it
 * the exact date when the clock restarts. Done here rather than as a new effect so that every machine version,
 * and every snapshot already suspended, is covered without new versions of the regimes.
 */
export async function alignSuspendedDeadlines(
  trx: Transaction<Database>,
  praticaId: string,
  snapshot: PersistedWorkflow | null,
  now: Date,
) {
  const deadlines = snapshot?.context?.deadlines ?? {};
  for (const [name, d] of Object.entries(deadlines)) {
    if (!d.suspended || !/^\d{4}-\d{2}-\d{2}$/.test(d.due)) continue;
    await trx
      .updateTable("deadlines")
      .set({ due: d.due, updated_at: now })
      .where("pratica_id", "=", praticaId)
      .where("name", "=", name)
      .where("status", "=", "suspended")
      .where("due", "<>", d.due)
      .execute();
  }
}
