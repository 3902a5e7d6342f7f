import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.server";

/**
 * The desk's counts without a scan of the desk (ADR 0030). The database keeps `desk_tallies` itself: the
 * triggers of migration 0026 append, in the same transaction as every insert, change or removal of a
 * pratica, one signed delta per (desk, Comune, status, title, regime) the statement touched. A count is the
 * sum of its key's rows, so a view reads a few hundred small rows whatever the size of the desk, and two
 * status changes never wait on one shared row. `compactDeskTallies` folds the deltas back to one row per
 * key (the worker runs it); `rebuildDeskTallies` recounts them from the pratiche (the repair path,
 * `npm run desk:tallies -- --rebuild`); `checkDeskTallies` compares the two.
 */
type Executor = Kysely<Database> | Transaction<Database>;

/** The desk's filed pratiche by status, for the Comuni it serves (the counts above the worklist). */
export async function tallyStatusCounts(db: Executor, deskId: number) {
  const rows = await db
    .selectFrom("desk_tallies")
    .select(["status", sql<number>`sum(n)::int8`.as("n")])
    .where("desk_id", "=", deskId)
    .where("status", "<>", "draft")
    .where("municipality_id", "in", (eb) =>
      eb.selectFrom("desk_comuni").select("comune_id").where("desk_id", "=", deskId),
    )
    .groupBy("status")
    .having(sql`sum(n)`, ">", 0)
    .orderBy("status")
    .execute();
  return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
}

/** The titles (procedures) the desk's filed pratiche carry, alphabetically, at most `limit`. */
export async function tallyTitles(db: Executor, deskId: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("desk_tallies")
    .select("title")
    .where("desk_id", "=", deskId)
    .where("status", "<>", "draft")
    .groupBy("title")
    .having(sql`sum(n)`, ">", 0)
    .orderBy("title")
    .limit(limit)
    .execute();
  return rows.map((r) => r.title);
}

/** The regimes of the desk's filed pratiche, alphabetically. */
export async function tallyRegimes(db: Executor, deskId: number): Promise<string[]> {
  const rows = await db
    .selectFrom("desk_tallies")
    .select("regime")
    .where("desk_id", "=", deskId)
    .where("status", "<>", "draft")
    .groupBy("regime")
    .having(sql`sum(n)`, ">", 0)
    .orderBy("regime")
    .execute();
  return rows.map((r) => r.regime);
}

export interface TallySummary {
  counts: { status: string; count: number }[];
  titles: string[];
  regimes: string[];
}

/**
 * The counts, the titles and the regimes of `tallyStatusCounts`, `tallyTitles` and `tallyRegimes` in one
 * statement (the worklist asks all three on every view): the desk's ledger rows grouped once by status, title,
 * regime and whether the Comune is one the desk serves (counts), a few hundred rows at most, then summed here.
 */
export async function tallySummary(db: Executor, deskId: number, titleLimit: number): Promise<TallySummary> {
  const r = await sql<{ counts: unknown; titles: unknown; regimes: unknown }>`
    with g as (
      select t.status, t.title, t.regime,
             t.municipality_id in (select comune_id from desk_comuni where desk_id = ${deskId}) as served,
             sum(t.n)::int8 as n
        from desk_tallies t
       where t.desk_id = ${deskId} and t.status <> 'draft'
       group by t.status, t.title, t.regime, served
      having sum(t.n) > 0
    )
    select
      (select coalesce(json_agg(json_build_object('status', status, 'count', n) order by status), '[]'::json)
         from (select status, sum(n)::int8 as n from g where served group by status) c) as counts,
      (select coalesce(json_agg(title order by title), '[]'::json)
         from (select distinct title from g order by title limit ${titleLimit}) x) as titles,
      (select coalesce(json_agg(regime order by regime), '[]'::json)
         from (select distinct regime from g) y) as regimes`.execute(db);
  const row = r.rows[0]!;
  const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;
  return {
    counts: json<{ status: string; count: number }[]>(row.counts).map((c) => ({
      status: c.status,
      count: Number(c.count),
    })),
    titles: json(row.titles),
    regimes: json(row.regimes),
  };
}

/**
 * Folds every key's deltas into one row (keys summing to zero disappear). Safe beside concurrent changes and
 * another compaction: the statement deletes only rows committed before it began and writes back their sum;
 * rows a running transaction is appending stay untouched. Returns the rows removed and written.
 */
export async function compactDeskTallies(db: Kysely<Database>): Promise<{ before: number; after: number }> {
  const r = await sql<{ before: number; after: number }>`
    with gone as (
      delete from desk_tallies returning desk_id, municipality_id, status, title, regime, n
    ), folded as (
      insert into desk_tallies (desk_id, municipality_id, status, title, regime, n)
      select desk_id, municipality_id, status, title, regime, sum(n)
        from gone group by desk_id, municipality_id, status, title, regime
      having sum(n) <> 0
      returning 1
    )
    select (select count(*) from gone)::int8 as before, (select count(*) from folded)::int8 as after`.execute(
    db,
  );
  const row = r.rows[0]!;
  return { before: Number(row.before), after: Number(row.after) };
}

