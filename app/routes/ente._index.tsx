import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ClockBadge, fmtDate, statusLabel } from "~/components/desk/ui";
import type { MessageKey } from "~/i18n";
import { useT } from "~/i18n/useT";
import { requireReviewer } from "~/server/desk/access.server";
import { agencyInbox } from "~/server/desk/agency.server";
import { todayIso } from "~/server/pratiche/acts.server";
import { db } from "~/server/runtime.server";
import { entityNames } from "~/server/accounts-view.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Pareri - Ente terzo") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { agencyIds } = await requireReviewer(request);
  const show = new URL(request.url).searchParams.get("mostra") === "tutte" ? "all" : "pending";
  const [rows, agencies] = await Promise.all([
    agencyInbox(db(), { agencyIds, today: todayIso(), show }),
    entityNames(agencyIds),
  ]);
  return { rows, show, agency: agencies.join(", ") };
}

export default function AgencyInbox() {
  const t = useT();
  const { rows, show, agency } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1>{t("agency.title", { agency })}</h1>
      <p className="lead">{t("agency.lead")}</p>
      <ul className="list-inline">
        <li className="list-inline-item">
          <Link to="/ente" aria-current={show === "pending" ? "page" : undefined}>
            {t("agency.show.pending")}
          </Link>
        </li>
        <li className="list-inline-item">
          <Link to="/ente?mostra=tutte" aria-current={show === "all" ? "page" : undefined}>
            {t("agency.show.all")}
          </Link>
        </li>
      </ul>
      <div className="table-responsive">
        <table className="table" data-testid="inbox">
          <caption>{t("agency.table.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("desk.table.pratica")}</th>
              <th scope="col">{t("desk.table.business")}</th>
              <th scope="col">{t("desk.table.comune")}</th>
              <th scope="col">{t("agency.table.agency")}</th>
              <th scope="col">{t("agency.table.opinion")}</th>
              <th scope="col">{t("desk.table.due")}</th>
              <th scope="col">{t("desk.table.clock")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={7}>{t("agency.table.empty")}</td>
              </tr>
            ) : (
              rows.map((r) => (
                <tr key={`${r.praticaId}-${r.agencyCode}`}>
                  <th scope="row">
                    <Link to={`/ente/pratiche/${r.praticaId}`}>{r.title}</Link>
                    <div className="small">{r.protocolNumber ?? r.cui}</div>
                  </th>
                  <td>{r.business}</td>
                  <td>{r.comune}</td>
                  <td>{r.agencyName}</td>
                  <td>
                    {statusLabel(t, r.opinionStatus)}
                    {r.outcome ? ` — ${t(`desk.outcome.${r.outcome}` as MessageKey)}` : ""}
                    {r.praticaEnded ? (
                      <div className="small" data-testid="pratica-ended">
                        {t("agency.table.ended", { status: statusLabel(t, r.praticaStatus) })}
                      </div>
                    ) : null}
                  </td>
                  <td>{fmtDate(r.dueDate)}</td>
                  <td>
                    <ClockBadge
                      daysLeft={r.daysLeft}
                      suspended={false}
                      ended={r.opinionStatus !== "pending"}
                    />
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
