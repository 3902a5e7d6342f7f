import type { Kysely } from "kysely";
import type { Database } from "../db/schema.server";

/** A protocol registration as the pratica pages show it (serialisable). */
export interface ProtocolEntryView {
  id: number;
  label: string;
  direction: "in" | "out";
  subject: string;
  registeredAt: string;
  sha256: string | null;
  annulled: null | {
    at: string;
    by: string | null;
    reason: string;
    authorisation: string | null;
    /** remote register: "pending" | "confirmed" | "failed"; null for the internal one */
    remote: string | null;
  };
}

/**
 * The registrations of a pratica, in order, with their annulment. The caller has already checked that the
 * viewer may see the pratica (the same visibility as its documents).
 */
export async function protocolEntriesOf(
  db: Kysely<Database>,
  praticaId: string,
): Promise<ProtocolEntryView[]> {
  const rows = await db
    .selectFrom("protocol_entries as p")
    .leftJoin("users as u", "u.id", "p.annulled_by")
    .select([
      "p.id",
      "p.label",
      "p.direction",
      "p.subject",
      "p.registered_at",
      "p.document_sha256",
      "p.annulled_at",
      "p.annulment_reason",
      "p.annulment_authorisation",
      "p.annulment_remote_status",
      "u.full_name as annulled_by",
    ])
    .where("p.pratica_id", "=", praticaId)
    .orderBy("p.registered_at")
    .orderBy("p.id")
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    label: r.label,
    direction: r.direction,
    subject: r.subject,
    registeredAt: new Date(r.registered_at).toISOString(),
    sha256: r.document_sha256,
    annulled: r.annulled_at
      ? {
          at: new Date(r.annulled_at).toISOString(),
          by: r.annulled_by,
          reason: r.annulment_reason ?? "",
          authorisation: r.annulment_authorisation,
          remote: r.annulment_remote_status,
        }
      : null,
  }));
}

/** One registration with its desk and pratica, for the annulment page. */
export async function protocolEntry(db: Kysely<Database>, entryId: number) {
  if (!Number.isSafeInteger(entryId) || entryId <= 0) return undefined;
  return db
    .selectFrom("protocol_entries")
    .select([
      "id",
      "label",
      "entity_id",
      "pratica_id",
      "direction",
      "subject",
      "registered_at",
      "document_sha256",
      "registry",
      "annulled_at",
    ])
    .where("id", "=", entryId)
    .executeTakeFirst();
}
