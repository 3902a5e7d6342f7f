import { type Kysely, sql } from "kysely";

// Frozen once shipped. Issue 17, what was still open (ADR 0028):
//  - an incoming PEC steps the pratica: the files it carried become the pratica's attachments, uploaded by no
//    user but by the certified message (`pec_message_id`); the message records the workflow event it stepped,
//    or, when it could not step, the outcome the desk's form is pre-filled with;
//  - a remote registration answered after its day's register was produced goes into a supplementary register
//    of that day (`supplement` 1, 2, ...; the first register of a day is supplement 0).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table attachments alter column uploaded_by drop not null`.execute(db);
  await db.schema
    .alterTable("attachments")
    .addColumn("pec_message_id", "uuid", (c) => c.references("pec_messages.id"))
    .execute();
  await sql`alter table attachments add constraint attachments_uploader check (uploaded_by is not null or pec_message_id is not null)`.execute(
    db,
  );
  // "AGENCY_CONCLUSION" / "INTEGRATION_RECEIVED" when the message stepped the pratica, null otherwise
  await db.schema.alterTable("pec_messages").addColumn("stepped_event", "text").execute();
  // the agency (entity id) whose opinion the message seems to be, and the outcome read in its subject
  await db.schema
    .alterTable("pec_messages")
    .addColumn("agency_id", "integer", (c) => c.references("entities.id"))
    .execute();
  await db.schema.alterTable("pec_messages").addColumn("suggested_outcome", "text").execute();

  await db.schema
    .alterTable("protocol_daily_registers")
    .addColumn("supplement", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`alter table protocol_daily_registers drop constraint protocol_daily_registers_day`.execute(db);
  await sql`alter table protocol_daily_registers add constraint protocol_daily_registers_day unique (entity_id, day, supplement)`.execute(
    db,
  );
  // which register (day and supplement) an entry was listed in: null until a register lists it
  await db.schema
    .alterTable("protocol_entries")
    .addColumn("daily_register_id", "uuid", (c) => c.references("protocol_daily_registers.id"))
    .execute();
  // The registers already produced listed every entry of their day known then: count them as listed (no
  // supplement is made for the past).
  await sql`update protocol_entries e set daily_register_id = r.id from protocol_daily_registers r
    where r.entity_id = e.entity_id and r.day = (e.registered_at at time zone 'Europe/Rome')::date`.execute(
    db,
  );
  await db.schema
    .createIndex("protocol_entries_unlisted")
    .on("protocol_entries")
    .columns(["entity_id", "registered_at"])
    .where(sql.ref("daily_register_id"), "is", null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("protocol_entries_unlisted").ifExists().execute();
  await db.schema.alterTable("protocol_entries").dropColumn("daily_register_id").execute();
  await sql`delete from protocol_daily_registers where supplement > 0`.execute(db);
  await sql`alter table protocol_daily_registers drop constraint protocol_daily_registers_day`.execute(db);
  await sql`alter table protocol_daily_registers add constraint protocol_daily_registers_day unique (entity_id, day)`.execute(
    db,
  );
  await db.schema.alterTable("protocol_daily_registers").dropColumn("supplement").execute();
  for (const c of ["suggested_outcome", "agency_id", "stepped_event"]) {
    await db.schema.alterTable("pec_messages").dropColumn(c).execute();
  }
  await sql`alter table attachments drop constraint attachments_uploader`.execute(db);
  await db.schema.alterTable("attachments").dropColumn("pec_message_id").execute();
}
