import { type Kysely, sql } from "kysely";

// Frozen once shipped. Issue 18 (submissions at national peak, ADR 0032).
//
// The submission's receipt is rendered after the submission's COMMIT, from a queued "document/render" call
// (the desk's CUI and protocol counters are no longer held while a PDF is drawn): the queue's kinds gain
// "document".
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table integration_calls drop constraint if exists integration_calls_kind_check`.execute(db);
  await sql`alter table integration_calls add constraint integration_calls_kind_check check (kind in ('protocol', 'identity', 'signature', 'seal', 'payment', 'ssu', 'pec', 'business_register', 'preservation', 'document'))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from integration_calls where kind = 'document'`.execute(db);
  await sql`alter table integration_calls drop constraint if exists integration_calls_kind_check`.execute(db);
  await sql`alter table integration_calls add constraint integration_calls_kind_check check (kind in ('protocol', 'identity', 'signature', 'seal', 'payment', 'ssu', 'pec', 'business_register', 'preservation'))`.execute(
    db,
  );
}
