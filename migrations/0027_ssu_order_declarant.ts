import { type Kysely, sql } from "kysely";

// Frozen once shipped. The SSU exchange's remaining behaviours (issue 16, ADR 0031):
// - integration_calls.order_key / order_seq: calls that share an order key (the Catalogo's messages of one
//   CUI, the messages to one peer about one pratica) are made one at a time in the order they were queued:
//   the worker claims a call only when no earlier call of its key is still queued or running. order_seq is a
//   sequence, so calls queued in one transaction (same created_at) keep their order too;
// - pratiche.declarant: who signed the istanza at the front office (name, fiscal code), as a received
//   pratica's instance names them; the filer_user_id of such a pratica stays the sending system, the audit's
//   actor, but pages name the declarant;
// - an index on the uuid of pratiche.ssu_cui, so a message naming the national CUI finds the local pratica.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("integration_calls")
    .addColumn("order_key", "text")
    .addColumn("order_seq", "bigserial", (c) => c.notNull())
    .execute();
  await sql`create index integration_calls_order on integration_calls (order_key, order_seq)
    where order_key is not null and status in ('queued', 'running')`.execute(db);
  await db.schema.alterTable("pratiche").addColumn("declarant", "jsonb").execute();
  // A peer names a pratica by the CUI the national Catalogo assigned (ssu_cui) when it differs from ours.
  await sql`create index pratiche_ssu_cui_uuid on pratiche (right(ssu_cui, 36)) where ssu_cui is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index pratiche_ssu_cui_uuid`.execute(db);
  await db.schema.alterTable("pratiche").dropColumn("declarant").execute();
  await sql`drop index integration_calls_order`.execute(db);
  await db.schema.alterTable("integration_calls").dropColumn("order_seq").dropColumn("order_key").execute();
}
