import type { Kysely } from "kysely";

// Frozen once shipped. The seal and its timestamp as a queued external effect (ADR 0016): a document issued
// while its seal (remote service) or its RFC 3161 timestamp (TSA_URL) is still to come is `pending`; the
// worker applies it after COMMIT and records `applied` (or `failed` once the retries are over). The
// fingerprint the document had when issued stays in `issued_sha256` when the completed file replaces it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("documents")
    .addColumn("seal_status", "text")
    .addColumn("seal_completed_at", "timestamptz")
    .addColumn("issued_sha256", "text")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("documents")
    .dropColumn("issued_sha256")
    .dropColumn("seal_completed_at")
    .dropColumn("seal_status")
    .execute();
}
