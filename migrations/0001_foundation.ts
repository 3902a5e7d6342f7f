import { type Kysely, sql } from "kysely";

// Frozen: never edit a migration that has shipped; add a new one.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("entities")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("code", "text", (c) => c.notNull().unique())
    .addColumn("kind", "text", (c) =>
      c.notNull().check(sql`kind in ('comune', 'suap', 'ente_terzo', 'organisation')`),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("istat_code", "text", (c) => c.unique())
    .addColumn("ipa_code", "text")
    .addColumn("agency_class", "text")
    .addColumn("pec", "text")
    .addColumn("email", "text")
    .addColumn("data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Which Comuni a single desk (SUAP) serves.
  await db.schema
    .createTable("desk_comuni")
    .addColumn("desk_id", "integer", (c) => c.notNull().references("entities.id"))
    .addColumn("comune_id", "integer", (c) => c.notNull().references("entities.id").unique())
    .addPrimaryKeyConstraint("desk_comuni_pk", ["desk_id", "comune_id"])
    .execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("full_name", "text", (c) => c.notNull())
    .addColumn("fiscal_code", "text")
    .addColumn("locale", "text", (c) => c.notNull().defaultTo("it"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("memberships")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (c) =>
      c
        .notNull()
        .check(
          sql`role in ('business', 'association_operator', 'officer', 'manager', 'agency_reviewer', 'admin')`,
        ),
    )
    .addColumn("entity_id", "integer", (c) => c.references("entities.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index memberships_unique on memberships (user_id, role, coalesce(entity_id, 0))`.execute(
    db,
  );

  await db.schema
    .createTable("businesses")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("legal_form", "text", (c) => c.notNull())
    .addColumn("fiscal_code", "text", (c) => c.notNull().unique())
    .addColumn("vat_number", "text")
    .addColumn("rea", "text")
    .addColumn("pec", "text")
    .addColumn("registered_office", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("legal_representative", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("business_members")
    .addColumn("business_id", "uuid", (c) => c.notNull().references("businesses.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("role", "text", (c) => c.notNull().defaultTo("owner"))
    .addPrimaryKeyConstraint("business_members_pk", ["business_id", "user_id"])
    .execute();

  // Failed and successful logins, for throttling across processes.
  await db.schema
    .createTable("login_attempts")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("success", "boolean", (c) => c.notNull())
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("login_attempts_key_at").on("login_attempts").columns(["key", "at"]).execute();

  // Transactional outbox: a message exists once its row is committed; the worker delivers it.
  await db.schema
    .createTable("outbox")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("dedupe_key", "text", (c) => c.unique())
    .addColumn("channel", "text", (c) => c.notNull().defaultTo("email"))
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("locale", "text", (c) => c.notNull().defaultTo("it"))
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("body_text", "text", (c) => c.notNull())
    .addColumn("body_html", "text")
    .addColumn("attachments", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("pratica_id", "uuid")
    .addColumn("status", "text", (c) =>
      c.notNull().defaultTo("pending").check(sql`status in ('pending', 'sent', 'failed')`),
    )
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("sent_at", "timestamptz")
    .execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["status", "next_attempt_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    "outbox",
    "login_attempts",
    "business_members",
    "businesses",
    "memberships",
    "users",
    "desk_comuni",
    "entities",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
