import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.server";
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
  const scope = db
    .selectFrom("pratiche as p")
    .where("p.desk_id", "=", deskId)
    .where("p.status", "<>", "draft")
    .where("p.municipality_id", "in", (eb) =>
      eb.selectFrom("desk_comuni").select("comune_id").where("desk_id", "=", deskId),
    );

  const [byStatus, byComune, overdue, conclusions] = await Promise.all([
    scope
      .select(["p.status", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("p.status")
      .orderBy("p.status")
      .execute(),
    scope
      .innerJoin("entities as m", "m.id", "p.municipality_id")
      .select([
        "m.name",
        (eb) => eb.fn.countAll<number>().as("n"),
        sql<number>`count(*) filter (where not p.ended)`.as("open"),
        sql<number>`count(*) filter (where not p.ended and not p.suspended and p.due_date < ${today})`.as(
          "overdue",
        ),
      ])
      .groupBy("m.name")
      .orderBy("m.name")
      .execute(),
    scope
      .select(sql<number>`count(*)`.as("n"))
      .where("p.ended", "=", false)
      .where("p.suspended", "=", false)
      .where("p.due_date", "<", today)
      .executeTakeFirst(),
    sql<{ procedure: string; month: string; n: number; avg_days: number; p90_days: number }>`
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
       order by month, procedure`.execute(db),
  ]);
  return {
    byStatus: byStatus.map((r) => ({ status: r.status, count: Number(r.n) })),
    byComune: byComune.map((r) => ({
      comune: r.name,
      total: Number(r.n),
      open: Number(r.open),
      overdue: Number(r.overdue),
    })),
    overdue: Number(overdue?.n ?? 0),
    conclusions: conclusions.rows.map(
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
