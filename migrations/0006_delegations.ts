import { type Kysely, sql } from "kysely";

// Frozen once shipped. Organisations (associations, professional studios) act for businesses under a
// delegation (procura speciale) with a scope and validity dates; every grant, use and revocation is a link of a
// hash chain per delegation.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("delegations")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("business_id", "uuid", (c) => c.notNull().references("businesses.id"))
    .addColumn("organisation_id", "integer", (c) => c.notNull().references("entities.id"))
    // null = every procedure; otherwise the proceeding codes it covers.
    .addColumn("scope", "jsonb")
    .addColumn("valid_from", "date", (c) => c.notNull())
    .addColumn("valid_to", "date", (c) => c.notNull())
    .addColumn("procura_filename", "text", (c) => c.notNull())
    .addColumn("procura_sha256", "text", (c) => c.notNull())
    .addColumn("procura_storage_key", "text", (c) => c.notNull())
    .addColumn("procura_size", "integer", (c) => c.notNull())
    .addColumn("procura_content_type", "text", (c) => c.notNull())
    .addColumn("granted_by", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("granted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("revoked_at", "timestamptz")
    .addColumn("revoked_by", "uuid", (c) => c.references("users.id"))
    .addCheckConstraint("delegations_dates", sql`valid_from <= valid_to`)
    .execute();
  await db.schema
    .createIndex("delegations_business")
    .on("delegations")
    .columns(["business_id", "organisation_id"])
    .execute();
  await db.schema
    .createIndex("delegations_organisation")
    .on("delegations")
    .columns(["organisation_id", "valid_to"])
    .execute();

  await db.schema
    .createTable("delegation_events")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("delegation_id", "uuid", (c) => c.notNull().references("delegations.id"))
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull().check(sql`type in ('grant', 'use', 'revoke')`))
    .addColumn("actor_user_id", "uuid", (c) => c.references("users.id"))
    .addColumn("details", "jsonb", (c) => c.notNull())
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addUniqueConstraint("delegation_events_seq", ["delegation_id", "seq"])
    .execute();

  // The organisation's operator in charge of a pratica it filed (hand-over moves it to a colleague).
  await db.schema
    .alterTable("pratiche")
    .addColumn("organisation_operator_id", "uuid", (c) => c.references("users.id"))
    .execute();
  await sql`create index pratiche_organisation on pratiche (filer_organisation_id, updated_at) where filer_organisation_id is not null`.execute(
    db,
  );

  // When each organisation's daily digest last went out (the digest covers the changes since then).
  await db.schema
    .createTable("organisation_digests")
    .addColumn("organisation_id", "integer", (c) => c.primaryKey().references("entities.id"))
    .addColumn("last_sent_at", "timestamptz", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("organisation_digests").ifExists().execute();
  await sql`drop index if exists pratiche_organisation`.execute(db);
  await db.schema.alterTable("pratiche").dropColumn("organisation_operator_id").execute();
  await db.schema.dropTable("delegation_events").ifExists().execute();
  await db.schema.dropTable("delegations").ifExists().execute();
}
