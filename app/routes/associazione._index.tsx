import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { SelectField } from "~/components/catalogue/ui";
import { fmtDate, statusLabel } from "~/components/desk/ui";
import { CsrfInput } from "~/components/forms";
import { useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { handOver, type WorkspaceFilters, workspacePratiche } from "~/server/delegations/workspace.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Area di lavoro dell'associazione") },
];

export function filtersFrom(url: URL): WorkspaceFilters {
  const get = (k: string) => url.searchParams.get(k)?.trim() || undefined;
  return {
    business: get("impresa"),
    comune: get("comune"),
    procedure: get("procedimento"),
    status: get("stato"),
    operator: get("operatore"),
  };
}

async function requireOperator(request: Request) {
  const user = await requireUser(request);
  if (!user.principal.grants.some((g) => g.role === "association_operator")) {
    throw new Response("Forbidden", { status: 403 });
  }
  return user;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireOperator(request);
  const url = new URL(request.url);
  const view = await workspacePratiche(db(), user.principal, filtersFrom(url));
  return { ...view, filters: filtersFrom(url), query: url.search };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireOperator(request);
  const form = await readForm(request);
  const result = await handOver(db(), user.principal, {
    praticaIds: form.getAll("pratica").map(String),
    toUserId: String(form.get("to") ?? ""),
  });
  if (!result.ok) return Response.json({ error: result.message }, { status: 400 });
  return redirect(`/associazione?affidate=${result.moved}`);
}

export default function Workspace() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const moved = params.get("affidate");
  const failed = useActionData<{ error: string }>();
  return (
    <>
      <h1>{t("org.title")}</h1>
      <p className="lead">
        {data.organisations.map((o) => o.name).join(", ")} — {t("org.lead")}
      </p>
      {failed ? (
        <div className="alert alert-danger" role="alert">
          {failed.error}
        </div>
      ) : null}
      {moved ? (
        <div className="alert alert-success" role="status">
          {t("org.handover.done", { count: moved })}
        </div>
      ) : null}
      <Form method="get" className="row g-3 align-items-end mb-4" aria-label={t("org.filters")}>
        <div className="col-md-4">
          <SelectField
            name="impresa"
            label={t("org.filter.business")}
            value={data.filters.business}
            emptyLabel={t("org.filter.all")}
            options={data.businesses.map((b) => ({ value: b.id, label: b.name }))}
          />
        </div>
        <div className="col-md-4">
          <SelectField
            name="comune"
            label={t("org.filter.comune")}
            value={data.filters.comune}
            emptyLabel={t("org.filter.all")}
            options={data.comuni.map((c) => ({ value: c.istat, label: c.name }))}
          />
        </div>
        <div className="col-md-4 mb-4">
          <label htmlFor="procedimento" className="active">
            {t("org.filter.procedure")}
          </label>
          <input
            id="procedimento"
            name="procedimento"
            className="form-control"
            defaultValue={data.filters.procedure ?? ""}
          />
        </div>
        <div className="col-md-4">
          <SelectField
            name="stato"
            label={t("org.filter.status")}
            value={data.filters.status}
            emptyLabel={t("org.filter.all")}
            options={data.statuses.map((s) => ({ value: s, label: statusLabel(t, s) }))}
          />
        </div>
        <div className="col-md-4">
          <SelectField
            name="operatore"
            label={t("org.filter.operator")}
            value={data.filters.operator}
            emptyLabel={t("org.filter.all")}
            options={[
              { value: "none", label: t("org.filter.nobody") },
              ...data.operators.map((o) => ({ value: o.id, label: o.name })),
            ]}
          />
        </div>
        <div className="col-md-4 d-flex gap-3 mb-4">
          <button type="submit" className="btn btn-primary">
            {t("org.filter.apply")}
          </button>
          <a href={`/associazione.csv${data.query}`} className="btn btn-outline-primary">
            {t("org.export")}
          </a>
        </div>
      </Form>
      {data.rows.length === 0 ? (
        <p>{t("org.none")}</p>
      ) : (
        <Form method="post">
          <CsrfInput />
          <div className="table-responsive">
            <table className="table">
              <caption>{t("org.table.caption", { count: data.rows.length })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("org.col.select")}</th>
                  <th scope="col">{t("org.col.pratica")}</th>
                  <th scope="col">{t("org.col.business")}</th>
                  <th scope="col">{t("org.col.comune")}</th>
                  <th scope="col">{t("org.col.status")}</th>
                  <th scope="col">{t("org.col.due")}</th>
                  <th scope="col">{t("org.col.operator")}</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((r) => (
                  <tr key={r.id}>
                    <td>
                      {r.filedByOrganisation ? (
                        <input
                          type="checkbox"
                          name="pratica"
                          value={r.id}
                          className="form-check-input"
                          aria-label={t("org.selectPratica", { cui: r.cui ?? r.title })}
                        />
                      ) : null}
                    </td>
                    <td>
                      <Link to={`/pratiche/${r.id}`}>{r.title}</Link>
                      <div className="small">{r.protocolNumber ?? r.cui}</div>
                      {r.needsAction ? <span className="badge bg-danger">{t("org.needsAction")}</span> : null}
                    </td>
                    <td>{r.business}</td>
                    <td>{r.comune}</td>
                    <td>{statusLabel(t, r.status)}</td>
                    <td>{fmtDate(r.dueDate)}</td>
                    <td>{r.operator ?? "-"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <fieldset className="mt-3">
            <legend className="h5">{t("org.handover.title")}</legend>
            <div className="d-flex gap-3 align-items-end flex-wrap">
              <div>
                <label htmlFor="to" className="active">
                  {t("org.handover.to")}
                </label>
                <select id="to" name="to" className="form-select">
                  {data.operators.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit" className="btn btn-outline-primary">
                {t("org.handover.submit")}
              </button>
            </div>
          </fieldset>
        </Form>
      )}
    </>
  );
}
