import { type Kysely, sql } from "kysely";

// Frozen. The catalogue as imported versions: the whole validated document is kept (the source of truth a
// pratica is pinned to), and its proceedings are denormalised into rows for search and listing.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("catalogue_versions")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("catalogue_id", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("content_hash", "text", (c) => c.notNull())
    // SHA-256 of the file's bytes as imported: an unchanged bundled file is skipped at boot without parsing.
    .addColumn("source_hash", "text")
    .addColumn("document", "jsonb", (c) => c.notNull())
    // The document without its proceedings (Comuni, entities, classes...): what a procedure page needs.
    .addColumn("reference", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("is_current", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("imported_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("catalogue_versions_unique", ["catalogue_id", "version"])
    .execute();
  await sql`create unique index catalogue_versions_one_current on catalogue_versions (catalogue_id) where is_current`.execute(
    db,
  );

  await db.schema
    .createTable("proceedings")
    .addColumn("id", "serial", (c) => c.primaryKey())
    .addColumn("catalogue_version_id", "integer", (c) =>
      c.notNull().references("catalogue_versions.id").onDelete("cascade"),
    )
    .addColumn("code", "text", (c) => c.notNull())
    .addColumn("version", "text", (c) => c.notNull())
    .addColumn("title_it", "text", (c) => c.notNull())
    .addColumn("title_en", "text", (c) => c.notNull())
    .addColumn("sector", "text", (c) => c.notNull())
    .addColumn("typology", "text", (c) => c.notNull())
    .addColumn("life_event", "text", (c) => c.notNull())
    .addColumn("regimes", sql`text[]`, (c) => c.notNull())
    // ISTAT codes where the proceeding applies; empty = every municipality of the catalogue.
    .addColumn("municipalities", sql`text[]`, (c) => c.notNull())
    // Normalised Italian stems (accents folded, plurals reduced): the same search on PGlite and Postgres.
    .addColumn("search_tokens", sql`text[]`, (c) => c.notNull())
    // The same tokens space-joined (`searchDocument`), and those of the titles and keywords for ranking:
    // prefix matching is `(' ' || search_document) LIKE '% ' || token || '%'` on both databases.
    .addColumn("search_document", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("title_document", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("data", "jsonb", (c) => c.notNull())
    .addUniqueConstraint("proceedings_unique", ["catalogue_version_id", "code"])
    .execute();
  await sql`create index proceedings_search on proceedings using gin (search_tokens)`.execute(db);
  await db.schema
    .createIndex("proceedings_version_title")
    .on("proceedings")
    .columns(["catalogue_version_id", "title_it"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("proceedings").ifExists().execute();
  await db.schema.dropTable("catalogue_versions").ifExists().execute();
}
