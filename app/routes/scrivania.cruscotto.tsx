import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { statusLabel } from "~/components/desk/ui";
import { useT } from "~/i18n/useT";
import { requireDeskManager } from "~/server/desk/access.server";
import { type ConclusionStat, dashboard } from "~/server/desk/dashboard.server";
import { todayIso } from "~/server/pratiche/acts.server";
import { db } from "~/server/runtime.server";
import { entityNames } from "~/server/accounts-view.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Cruscotto - Scrivania") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { deskId } = await requireDeskManager(request);
  const [data, desk] = await Promise.all([dashboard(db(), deskId, todayIso()), entityNames([deskId])]);
  return { data, desk: desk[0] ?? "" };
}

export default function Dashboard() {
  const t = useT();
  const { data, desk } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1>{t("desk.dashboard.title")}</h1>
      <p className="lead">{t("desk.dashboard.lead", { desk })}</p>
      <nav aria-label={t("desk.nav.label")} className="mb-4">
        <ul className="list-inline">
          <li className="list-inline-item">
            <Link to="/scrivania">{t("desk.nav.worklist")}</Link>
          </li>
          <li className="list-inline-item">
            <Link to="/scrivania/cruscotto" aria-current="page">
              {t("desk.nav.dashboard")}
            </Link>
          </li>
          <li className="list-inline-item">
            <Link to="/scrivania/pagamenti">{t("payments.recon.title")}</Link>
          </li>
          <li className="list-inline-item">
            <a href="/scrivania/cruscotto.csv" download>
              {t("desk.dashboard.csv")}
            </a>
          </li>
        </ul>
      </nav>
      <p className="alert alert-warning" data-testid="overdue-total">
        {t("desk.dashboard.overdueTotal", { count: data.overdue })}
      </p>
      <div className="row">
        <section className="col-md-5" aria-labelledby="by-status">
          <h2 id="by-status" className="h4">
            {t("desk.dashboard.byStatus")}
          </h2>
          <table className="table table-sm">
            <caption className="visually-hidden">{t("desk.dashboard.byStatus")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("desk.table.status")}</th>
                <th scope="col">{t("desk.count")}</th>
              </tr>
            </thead>
            <tbody>
              {data.byStatus.map((s) => (
                <tr key={s.status}>
                  <th scope="row">{statusLabel(t, s.status)}</th>
                  <td>{s.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="col-md-7" aria-labelledby="by-comune">
          <h2 id="by-comune" className="h4">
            {t("desk.dashboard.byComune")}
          </h2>
          <table className="table table-sm">
            <caption className="visually-hidden">{t("desk.dashboard.byComune")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("desk.table.comune")}</th>
                <th scope="col">{t("desk.dashboard.total")}</th>
                <th scope="col">{t("desk.dashboard.open")}</th>
                <th scope="col">{t("desk.dashboard.overdue")}</th>
              </tr>
            </thead>
            <tbody>
              {data.byComune.map((c) => (
                <tr key={c.comune}>
                  <th scope="row">{c.comune}</th>
                  <td>{c.total}</td>
                  <td>{c.open}</td>
                  <td>{c.overdue}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <section aria-labelledby="times" className="mt-4">
        <h2 id="times" className="h4">
          {t("desk.dashboard.times")}
        </h2>
        <p>{t("desk.dashboard.timesLead")}</p>
        {data.conclusions.length ? (
          <>
            <MonthlyChart stats={data.conclusions} />
            <table className="table table-sm" data-testid="conclusion-times">
              <caption className="visually-hidden">{t("desk.dashboard.times")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("desk.dashboard.month")}</th>
                  <th scope="col">{t("desk.dashboard.procedure")}</th>
                  <th scope="col">{t("desk.dashboard.count")}</th>
                  <th scope="col">{t("desk.dashboard.avg")}</th>
                  <th scope="col">{t("desk.dashboard.p90")}</th>
                </tr>
              </thead>
              <tbody>
                {data.conclusions.map((c) => (
                  <tr key={`${c.month}-${c.procedure}`}>
                    <th scope="row">{c.month}</th>
                    <td>{c.procedure}</td>
                    <td>{c.count}</td>
                    <td>{c.avgDays}</td>
                    <td>{c.p90Days}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : (
          <p>{t("desk.dashboard.noData")}</p>
        )}
      </section>
    </div>
  );
}

/** A server-rendered SVG bar chart of the weighted monthly average; the table below carries the figures. */
function MonthlyChart({ stats }: { stats: ConclusionStat[] }) {
  const t = useT();
  const months = new Map<string, { days: number; n: number }>();
  for (const s of stats) {
    const m = months.get(s.month) ?? { days: 0, n: 0 };
    m.days += s.avgDays * s.count;
    m.n += s.count;
    months.set(s.month, m);
  }
  const bars = [...months.entries()].map(([month, m]) => ({ month, avg: m.n ? m.days / m.n : 0 }));
  const max = Math.max(1, ...bars.map((b) => b.avg));
  const width = Math.max(300, bars.length * 60 + 40);
  const height = 220;
  const plot = height - 50;
  return (
    <figure className="mb-3">
      <svg
        role="img"
        aria-labelledby="chart-title chart-desc"
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        style={{ maxWidth: `${width}px` }}
      >
        <title id="chart-title">{t("desk.dashboard.chart")}</title>
        <desc id="chart-desc">
          {`${t("desk.dashboard.chartDesc")} ${bars.map((b) => `${b.month}: ${b.avg.toFixed(1)}`).join("; ")}`}
        </desc>
        <line x1={30} y1={plot + 10} x2={width - 10} y2={plot + 10} stroke="#5c6f82" />
        {bars.map((b, i) => {
          const h = Math.round((b.avg / max) * (plot - 20));
          const x = 40 + i * 60;
          return (
            <g key={b.month}>
              <rect x={x} y={plot + 10 - h} width={40} height={h} fill="#0066cc" />
              <text x={x + 20} y={plot + 5 - h} textAnchor="middle" fontSize="12" fill="#17324d">
                {b.avg.toFixed(1)}
              </text>
              <text x={x + 20} y={plot + 28} textAnchor="middle" fontSize="11" fill="#17324d">
                {b.month}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="small">{t("desk.dashboard.chartDesc")}</figcaption>
    </figure>
  );
}
