import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.server";
import { tallyStatusCounts } from "./tallies.server";
import { type CsvValue, toCsv } from "~/domain/csv";

/**
 * The desk manager's dashboard: pratiche by status and by Comune, overdue counts, and the time to conclusion
 * (average and 90th percentile, in calendar days from protocol to the first outcome) per procedure and month.
 */

/** Statuses that are an outcome: the first event reaching one of them concludes the pratica. */
export const OUTCOME_STATUSES = [
  "effective",
  "granted",
  "denied",
  "silent_consent",
  "inadmissible",
  "integration_expired",
  "cancelled",
];

export interface ConclusionStat {
  procedure: string;
  month: string;
  count: number;
  avgDays: number;
  p90Days: number;
}

export async function dashboard(db: Kysely<Database>, deskId: number, today: string) {
  // The counts come from the ledgers the database keeps (desk_tallies, desk_clock_tallies: ADR 0030, 0034),
  // a few thousand rows whatever the size of the desk, for the Comuni the desk serves, drafts excluded.
  const served = sql`(select comune_id from desk_comuni where desk_id = ${deskId})`;
  const [byStatus, clock, conclusions] = await Promise.all([
    tallyStatusCounts(db, deskId),
    sql<{ name: string; n: number; open: number; overdue: number }>`
      select m.name, sum(t.n)::int8 as n,
             coalesce(sum(t.n) filter (where not t.ended), 0)::int8 as open,
             coalesce(sum(t.n) filter (where not t.ended and t.due_date < ${today}), 0)::int8 as overdue
        from desk_clock_tallies t join entities m on m.id = t.municipality_id
       where t.desk_id = ${deskId} and t.municipality_id in ${served}
       group by m.name
      having sum(t.n) > 0
       order by m.name`.execute(db),
    conclusionStats(db, deskId),
  ]);
  const byComune = clock.rows;
  const overdue = { n: byComune.reduce((sum, r) => sum + Number(r.overdue), 0) };
  return {
    byStatus,
    byComune: byComune.map((r) => ({
      comune: r.name,
      total: Number(r.n),
      open: Number(r.open),
      overdue: Number(r.overdue),
    })),
    overdue: Number(overdue?.n ?? 0),
    conclusions: conclusions.map(
      (r): ConclusionStat => ({
        procedure: r.procedure,
        month: r.month,
        count: Number(r.n),
        avgDays: Number(r.avg_days),
        p90Days: Number(r.p90_days),
      }),
    ),
  };
}

/**
 * Times to conclusion per procedure and month. These read the concluded pratiche and their events (a scan of
 * the desk's ended pratiche), so a process computes them at most once a minute per desk and serves the last
 * result in between (monthly statistics: a minute behind changes nothing a manager reads). The counts above
 * come fresh from the ledgers on every view.
 */
const CONCLUSIONS_TTL_MS = 60_000;
const conclusionsMemo = new WeakMap<
  Kysely<Database>,
  Map<number, { at: number; value: Promise<ConclusionRow[]> }>
>();

type ConclusionRow = { procedure: string; month: string; n: number; avg_days: number; p90_days: number };

function conclusionStats(db: Kysely<Database>, deskId: number): Promise<ConclusionRow[]> {
  let byDesk = conclusionsMemo.get(db);
  if (!byDesk) {
    byDesk = new Map();
    conclusionsMemo.set(db, byDesk);
  }
  const hit = byDesk.get(deskId);
  if (hit && Date.now() - hit.at < CONCLUSIONS_TTL_MS) return hit.value;
  const value = scanConclusions(db, deskId);
  const entry = { at: Date.now(), value };
  byDesk.set(deskId, entry);
  value.catch(() => {
    if (byDesk.get(deskId) === entry) byDesk.delete(deskId);
  });
  return value;
}

/** Forgets the memoised times to conclusion (tests; a process that just concluded pratiche may call it). */
export function forgetConclusionStats(db: Kysely<Database>) {
  conclusionsMemo.delete(db);
}

async function scanConclusions(db: Kysely<Database>, deskId: number): Promise<ConclusionRow[]> {
  const r = await sql<ConclusionRow>`
      with concluded as (
        select p.title as procedure, p.submitted_at,
               (select min(e.at) from events e
                 where e.pratica_id = p.id and e.state_after in (${sql.join(OUTCOME_STATUSES)})) as concluded_at
          from pratiche p
         where p.desk_id = ${deskId} and p.ended and p.submitted_at is not null
      )
      select procedure,
             to_char(date_trunc('month', concluded_at), 'YYYY-MM') as month,
             count(*) as n,
             round(avg(extract(epoch from concluded_at - submitted_at) / 86400)::numeric, 1)::float8 as avg_days,
             round((percentile_cont(0.9) within group (order by extract(epoch from concluded_at - submitted_at) / 86400))::numeric, 1)::float8 as p90_days
        from concluded
       where concluded_at is not null
       group by procedure, month
       order by month, procedure`.execute(db);
  return r.rows;
}

export type Dashboard = Awaited<ReturnType<typeof dashboard>>;

/** One CSV (semicolon-separated, as Italian spreadsheets expect) with a "section" column per table. */
export function dashboardCsv(d: Dashboard): string {
  const header = ["sezione", "chiave", "mese", "pratiche", "aperte", "scadute", "media_giorni", "p90_giorni"];
  const rows: CsvValue[][] = [];
  for (const s of d.byStatus) rows.push(["stato", s.status, "", s.count, "", "", "", ""]);
  for (const c of d.byComune) rows.push(["comune", c.comune, "", c.total, c.open, c.overdue, "", ""]);
  rows.push(["scadute", "totale", "", d.overdue, "", "", "", ""]);
  for (const c of d.conclusions) {
    rows.push(["conclusione", c.procedure, c.month, c.count, "", "", c.avgDays, c.p90Days]);
  }
  return toCsv(header, rows, { separator: ";" });
}
