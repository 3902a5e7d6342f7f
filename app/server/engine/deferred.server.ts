import type { Kysely } from "kysely";
import type { Database } from "../db/schema.server";
import { renderRequest } from "../integrations/document/handler.server";
import { callsQueued } from "../jobs/kick.server";
import { dispatchResult } from "./engine.server";
import type { EngineServices } from "./types.server";

/**
 * ADR 0032: the request that submitted a pratica renders its receipt right after COMMIT. The queued
 * "document/render" call is taken with FOR UPDATE SKIP LOCKED while still `queued` and marked done, and its
 * effects run through the engine (dispatchResult: an INTEGRATION_RESULT in the chain, the receipt, its
 * protocol registration, the mail), in ONE transaction: the row lock is the lease. A worker that claimed it
 * first (status `running`) does it instead; a process killed here rolls back and leaves the call queued for the
 * worker. So the receipt exists once whatever happens between the COMMIT and the rendering.
 * Returns how many calls this request completed.
 */
export async function completeDeferredDocuments(
  db: Kysely<Database>,
  services: EngineServices,
  praticaId: string,
): Promise<number> {
  const now = services.now?.() ?? new Date();
  try {
    const done = await db.transaction().execute(async (trx) => {
      // Claimed and marked done in one statement; a failure below rolls the mark back with the rest.
      const calls = await trx
        .updateTable("integration_calls")
        .set((eb) => ({
          status: "done",
          attempts: eb("attempts", "+", 1),
          result: JSON.stringify({}),
          updated_at: now,
          completed_at: now,
        }))
        .where("id", "in", (eb) =>
          eb
            .selectFrom("integration_calls")
            .select("id")
            .where("pratica_id", "=", praticaId)
            .where("kind", "=", "document")
            .where("status", "=", "queued")
            .forUpdate()
            .skipLocked(),
        )
        .returningAll()
        .execute();
      for (const call of calls) {
        await dispatchResult(
          trx,
          { ...services, deferDocuments: false, now: () => now },
          renderRequest(call, now),
        );
      }
      return calls.length;
    });
    // A deferred seal (TSA, remote seal) was queued with the receipt: wake the worker, after COMMIT.
    if (done && services.sealer?.deferred) callsQueued();
    return done;
  } catch (error) {
    // The submission is committed; the worker renders the receipt (its schedule picks the queued call up).
    console.error(`receipt of pratica ${praticaId} left to the worker:`, error);
    callsQueued();
    return 0;
  }
}
