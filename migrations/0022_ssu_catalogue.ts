import { type Kysely, sql } from "kysely";

// Frozen once shipped. The Catalogo SSU port (issue 16, ADR 0026):
// - pratiche.ssu_cui: the CUI as the Catalogo SSU answered `request_cui` (null until it has; the local CUI
//   stays the pratica's key and what is shown);
// - ssu_catalogue_instances: the development Catalogo's register (this portal serving the Catalogo's
//   e-services on loopback): the CUI it issued, the descriptor as last told (request_cui, update_times,
//   audit) and the PDND client that registered it;
// - ssu_messages.peer_client_id: the PDND client of the peer of an outbound message (the `iss` of its signed
//   answer), so a document is served only to the component the instance was sent to or received from.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("pratiche").addColumn("ssu_cui", "text").execute();
  await db.schema.alterTable("ssu_messages").addColumn("peer_client_id", "text").execute();
  await db.schema
    .createTable("ssu_catalogue_instances")
    .addColumn("cui_uuid", "text", (c) => c.primaryKey())
    .addColumn("cui", "jsonb", (c) => c.notNull())
    .addColumn("descriptor", "jsonb", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("audit", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("ssu_catalogue_instances").execute();
  await db.schema.alterTable("ssu_messages").dropColumn("peer_client_id").execute();
  await db.schema.alterTable("pratiche").dropColumn("ssu_cui").execute();
}
