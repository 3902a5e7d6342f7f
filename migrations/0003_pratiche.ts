import { type Kysely, sql } from "kysely";

// Frozen. Pratiche and everything the workflow engine writes in the same transaction as a transition:
// audit events (hash chain), deadlines, protocol registry, documents, attachments, agency opinions.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("pratiche")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("cui", "text", (c) => c.unique())
    .addColumn("submission_key", "text", (c) => c.unique())
    .addColumn("catalogue_version_id", "integer", (c) => c.notNull().references("catalogue_versions.id"))
    .addColumn("usecases", "jsonb", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("regime", "text", (c) => c.notNull())
    .addColumn("municipality_id", "integer", (c) => c.notNull().references("entities.id"))
    .addColumn("desk_id", "integer", (c) => c.notNull().references("entities.id"))
    .addColumn("business_id", "uuid", (c) => c.notNull().references("businesses.id"))
    .addColumn("filer_user_id", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("filer_organisation_id", "integer", (c) => c.references("entities.id"))
    .addColumn("delegation_id", "uuid")
    .addColumn("form_data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("workflow", "text")
    .addColumn("snapshot", "jsonb")
    .addColumn("status", "text", (c) => c.notNull().defaultTo("draft"))
    .addColumn("ssu_status", "text")
    .addColumn("ended", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("suspended", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("due_date", "date")
    .addColumn("assignee_user_id", "uuid", (c) => c.references("users.id"))
    .addColumn("protocol_number", "text")
    .addColumn("submitted_at", "timestamptz")
    .addColumn("event_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The worklist: a desk's open pratiche by legal due date (keyset on due_date, id).
  await sql`create index pratiche_worklist on pratiche (desk_id, due_date, id) where status <> 'draft'`.execute(
    db,
  );
  await db.schema
    .createIndex("pratiche_business")
    .on("pratiche")
    .columns(["business_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("pratiche_filer")
    .on("pratiche")
    .columns(["filer_user_id", "created_at"])
    .execute();

  // Audit log: one chain per pratica; each hash covers the previous hash and the canonical event.
  await db.schema
    .createTable("events")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("pratica_id", "uuid", (c) => c.notNull().references("pratiche.id"))
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("actor_user_id", "uuid")
    .addColumn("actor_kind", "text", (c) => c.notNull())
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("state_before", "text")
    .addColumn("state_after", "text", (c) => c.notNull())
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .addUniqueConstraint("events_seq", ["pratica_id", "seq"])
    .execute();

  await db.schema
    .createTable("deadlines")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("pratica_id", "uuid", (c) => c.notNull().references("pratiche.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("due", "date", (c) => c.notNull())
    .addColumn("event", "text")
    .addColumn("payload", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("active")
        .check(sql`status in ('active', 'suspended', 'fired', 'cancelled', 'done')`),
    )
    .addColumn("fired_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One live deadline per name and pratica; the sweep reads active ones by due date.
  await sql`create unique index deadlines_live on deadlines (pratica_id, name) where status in ('active', 'suspended')`.execute(
    db,
  );
  await sql`create index deadlines_due on deadlines (due, id) where status = 'active' and event is not null`.execute(
    db,
  );

  await db.schema
    .createTable("protocol_counters")
    .addColumn("entity_id", "integer", (c) => c.notNull().references("entities.id"))
    // "protocol" (the registry) or "cui" (the SSU instance progressive): both gapless, yearly.
    .addColumn("counter", "text", (c) => c.notNull())
    .addColumn("year", "integer", (c) => c.notNull())
    .addColumn("last_number", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("protocol_counters_pk", ["entity_id", "counter", "year"])
    .execute();

  await db.schema
    .createTable("documents")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("pratica_id", "uuid", (c) => c.notNull().references("pratiche.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("verification_code", "text", (c) => c.notNull().unique())
    .addColumn("issuer_entity_id", "integer", (c) => c.notNull().references("entities.id"))
    .addColumn("event_seq", "integer")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("documents_pratica").on("documents").column("pratica_id").execute();

  await db.schema
    .createTable("protocol_entries")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("entity_id", "integer", (c) => c.notNull().references("entities.id"))
    .addColumn("year", "integer", (c) => c.notNull())
    .addColumn("number", "integer", (c) => c.notNull())
    .addColumn("label", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull().check(sql`direction in ('in', 'out')`))
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("pratica_id", "uuid", (c) => c.references("pratiche.id"))
    .addColumn("document_id", "uuid", (c) => c.references("documents.id"))
    .addColumn("registered_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("protocol_entries_number", ["entity_id", "year", "number"])
    .execute();

  await db.schema
    .createTable("attachments")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("pratica_id", "uuid", (c) => c.notNull().references("pratiche.id").onDelete("cascade"))
    .addColumn("code", "text", (c) => c.notNull())
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("storage_key", "text", (c) => c.notNull())
    .addColumn("uploaded_by", "uuid", (c) => c.notNull().references("users.id"))
    .addColumn("purpose", "text", (c) => c.notNull().defaultTo("filing"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("attachments_pratica").on("attachments").column("pratica_id").execute();

  // Agencies a pratica was forwarded to, mirrored from the workflow for the agency inbox and the policy.
  await db.schema
    .createTable("pratica_agencies")
    .addColumn("pratica_id", "uuid", (c) => c.notNull().references("pratiche.id"))
    .addColumn("agency_id", "integer", (c) => c.notNull().references("entities.id"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("pending"))
    .addColumn("due_date", "date")
    .addColumn("outcome", "text")
    .addColumn("forwarded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("pratica_agencies_pk", ["pratica_id", "agency_id"])
    .execute();
  await db.schema
    .createIndex("pratica_agencies_inbox")
    .on("pratica_agencies")
    .columns(["agency_id", "due_date"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    "pratica_agencies",
    "attachments",
    "protocol_entries",
    "documents",
    "protocol_counters",
    "deadlines",
    "events",
    "pratiche",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
