import { type Kysely, sql } from "kysely";

// Frozen once shipped. PEC (issue 17): the provider's receipts tied to the outbox message they name
// (accepted = "sent", delivered, not delivered), and every message read from the SUAP's PEC mailbox: an
// incoming certified message (protocolled on its pratica, or waiting in the desk's inbox) or a refusal (not a
// PEC envelope, a forged segnatura, a receipt for an unknown message). Unique Message-IDs make a second fetch
// of the same message a no-op.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("outbox")
    .addColumn("pec_status", "text")
    .addColumn("pec_accepted_at", "timestamptz")
    .addColumn("pec_delivered_at", "timestamptz")
    .addColumn("pec_error", "text")
    .addColumn("segnatura_key", "text")
    .execute();
  await db.schema.createIndex("outbox_message_id").on("outbox").column("message_id").execute();
  await db.schema
    .createTable("pec_receipts")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("message_id", "text", (c) => c.notNull().unique())
    .addColumn("outbox_id", "bigint", (c) => c.references("outbox.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("riferimento", "text", (c) => c.notNull())
    .addColumn("recipient", "text")
    .addColumn("error", "text")
    .addColumn("daticert", "text", (c) => c.notNull())
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("pec_receipts_outbox").on("pec_receipts").column("outbox_id").execute();
  await db.schema
    .createTable("pec_messages")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("message_id", "text", (c) => c.notNull().unique())
    .addColumn("original_message_id", "text")
    .addColumn("sender", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("body_text", "text")
    .addColumn("storage_key", "text")
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('protocolled', 'inbox', 'registered', 'refused')`),
    )
    .addColumn("reason", "text")
    .addColumn("segnatura", "jsonb")
    .addColumn("pratica_id", "uuid", (c) => c.references("pratiche.id"))
    .addColumn("protocol_label", "text")
    .addColumn("handled_by", "uuid", (c) => c.references("users.id"))
    .addColumn("received_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("handled_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("pec_messages_status")
    .on("pec_messages")
    .columns(["status", "received_at"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("pec_messages").execute();
  await db.schema.dropTable("pec_receipts").execute();
  await db.schema.dropIndex("outbox_message_id").execute();
  await db.schema
    .alterTable("outbox")
    .dropColumn("segnatura_key")
    .dropColumn("pec_error")
    .dropColumn("pec_delivered_at")
    .dropColumn("pec_accepted_at")
    .dropColumn("pec_status")
    .execute();
}
