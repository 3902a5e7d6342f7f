import { type Kysely, sql } from "kysely";

// Frozen once shipped. Indexes for the SUAP desk's worklist and the agencies' inbox (bench/worklist.ts measures
// them). Only plain b-tree indexes: PGlite has no pg_trgm, and the SQL must run the same on both databases.
export async function up(db: Kysely<any>): Promise<void> {
  // Filter by status, keep the legal due-date order (keyset on due_date, id).
  await sql`create index pratiche_desk_status on pratiche (desk_id, status, due_date, id) where status <> 'draft'`.execute(
    db,
  );
  // "Mine" / "nobody" / a colleague's.
  await sql`create index pratiche_desk_assignee on pratiche (desk_id, assignee_user_id, due_date, id) where status <> 'draft'`.execute(
    db,
  );
  // Per-Comune views of the desk.
  await sql`create index pratiche_desk_comune on pratiche (desk_id, municipality_id, due_date, id) where status <> 'draft'`.execute(
    db,
  );
  await sql`create index pratiche_protocol_number on pratiche (protocol_number)`.execute(db);
  // Business-name search: prefix matches use the pattern index; substrings scan the desk's rows.
  await sql`create index businesses_name_lower on businesses (lower(name) text_pattern_ops)`.execute(db);
  // The dashboard's time to conclusion reads the first event that ended each pratica.
  await sql`create index events_pratica_state on events (pratica_id, state_after, at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    "events_pratica_state",
    "businesses_name_lower",
    "pratiche_protocol_number",
    "pratiche_desk_comune",
    "pratiche_desk_assignee",
    "pratiche_desk_status",
  ]) {
    await sql`drop index if exists ${sql.ref(name)}`.execute(db);
  }
}
