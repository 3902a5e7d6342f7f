import type { Transaction } from "kysely";
import type { Database } from "../db/schema.server";

/**
 * The next number of a yearly counter (protocol registry, CUI progressive). The upsert takes the counter
 * row's lock until the caller's transaction ends: concurrent callers queue, a rolled-back transaction gives
 * its number back, so numbers are never shared and never skipped.
 */
export async function nextNumber(
  trx: Transaction<Database>,
  entityId: number,
  counter: "protocol" | "cui",
  year: number,
): Promise<number> {
  const row = await trx
    .insertInto("protocol_counters")
    .values({ entity_id: entityId, counter, year, last_number: 1 })
    .onConflict((oc) =>
      oc.columns(["entity_id", "counter", "year"]).doUpdateSet((eb) => ({
        last_number: eb("protocol_counters.last_number", "+", 1),
      })),
    )
    .returning("last_number")
    .executeTakeFirstOrThrow();
  return row.last_number;
}

export function protocolLabel(entityCode: string, year: number, n: number) {
  return `${entityCode}/${year}/${String(n).padStart(7, "0")}`;
}

/** Registers an incoming or outgoing document in the desk's registry and returns its number and label. */
export async function registerProtocol(
  trx: Transaction<Database>,
  input: {
    entityId: number;
    entityCode: string;
    direction: "in" | "out";
    subject: string;
    praticaId: string | null;
    at: Date;
  },
) {
  const year = input.at.getUTCFullYear();
  const number = await nextNumber(trx, input.entityId, "protocol", year);
  const label = protocolLabel(input.entityCode, year, number);
  const entry = await trx
    .insertInto("protocol_entries")
    .values({
      entity_id: input.entityId,
      year,
      number,
      label,
      direction: input.direction,
      subject: input.subject,
      pratica_id: input.praticaId,
      registered_at: input.at,
    })
    .returning(["id", "label", "number", "registered_at"])
    .executeTakeFirstOrThrow();
  return entry;
}
