import type { Transaction } from "kysely";
import { romeDate } from "~/domain/dates";
import type { Database } from "../../db/schema";
import type { InternalProtocolRegistry, RegistrationInput } from "./port.server";

/**
 * The internal register: the desk numbers its own protocol. The number comes from a counter row per desk and
 * year taken with an upsert, which holds the row's lock until the caller's transaction ends: concurrent
 * registrations queue, a rolled-back one gives its number back, so numbers are never shared nor skipped.
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

/** The protocol year is Rome's: a pratica filed at 00:30 on 1 January in Rome (23:30 UTC) takes the new year. */
export function protocolYear(at: Date): number {
  return Number(romeDate(at).slice(0, 4));
}

export async function registerInternal(trx: Transaction<Database>, input: RegistrationInput) {
  const year = protocolYear(input.at);
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
      registry: "internal",
      document_sha256: input.documentSha256 ?? null,
    })
    .returning(["id", "label", "number", "year", "registered_at"])
    .executeTakeFirstOrThrow();
  return entry;
}

export const internalProtocolRegistry: InternalProtocolRegistry = {
  name: "internal",
  register: registerInternal,
};
