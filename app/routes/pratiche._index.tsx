import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { itDate, StatusTag } from "~/components/filing/fields";
import { statusText } from "~/i18n";
import { statusWithOutcome } from "~/i18n/modules/words";
import { useT } from "~/i18n/useT";
import { requireUser } from "~/server/auth/session.server";
import { listMyPratiche } from "~/server/filing/queries.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Le mie pratiche") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return { pratiche: await listMyPratiche(db(), user.principal) };
}

export default function MyPratiche() {
  const t = useT();
  const { pratiche } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const drafts = pratiche.filter((p) => p.status === "draft");
  const sent = pratiche.filter((p) => p.status !== "draft");
  return (
    <div className="row">
      <div className="col-12">
        {params.get("salvata") ? (
          <div className="alert alert-success" role="status">
            {t("filing.tasks.saved")}
          </div>
        ) : null}
        {params.get("eliminata") ? (
          <div className="alert alert-success" role="status">
            {t("filing.delete.done")}
          </div>
        ) : null}
        <h1>{t("filing.list.title")}</h1>
        <p className="lead">{t("filing.list.lead")}</p>
        <p>
          <Link to="/cosa-devo-presentare" className="btn btn-outline-primary">
            {t("filing.list.new")}
          </Link>
        </p>
        {!pratiche.length ? <p>{t("filing.list.empty")}</p> : null}
        {drafts.length ? (
          <>
            <h2 className="h4 mt-4">{t("filing.list.drafts")}</h2>
            <div className="table-responsive">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t("filing.list.col.title")}</th>
                    <th scope="col">{t("filing.list.col.business")}</th>
                    <th scope="col">{t("filing.list.col.status")}</th>
                    <th scope="col">{t("filing.list.col.updated")}</th>
                  </tr>
                </thead>
                <tbody>
                  {drafts.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <Link to={`/pratiche/${p.id}`}>
                          {p.title}
                          <span className="visually-hidden"> - {t("filing.list.resume")}</span>
                        </Link>
                      </td>
                      <td>{p.business}</td>
                      <td>
                        <StatusTag status="draft" label={statusText(t.locale, "draft")} />
                      </td>
                      <td>{itDate(p.updated_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
        {sent.length ? (
          <>
            <h2 className="h4 mt-4">{t("filing.list.submitted")}</h2>
            <div className="table-responsive">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t("filing.list.col.title")}</th>
                    <th scope="col">{t("filing.list.col.business")}</th>
                    <th scope="col">{t("filing.list.col.status")}</th>
                    <th scope="col">{t("filing.list.col.protocol")}</th>
                    <th scope="col">{t("filing.list.col.due")}</th>
                  </tr>
                </thead>
                <tbody>
                  {sent.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <Link to={`/pratiche/${p.id}`}>{p.title}</Link>
                        <div className="small text-muted">
                          {p.comune} · {itDate(p.submitted_at)}
                        </div>
                      </td>
                      <td>{p.business}</td>
                      <td>
                        <StatusTag
                          status={p.status}
                          label={statusWithOutcome(t.locale, p.status, p.outcome)}
                        />
                      </td>
                      <td>{p.protocol_number}</td>
                      <td>
                        {p.due_date && !p.ended ? itDate(p.due_date) : "-"}
                        {p.due_date && !p.ended && p.suspended ? ` (${t("journey.dueAtLatest")})` : ""}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : null}
      </div>
    </div>
  );
}
