import { type Kysely, sql } from "kysely";

// Frozen once shipped. Issue 12 (ADR 0036): a suspended term's deadline row carries the date the clock shows
// ("al più tardi"), which the machine keeps in its snapshot (context.deadlines.<name>.due). From this version
// the engine copies it after every step; this migration does the same once for the rows already suspended, so
// the worklist and the pages agree for pratiche suspended before the upgrade. Rows stay `suspended`: the
// sweep never fires them. `down` cannot know the old dates and leaves the rows as they are (they are only
// correct as they are now).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update deadlines d
       set due = (p.snapshot -> 'context' -> 'deadlines' -> d.name ->> 'due')::date,
           updated_at = now()
      from pratiche p
     where p.id = d.pratica_id
       and d.status = 'suspended'
       and (p.snapshot -> 'context' -> 'deadlines' -> d.name ->> 'suspended') = 'true'
       and (p.snapshot -> 'context' -> 'deadlines' -> d.name ->> 'due') ~ '^\\d{4}-\\d{2}-\\d{2}$'
       and d.due <> (p.snapshot -> 'context' -> 'deadlines' -> d.name ->> 'due')::date`.execute(db);
}

export async function down(_db: Kysely<any>): Promise<void> {}
