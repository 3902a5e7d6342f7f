import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import type { Database } from "../db/schema";
import type { CallSpec, IntegrationCall } from "./types.server";

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
