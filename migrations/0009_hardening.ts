import type { Kysely } from "kysely";

// Frozen once shipped. Idempotency keys from the forms, so a retry after a lost response returns what the
// first request created: the draft a "Start" created (per filer), the attachment an upload stored (per pratica).
// The outbox keeps one Message-ID per message across attempts, and remembers when the desk was alerted.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("pratiche").addColumn("creation_key", "text").execute();
  await db.schema
    .createIndex("pratiche_creation_key")
    .on("pratiche")
    .columns(["filer_user_id", "creation_key"])
    .unique()
    .execute();
  await db.schema.alterTable("attachments").addColumn("upload_key", "text").execute();
  await db.schema
    .createIndex("attachments_upload_key")
    .on("attachments")
    .columns(["pratica_id", "upload_key"])
    .unique()
    .execute();
  await db.schema.alterTable("outbox").addColumn("message_id", "text").execute();
  await db.schema.alterTable("outbox").addColumn("alerted_at", "timestamptz").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("outbox").dropColumn("alerted_at").execute();
  await db.schema.alterTable("outbox").dropColumn("message_id").execute();
  await db.schema.dropIndex("attachments_upload_key").execute();
  await db.schema.alterTable("attachments").dropColumn("upload_key").execute();
  await db.schema.dropIndex("pratiche_creation_key").execute();
  await db.schema.alterTable("pratiche").dropColumn("creation_key").execute();
}
