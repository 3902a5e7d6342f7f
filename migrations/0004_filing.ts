import { type Kysely, sql } from "kysely";

// Frozen once shipped. What filing adds to a pratica: the draft's progress (sections the applicant
// completed), the fees shown before submission, the competent agencies the catalogue suggests per usecase
// (the desk sees them), and the moment the DPR 445/2000 declaration was given.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("pratiche")
    .addColumn("completed_sections", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("fees", "jsonb")
    .addColumn("competent_agencies", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("declared_at", "timestamptz")
    .execute();
  // "Le mie pratiche" and the descriptor API look pratiche up by business and by CUI.
  await sql`create index pratiche_business_status on pratiche (business_id, status)`.execute(db);
  await db.schema.createIndex("attachments_sha256").on("attachments").column("sha256").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("attachments_sha256").ifExists().execute();
  await sql`drop index if exists pratiche_business_status`.execute(db);
  await db.schema
    .alterTable("pratiche")
    .dropColumn("completed_sections")
    .dropColumn("fees")
    .dropColumn("competent_agencies")
    .dropColumn("declared_at")
    .execute();
}
