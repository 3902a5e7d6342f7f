import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ClockBadge, fmtDate, regimeLabel, statusLabel } from "~/components/desk/ui";
import { useT } from "~/i18n/useT";
import { isManagerOf } from "~/server/desk/worklist.server";
import { requireDeskStaff } from "~/server/desk/access.server";
import { listWorklist, worklistHeader } from "~/server/desk/worklist.server";
import { parseWorklistQuery, worklistHref } from "~/domain/desk/worklist-query";
import { todayIso } from "~/server/pratiche/acts.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Scrivania") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { user, deskId } = await requireDeskStaff(request);
  const { filters, cursor } = parseWorklistQuery(new URL(request.url).searchParams);
  const today = todayIso();
  const [page, { counts, options }] = await Promise.all([
    listWorklist(db(), { deskId, viewerId: user.id, filters, cursor, today }),
    worklistHeader(db(), deskId),
  ]);
  return {
    filters,
    page: page.rows,
    nextHref: page.next ? worklistHref(filters, { after: page.next }) : null,
    firstHref: cursor ? worklistHref(filters) : null,
    counts,
    options,
    manager: isManagerOf(user.principal, deskId),
  };
}

export default function Worklist() {
  const t = useT();
  const { filters, page, nextHref, firstHref, counts, options, manager } = useLoaderData<typeof loader>();
  return (
    <div>
      <h1>{t("desk.title")}</h1>
      <p className="lead">{t("desk.lead", { desk: options.desk.name })}</p>
      <nav aria-label={t("desk.nav.label")} className="mb-4">
        <ul className="list-inline">
          <li className="list-inline-item">
            <Link to="/scrivania" aria-current="page">
              {t("desk.nav.worklist")}
            </Link>
          </li>
          {manager ? (
            <li className="list-inline-item">
              <Link to="/scrivania/cruscotto">{t("desk.nav.dashboard")}</Link>
            </li>
          ) : null}
          {manager ? (
            <li className="list-inline-item">
              <Link to="/scrivania/registro-protocollo">{t("protocol.registers.nav")}</Link>
            </li>
          ) : null}
          <li className="list-inline-item">
            <Link to="/scrivania/posta">{t("pec.nav")}</Link>
          </li>
        </ul>
      </nav>

      <section aria-labelledby="counts-title" className="mb-4">
        <h2 id="counts-title" className="h5">
          {t("desk.counts.title")}
        </h2>
        <ul className="list-inline" data-testid="status-counts">
          {counts.map((c) => (
            <li key={c.status} className="list-inline-item me-3">
              <Link to={worklistHref({ ...filters, status: c.status })}>
                {statusLabel(t, c.status)}: <strong>{c.count}</strong>
              </Link>
            </li>
          ))}
        </ul>
      </section>

      <form method="get" action="/scrivania" className="mb-4" aria-labelledby="filters-title">
        <h2 id="filters-title" className="h5">
          {t("desk.filters.title")}
        </h2>
        <div className="row g-3">
          <div className="col-md-6">
            <label htmlFor="q" className="form-label active">
              {t("desk.filters.q")}
            </label>
            <input id="q" name="q" type="search" className="form-control" defaultValue={filters.q} />
          </div>
          <Select
            id="comune"
            label={t("desk.filters.comune")}
            value={filters.comune ? String(filters.comune) : ""}
          >
            <option value="">{t("desk.filters.any")}</option>
            {options.comuni.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </Select>
          <Select id="procedure" label={t("desk.filters.procedure")} value={filters.procedure}>
            <option value="">{t("desk.filters.any")}</option>
            {options.procedures.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </Select>
          <Select id="regime" label={t("desk.filters.regime")} value={filters.regime}>
            <option value="">{t("desk.filters.any")}</option>
            {options.regimes.map((r) => (
              <option key={r} value={r}>
                {regimeLabel(t, r)}
              </option>
            ))}
          </Select>
          <Select id="status" label={t("desk.filters.status")} value={filters.status}>
            <option value="open">{t("desk.filters.open")}</option>
            <option value="ended">{t("desk.filters.ended")}</option>
            <option value="all">{t("desk.filters.all")}</option>
            {counts.map((c) => (
              <option key={c.status} value={c.status}>
                {statusLabel(t, c.status)}
              </option>
            ))}
          </Select>
          <Select id="assignee" label={t("desk.filters.assignee")} value={filters.assignee}>
            <option value="">{t("desk.filters.any")}</option>
            <option value="me">{t("desk.filters.me")}</option>
            <option value="none">{t("desk.filters.none")}</option>
            {options.colleagues.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </Select>
          <Select id="due" label={t("desk.filters.due")} value={filters.due}>
            <option value="">{t("desk.filters.any")}</option>
            <option value="overdue">{t("desk.filters.overdue")}</option>
            <option value="soon">{t("desk.filters.soon")}</option>
          </Select>
          <div className="col-md-3">
            <label htmlFor="within" className="form-label active">
              {t("desk.filters.within")}
            </label>
            <input
              id="within"
              name="within"
              type="number"
              min={0}
              max={365}
              className="form-control"
              defaultValue={filters.within}
            />
          </div>
        </div>
        <div className="mt-3 d-flex gap-3">
          <button type="submit" className="btn btn-primary">
            {t("desk.filters.apply")}
          </button>
          <Link to="/scrivania" className="btn btn-outline-primary">
            {t("desk.filters.reset")}
          </Link>
        </div>
      </form>

      <div className="table-responsive">
        <table className="table table-hover" data-testid="worklist">
          <caption>{t("desk.table.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("desk.table.pratica")}</th>
              <th scope="col">{t("desk.table.business")}</th>
              <th scope="col">{t("desk.table.comune")}</th>
              <th scope="col">{t("desk.table.status")}</th>
              <th scope="col">{t("desk.table.due")}</th>
              <th scope="col">{t("desk.table.clock")}</th>
              <th scope="col">{t("desk.table.assignee")}</th>
            </tr>
          </thead>
          <tbody>
            {page.length === 0 ? (
              <tr>
                <td colSpan={7}>{t("desk.table.empty")}</td>
              </tr>
            ) : (
              page.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <Link to={`/scrivania/pratiche/${r.id}`}>{r.title}</Link>
                    <div className="small">
                      {r.protocolNumber ?? r.cui} · {regimeLabel(t, r.regime)}
                    </div>
                    {r.lateOpinion ? (
                      <span className="badge bg-danger">{t("desk.badge.lateOpinion")}</span>
                    ) : null}
                  </th>
                  <td>
                    {r.business}
                    <div className="small">{r.fiscalCode}</div>
                  </td>
                  <td>{r.comune}</td>
                  <td>{statusLabel(t, r.status)}</td>
                  <td>
                    {r.ended ? "—" : fmtDate(r.dueDate)}
                    {r.dueDate && r.suspended && !r.ended ? (
                      <div className="small">{t("journey.dueAtLatest")}</div>
                    ) : null}
                  </td>
                  <td>
                    <ClockBadge daysLeft={r.daysLeft} suspended={r.suspended} ended={r.ended} />
                  </td>
                  <td>{r.assignee?.name ?? t("desk.unassigned")}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <nav className="d-flex gap-3" aria-label={t("desk.table.captionPage")}>
        {firstHref ? <Link to={firstHref}>{t("desk.table.first")}</Link> : null}
        {nextHref ? (
          <Link to={nextHref} rel="next">
            {t("desk.table.next")}
          </Link>
        ) : null}
      </nav>
    </div>
  );
}

function Select(props: { id: string; label: string; value: string; children: React.ReactNode }) {
  return (
    <div className="col-md-3">
      <div className="select-wrapper">
        <label htmlFor={props.id} className="active">
          {props.label}
        </label>
        <select id={props.id} name={props.id} defaultValue={props.value} className="form-select">
          {props.children}
        </select>
      </div>
    </div>
  );
}