/** The same folding for the dashboard's ledger (migration 0030), in its own statement. */
export async function compactClockTallies(db: Kysely<Database>): Promise<{ before: number; after: number }> {
  const r = await sql<{ before: number; after: number }>`
    with gone as (
      delete from desk_clock_tallies returning desk_id, municipality_id, ended, due_date, n
    ), folded as (
      insert into desk_clock_tallies (desk_id, municipality_id, ended, due_date, n)
      select desk_id, municipality_id, ended, due_date, sum(n)
        from gone group by desk_id, municipality_id, ended, due_date
      having sum(n) <> 0
      returning 1
    )
    select (select count(*) from gone)::int8 as before, (select count(*) from folded)::int8 as after`.execute(
    db,
  );
  const row = r.rows[0]!;
  return { before: Number(row.before), after: Number(row.after) };
}

/**
 * Compacts only when the deltas have piled up (the worker's tick; most ticks cost one count): desk_tallies,
 * and the dashboard's ledger (migration 0030) in its own statement. Returns desk_tallies' rows removed and
 * written, and the ledger's under `clock` (null when neither needed it).
 */
export async function compactDeskTalliesIfNeeded(db: Kysely<Database>, threshold = 5000) {
  const r = await sql<{ desk: number; clock: number }>`
    select (select count(*) from desk_tallies)::int8 as desk,
           (select count(*) from desk_clock_tallies)::int8 as clock`.execute(db);
  const desk = Number(r.rows[0]?.desk ?? 0);
  const clock = Number(r.rows[0]?.clock ?? 0);
  if (desk < threshold && clock < threshold) return null;
  const folded = await compactDeskTallies(db);
  return { ...folded, clock: await compactClockTallies(db) };
}

/**
 * The repair path: recounts every desk from the pratiche themselves. Takes a SHARE lock on pratiche, so
 * changes in flight finish first and new ones wait until the recount commits (readers are not blocked).
 */
export async function rebuildDeskTallies(db: Kysely<Database>): Promise<{ keys: number }> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table pratiche in share mode`.execute(trx);
    await sql`delete from desk_tallies`.execute(trx);
    const r = await sql`
      insert into desk_tallies (desk_id, municipality_id, status, title, regime, n)
      select desk_id, municipality_id, status, title, regime, count(*)
        from pratiche group by desk_id, municipality_id, status, title, regime`.execute(trx);
    await sql`delete from desk_clock_tallies`.execute(trx);
    await sql`
      insert into desk_clock_tallies (desk_id, municipality_id, ended, due_date, n)
      select desk_id, municipality_id, ended, case when not ended and not suspended then due_date end, count(*)
        from pratiche where status <> 'draft' group by 1, 2, 3, 4`.execute(trx);
    return { keys: Number(r.numAffectedRows ?? 0) };
  });
}

export interface TallyMismatch {
  deskId: number;
  municipalityId: number;
  status: string;
  title: string;
  regime: string;
  counted: number;
  tallied: number;
}

/** Every key where the tallies and a count of the pratiche disagree (empty when they are right). */
export async function checkDeskTallies(db: Executor): Promise<TallyMismatch[]> {
  const r = await sql<{
    desk_id: number;
    municipality_id: number;
    status: string;
    title: string;
    regime: string;
    counted: number;
    tallied: number;
  }>`
    with counted as (
      select desk_id, municipality_id, status, title, regime, count(*)::int8 as n
        from pratiche group by desk_id, municipality_id, status, title, regime
    ), tallied as (
      select desk_id, municipality_id, status, title, regime, sum(n)::int8 as n
        from desk_tallies group by desk_id, municipality_id, status, title, regime
    )
    select desk_id, municipality_id, status, title, regime,
           coalesce(c.n, 0)::int8 as counted, coalesce(t.n, 0)::int8 as tallied
      from counted c full join tallied t using (desk_id, municipality_id, status, title, regime)
     where coalesce(c.n, 0) <> coalesce(t.n, 0)
     order by desk_id, municipality_id, status, title, regime`.execute(db);
  return r.rows.map((x) => ({
    deskId: x.desk_id,
    municipalityId: x.municipality_id,
    status: x.status,
    title: x.title,
    regime: x.regime,
    counted: Number(x.counted),
    tallied: Number(x.tallied),
  }));
}

/** Every (desk, Comune, ended, due date) where the dashboard's ledger and a count of the pratiche disagree. */
export async function checkClockTallies(db: Executor) {
  const r = await sql<{
    desk_id: number;
    municipality_id: number;
    ended: boolean;
    due_date: string | null;
    counted: number;
    tallied: number;
  }>`
    with counted as (
      select desk_id, municipality_id, ended,
             coalesce(case when not ended and not suspended then due_date end, 'infinity'::date) as due_key,
             count(*)::int8 as n
        from pratiche where status <> 'draft' group by 1, 2, 3, 4
    ), tallied as (
      select desk_id, municipality_id, ended, coalesce(due_date, 'infinity'::date) as due_key, sum(n)::int8 as n
        from desk_clock_tallies group by 1, 2, 3, 4
    )
    select desk_id, municipality_id, ended, case when due_key = 'infinity'::date then null else due_key::text end as due_date,
           coalesce(c.n, 0)::int8 as counted, coalesce(t.n, 0)::int8 as tallied
      from counted c full join tallied t using (desk_id, municipality_id, ended, due_key)
     where coalesce(c.n, 0) <> coalesce(t.n, 0)
     order by 1, 2, 3, 4`.execute(db);
  return r.rows.map((x) => ({
    deskId: x.desk_id,
    municipalityId: x.municipality_id,
    ended: x.ended,
    dueDate: x.due_date,
    counted: Number(x.counted),
    tallied: Number(x.tallied),
  }));
}
