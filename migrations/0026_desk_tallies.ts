import { type Kysely, sql } from "kysely";

// Frozen once shipped. Issue 18 (scale, ADR 0030).
//
// 1. desk_tallies: how many pratiche each desk has per (Comune, status, procedure title, regime), kept by
//    the database itself in the same transaction as every insert, change or removal of a pratica (a
//    statement-level trigger over the transition tables: one grouped insert per statement, so a bulk load of
//    2,000,000 rows costs one aggregate, and no code path can forget it). The table is a ledger of deltas:
//    a status change appends -1 for the old key and +1 for the new one and never updates a shared row, so
//    concurrent submissions never wait on a hot counter row. Readers sum the rows of their desk; the worker
//    folds them back to one row per key now and then (compactDeskTallies), and a repair rebuilds them from
//    the pratiche (rebuildDeskTallies).
// 2. pratiche.audit_head: the hash of the last entry of the pratica's audit chain (event_count is its seq),
//    so appending reads the locked pratica row it already holds instead of the chain's tail.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("desk_tallies")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("desk_id", "integer", (c) => c.notNull())
    .addColumn("municipality_id", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("regime", "text", (c) => c.notNull())
    .addColumn("n", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("desk_tallies_desk")
    .on("desk_tallies")
    .columns(["desk_id", "status"])
    .execute();

  await sql`
    create function desk_tallies_on_insert() returns trigger language plpgsql as $$
    begin
      insert into desk_tallies (desk_id, municipality_id, status, title, regime, n)
      select desk_id, municipality_id, status, title, regime, count(*)
        from tally_new group by desk_id, municipality_id, status, title, regime;
      return null;
    end $$`.execute(db);
  await sql`
    create function desk_tallies_on_update() returns trigger language plpgsql as $$
    begin
      insert into desk_tallies (desk_id, municipality_id, status, title, regime, n)
      select desk_id, municipality_id, status, title, regime, sum(n)
        from (select desk_id, municipality_id, status, title, regime, -1 as n from tally_old
              union all
              select desk_id, municipality_id, status, title, regime, 1 as n from tally_new) k
       group by desk_id, municipality_id, status, title, regime
      having sum(n) <> 0;
      return null;
    end $$`.execute(db);
  await sql`
    create function desk_tallies_on_delete() returns trigger language plpgsql as $$
    begin
      insert into desk_tallies (desk_id, municipality_id, status, title, regime, n)
      select desk_id, municipality_id, status, title, regime, -count(*)
        from tally_old group by desk_id, municipality_id, status, title, regime;
      return null;
    end $$`.execute(db);
  await sql`
    create function desk_tallies_on_truncate() returns trigger language plpgsql as $$
    begin
      delete from desk_tallies;
      return null;
    end $$`.execute(db);
  await sql`create trigger pratiche_tally_insert after insert on pratiche
    referencing new table as tally_new for each statement execute function desk_tallies_on_insert()`.execute(
    db,
  );
  await sql`create trigger pratiche_tally_update after update on pratiche
    referencing old table as tally_old new table as tally_new for each statement execute function desk_tallies_on_update()`.execute(
    db,
  );
  await sql`create trigger pratiche_tally_delete after delete on pratiche
    referencing old table as tally_old for each statement execute function desk_tallies_on_delete()`.execute(
    db,
  );
  await sql`create trigger pratiche_tally_truncate after truncate on pratiche
    for each statement execute function desk_tallies_on_truncate()`.execute(db);
  // The pratiche already there.
  await sql`
    insert into desk_tallies (desk_id, municipality_id, status, title, regime, n)
    select desk_id, municipality_id, status, title, regime, count(*)
      from pratiche group by desk_id, municipality_id, status, title, regime`.execute(db);

  await db.schema.alterTable("pratiche").addColumn("audit_head", "text").execute();
  // The chain's tail of every pratica (event_count was not kept by every writer before: set both).
  await sql`
    update pratiche p set audit_head = t.hash, event_count = t.seq
      from (select distinct on (pratica_id) pratica_id, seq, hash from events order by pratica_id, seq desc) t
     where t.pratica_id = p.id`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("pratiche").dropColumn("audit_head").execute();
  for (const t of ["insert", "update", "delete", "truncate"]) {
    await sql.raw(`drop trigger if exists pratiche_tally_${t} on pratiche`).execute(db);
    await sql.raw(`drop function if exists desk_tallies_on_${t}()`).execute(db);
  }
  await db.schema.dropTable("desk_tallies").execute();
}
