import { type Kysely, sql } from "kysely";

// Frozen once shipped. Issue 18 (the manager's dashboard at scale, ADR 0034).
//
// desk_clock_tallies: how many filed pratiche each desk has per (Comune, ended, legal due date of the ones
// whose clock runs), kept like desk_tallies (0026): a ledger of signed deltas that statement-level triggers
// on pratiche append in the same transaction as every insert, change or removal, so the dashboard's counts by
// Comune (all, open, overdue) and the overdue total sum a few thousand ledger rows instead of scanning the
// desk. The due date is kept only for open pratiche that are not suspended (the only ones that can be
// overdue); drafts are not counted. Folded by the worker with desk_tallies (compactDeskTallies).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("desk_clock_tallies")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("desk_id", "integer", (c) => c.notNull())
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("ended", "boolean", (c) => c.notNull())
    .addColumn("due_date", "date")
    .addColumn("n", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("desk_clock_tallies_desk").on("desk_clock_tallies").column("desk_id").execute();

  // The key of a pratica (a row of a transition table), drafts excluded.
  const key = (t: string) => `
    select desk_id, municipality_id, ended,
           case when not ended and not suspended then due_date end as due_date
      from ${t} where status <> 'draft'`;
  await sql
    .raw(`
    create function desk_clock_tallies_on_insert() returns trigger language plpgsql as $$
    begin
      insert into desk_clock_tallies (desk_id, municipality_id, ended, due_date, n)
      select desk_id, municipality_id, ended, due_date, count(*)
        from (${key("clock_new")}) k group by desk_id, municipality_id, ended, due_date;
      return null;
    end $$`)
    .execute(db);
  await sql
    .raw(`
    create function desk_clock_tallies_on_update() returns trigger language plpgsql as $$
    begin
      insert into desk_clock_tallies (desk_id, municipality_id, ended, due_date, n)
      select desk_id, municipality_id, ended, due_date, sum(n)
        from (select *, -1 as n from (${key("clock_old")}) o
              union all
              select *, 1 as n from (${key("clock_new")}) i) k
       group by desk_id, municipality_id, ended, due_date
      having sum(n) <> 0;
      return null;
    end $$`)
    .execute(db);
  await sql
    .raw(`
    create function desk_clock_tallies_on_delete() returns trigger language plpgsql as $$
    begin
      insert into desk_clock_tallies (desk_id, municipality_id, ended, due_date, n)
      select desk_id, municipality_id, ended, due_date, -count(*)
        from (${key("clock_old")}) k group by desk_id, municipality_id, ended, due_date;
      return null;
    end $$`)
    .execute(db);
  await sql`
    create function desk_clock_tallies_on_truncate() returns trigger language plpgsql as $$
    begin
      delete from desk_clock_tallies;
      return null;
    end $$`.execute(db);
  await sql`create trigger pratiche_clock_insert after insert on pratiche
    referencing new table as clock_new for each statement execute function desk_clock_tallies_on_insert()`.execute(
    db,
  );
  await sql`create trigger pratiche_clock_update after update on pratiche
    referencing old table as clock_old new table as clock_new for each statement execute function desk_clock_tallies_on_update()`.execute(
    db,
  );
  await sql`create trigger pratiche_clock_delete after delete on pratiche
    referencing old table as clock_old for each statement execute function desk_clock_tallies_on_delete()`.execute(
    db,
  );
  await sql`create trigger pratiche_clock_truncate after truncate on pratiche
    for each statement execute function desk_clock_tallies_on_truncate()`.execute(db);
  // The pratiche already there.
  await sql
    .raw(`
    insert into desk_clock_tallies (desk_id, municipality_id, ended, due_date, n)
    select desk_id, municipality_id, ended, due_date, count(*)
      from (${key("pratiche")}) k group by desk_id, municipality_id, ended, due_date`)
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["insert", "update", "delete", "truncate"]) {
    await sql.raw(`drop trigger if exists pratiche_clock_${t} on pratiche`).execute(db);
    await sql.raw(`drop function if exists desk_clock_tallies_on_${t}()`).execute(db);
  }
  await db.schema.dropTable("desk_clock_tallies").execute();
}
