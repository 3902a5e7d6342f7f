import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { itDate } from "~/components/filing/fields";
import { useT } from "~/i18n/useT";
import { finalDueLabel, outcomeText } from "~/i18n/modules/words";
import { requireUser } from "~/server/auth/session.server";
import { notFound } from "~/server/filing/drafts.server";
import { receiptView } from "~/server/filing/queries.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Pratica inviata") }];

/** GOV.UK confirmation page; everything is read back from the database, so a bookmark shows the same. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const view = await receiptView(db(), user.principal, params.id ?? "");
  if (!view) throw notFound();
  return view;
}

export default function ReceiptPage() {
  const t = useT();
  const v = useLoaderData<typeof loader>();
  const kb = v.receipt ? `${Math.max(1, Math.round(v.receipt.size / 1024))} kB` : "";
  return (
    <div className="row">
      <div className="col-lg-8">
        <div className="callout success p-4 mb-4 border border-success rounded">
          <h1>{t("filing.receipt.title")}</h1>
          <p className="fs-5 mb-1">{t("filing.receipt.protocol")}</p>
          <p className="fs-3 fw-bold" data-testid="protocol-number">
            {v.protocolNumber || t("integrations.receipt.pending")}
          </p>
        </div>
        <p className="lead">{v.title}</p>
        <dl className="row">
          <dt className="col-sm-5">{t("filing.receipt.date")}</dt>
          <dd className="col-sm-7">{itDate(v.protocolAt)}</dd>
          <dt className="col-sm-5">{t("filing.receipt.cui")}</dt>
          <dd className="col-sm-7 text-break" data-testid="cui">
            {v.cui}
          </dd>
          {v.outcome ? (
            <>
              <dt className="col-sm-5">{t("filing.detail.outcome")}</dt>
              <dd className="col-sm-7">{outcomeText(t.locale, v.outcome)}</dd>
            </>
          ) : (
            <>
              <dt className="col-sm-5">{finalDueLabel(t.locale, v.suspended && !v.ended)}</dt>
              <dd className="col-sm-7">
                {v.dueDate
                  ? itDate(v.dueDate)
                  : v.regime === "comunicazione"
                    ? t("filing.receipt.dueNone")
                    : t("filing.detail.noTerm")}
              </dd>
            </>
          )}
          <dt className="col-sm-5">{t("filing.detail.business")}</dt>
          <dd className="col-sm-7">{v.business.name}</dd>
          <dt className="col-sm-5">{t("filing.summary.desk")}</dt>
          <dd className="col-sm-7">{v.desk.name}</dd>
        </dl>
        {v.receipt ? (
          <p>
            <a className="btn btn-primary" href={`/documenti/${v.receipt.id}`} download={v.receipt.filename}>
              {t("filing.receipt.download", { size: kb })}
            </a>
          </p>
        ) : (
          // Rendered right after the submission's COMMIT (ADR 0032): for a moment, or until the worker runs
          // after a crash, the page says so and offers a reload (no automatic refresh: WCAG 2.2.1, 3.2.5).
          <div className="callout note p-3 mb-4 border rounded" role="status" data-testid="receipt-pending">
            <p className="mb-2">{t("filing.receipt.preparing")}</p>
            <p className="mb-0">
              <Link to={`/pratiche/${v.id}/ricevuta`} reloadDocument>
                {t("filing.receipt.refresh")}
              </Link>
            </p>
          </div>
        )}
        <h2 className="h4 mt-4">{t("filing.receipt.next")}</h2>
        <ul>
          <li>{t("filing.receipt.next1")}</li>
          <li>{t("filing.receipt.next2")}</li>
          <li>{t("filing.receipt.next3")}</li>
          <li>{t("filing.receipt.next4")}</li>
        </ul>
        {v.receipt ? (
          <p>
            {t("filing.receipt.verify", { code: v.receipt.verification_code })}{" "}
            <Link to={`/verifica/${v.receipt.verification_code}`}>{t("filing.verify.title")}</Link>
          </p>
        ) : null}
        <p>
          <Link to={`/pratiche/${v.id}`}>{t("filing.receipt.openPratica")}</Link>
          {" · "}
          <Link to="/pratiche">{t("filing.list.title")}</Link>
        </p>
      </div>
    </div>
  );
}
