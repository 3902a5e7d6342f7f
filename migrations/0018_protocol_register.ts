import { type Kysely, sql } from "kysely";

// Frozen once shipped. The protocol register (issue 17, DPR 445/2000 artt. 53-54 and the AgID guidelines on
// documents): the annulment of a registration (who, when, why, under which authorisation; the number is never
// reused), and the daily register (registro giornaliero di protocollo) per desk and day, sealed, stored by
// SHA-256 and deposited with the preservation service (its outcome: the rapporto di versamento).
export async function up(db: Kysely<any>): Promise<void> {
  // A new kind of external call: the deposit with the preservation service.
  await sql`alter table integration_calls drop constraint if exists integration_calls_kind_check`.execute(db);
  await sql`alter table integration_calls add constraint integration_calls_kind_check check (kind in ('protocol', 'identity', 'signature', 'seal', 'payment', 'ssu', 'pec', 'business_register', 'preservation'))`.execute(
    db,
  );
  await db.schema.alterTable("protocol_entries").addColumn("annulled_at", "timestamptz").execute();
  await db.schema
    .alterTable("protocol_entries")
    .addColumn("annulled_by", "uuid", (c) => c.references("users.id"))
    .execute();
  await db.schema.alterTable("protocol_entries").addColumn("annulment_reason", "text").execute();
  await db.schema.alterTable("protocol_entries").addColumn("annulment_authorisation", "text").execute();
  // remote register only: "pending" until the Comune's service confirms, then "confirmed" (or "failed")
  await db.schema.alterTable("protocol_entries").addColumn("annulment_remote_status", "text").execute();
  await db.schema
    .createIndex("protocol_entries_day")
    .on("protocol_entries")
    .columns(["entity_id", "registered_at"])
    .execute();
  await db.schema
    .createIndex("protocol_entries_annulled")
    .on("protocol_entries")
    .columns(["entity_id", "annulled_at"])
    .execute();

  await db.schema
    .createTable("protocol_daily_registers")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("entity_id", "integer", (c) => c.notNull().references("entities.id"))
    .addColumn("day", "date", (c) => c.notNull())
    .addColumn("entries", "integer", (c) => c.notNull())
    .addColumn("annulments", "integer", (c) => c.notNull())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("seal", "jsonb")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    // "queued" until the preservation service answers; "deposited" with its rapporto; "failed" when it refused
    .addColumn("deposit_status", "text", (c) =>
      c.notNull().defaultTo("queued").check(sql`deposit_status in ('queued', 'deposited', 'failed')`),
    )
    .addColumn("deposit_id", "text")
    .addColumn("deposit_report", "text")
    .addColumn("deposit_error", "text")
    .addColumn("deposited_at", "timestamptz")
    .addUniqueConstraint("protocol_daily_registers_day", ["entity_id", "day"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from integration_calls where kind = 'preservation'`.execute(db);
  await sql`alter table integration_calls drop constraint if exists integration_calls_kind_check`.execute(db);
  await sql`alter table integration_calls add constraint integration_calls_kind_check check (kind in ('protocol', 'identity', 'signature', 'seal', 'payment', 'ssu', 'pec', 'business_register'))`.execute(
    db,
  );
  await db.schema.dropTable("protocol_daily_registers").ifExists().execute();
  await db.schema.dropIndex("protocol_entries_annulled").ifExists().execute();
  await db.schema.dropIndex("protocol_entries_day").ifExists().execute();
  for (const c of [
    "annulment_remote_status",
    "annulment_authorisation",
    "annulment_reason",
    "annulled_by",
    "annulled_at",
  ]) {
    await db.schema.alterTable("protocol_entries").dropColumn(c).execute();
  }
}
