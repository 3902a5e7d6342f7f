import { type Kysely, sql } from "kysely";

// Frozen once shipped. The national SSU exchange (issue 16, ADR 0019):
// - ssu_seen_tokens: the `jti` of every PDND voucher and Agid-JWT-Signature token accepted, until it expires,
//   so a replayed request (or response) is refused (ERROR_401_004);
// - ssu_messages: every SSU message received or sent (the e-service, the operation, the CUI, the body as it
//   was validated), the inbox the peers' requests land in and the trace of what this portal answered.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("ssu_seen_tokens")
    .addColumn("jti", "text", (c) => c.primaryKey())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("seen_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("ssu_seen_tokens_expiry").on("ssu_seen_tokens").column("expires_at").execute();
  await db.schema
    .createTable("ssu_messages")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("direction", "text", (c) => c.notNull().check(sql`direction in ('in', 'out')`))
    .addColumn("service", "text", (c) => c.notNull())
    .addColumn("operation", "text", (c) => c.notNull())
    .addColumn("cui_uuid", "text")
    .addColumn("pratica_id", "uuid", (c) => c.references("pratiche.id").onDelete("set null"))
    // The peer: the PDND client of an inbound request, the e-service address of an outbound one.
    .addColumn("peer", "text", (c) => c.notNull())
    .addColumn("body", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("http_status", "integer")
    // The integrity token's jti (inbound) or the queue's idempotency key (outbound).
    .addColumn("message_key", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("ssu_messages_cui")
    .on("ssu_messages")
    .columns(["cui_uuid", "created_at"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("ssu_messages").execute();
  await db.schema.dropTable("ssu_seen_tokens").execute();
}
