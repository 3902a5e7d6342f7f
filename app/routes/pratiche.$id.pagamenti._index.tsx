import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { CsrfInput } from "~/components/forms";
import { formatEuro, formatNoticeNumber } from "~/domain/payments/iuv";
import type { MessageKey } from "~/i18n";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { type PaymentIntent, paymentsAction, paymentsPage } from "~/server/integrations/payment/pages.server";
import { db, runtime } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Pagamenti") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  return paymentsPage(db(), runtime.env, user, params.id ?? "");
}

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await readForm(request);
  const user = await requireUser(request);
  const intent = String(form.get("intent") ?? "");
  if (!["prepara", "paga", "verifica"].includes(intent))
    throw new Response("Azione sconosciuta", { status: 400 });
  const result = await paymentsAction(
    db(),
    runtime.env,
    user,
    params.id ?? "",
    intent as PaymentIntent,
    new URL(request.url).origin,
  );
  if ("redirect" in result) return redirect(result.redirect);
  return { error: result.error };
}

const ESITI = ["ok", "pending", "annullato", "errore"] as const;

export default function Payments() {
  const t = useT();
  const locale = useLocale();
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const esito = params.get("esito");
  const payable = data.positions.some((p) => p.status === "valid");
  const statusText = (p: (typeof data.positions)[number]) =>
    p.status !== "paid" && p.anomaly === "amount_mismatch"
      ? t("payments.status.mismatch")
      : t(`payments.status.${p.status}` as MessageKey);
  return (
    <div className="row">
      <div className="col-lg-10">
        <h1>{t("payments.title")}</h1>
        {actionData?.error ? (
          <div className="alert alert-danger" role="alert">
            {t("payments.error.unavailable")}
          </div>
        ) : null}
        {esito && (ESITI as readonly string[]).includes(esito) ? (
          <div className={`alert ${esito === "ok" ? "alert-success" : "alert-warning"}`} role="status">
            {t(`payments.esito.${esito}` as MessageKey)}
          </div>
        ) : null}
        {!data.pagopa ? (
          <p>{data.feesCents > 0 ? t("payments.lead.fallback") : t("payments.none")}</p>
        ) : (
          <>
            <p className="lead">{t("payments.lead", { title: data.title[locale] })}</p>
            {data.positions.length === 0 ||
            data.positions.every((p) => ["cancelled", "failed"].includes(p.status)) ? (
              <Form method="post" className="mb-4">
                <CsrfInput />
                <p>{t("payments.prepare.text")}</p>
                <button type="submit" name="intent" value="prepara" className="btn btn-primary">
                  {t("payments.prepare")} ({formatEuro(data.totalCents)} €)
                </button>
              </Form>
            ) : null}
            {data.positions.length > 0 ? (
              <div className="table-responsive">
                <table className="table">
                  <caption>{t("payments.table.caption")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("payments.col.creditor")}</th>
                      <th scope="col">{t("payments.col.description")}</th>
                      <th scope="col">{t("payments.col.notice")}</th>
                      <th scope="col" className="text-end">
                        {t("payments.col.amount")}
                      </th>
                      <th scope="col">{t("payments.col.due")}</th>
                      <th scope="col">{t("payments.col.status")}</th>
                      <th scope="col">{t("payments.col.actions")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.positions.map((p) => (
                      <tr key={p.id}>
                        <td>{p.creditor}</td>
                        <td>{p.description}</td>
                        <td>
                          <span className="text-nowrap">{formatNoticeNumber(p.noticeNumber)}</span>
                        </td>
                        <td className="text-end text-nowrap">{formatEuro(p.amountCents)} €</td>
                        <td>{p.dueDate.split("-").reverse().join("/")}</td>
                        <td>
                          <strong>{statusText(p)}</strong>
                          {p.status === "paid" && p.receiptId ? (
                            <div className="small">
                              {t("payments.paid.detail", {
                                receipt: p.receiptId,
                                date: (p.paidAt ?? "").slice(0, 10).split("-").reverse().join("/"),
                                psp: p.psp ?? "",
                              })}
                            </div>
                          ) : null}
                        </td>
                        <td>
                          {p.status === "valid" ? (
                            <a href={`/pratiche/${data.id}/pagamenti/${p.id}/avviso`} download>
                              {t("payments.download.notice")}
                            </a>
                          ) : null}
                          {p.status === "paid" && p.receiptDocumentId ? (
                            <a href={`/documenti/${p.receiptDocumentId}`} download>
                              {t("payments.download.receipt")}
                            </a>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
            {payable ? (
              <Form method="post" className="d-flex gap-3 flex-wrap mb-4">
                <CsrfInput />
                <button type="submit" name="intent" value="paga" className="btn btn-primary">
                  {t("payments.pay")}
                </button>
                <button type="submit" name="intent" value="verifica" className="btn btn-outline-primary">
                  {t("payments.check")}
                </button>
              </Form>
            ) : null}
            {data.ebollo ? <p>{t("payments.ebollo")}</p> : null}
            {data.timing.kind === "after" ? (
              <p>
                {t("payments.timing.after", { days: data.timing.days })}{" "}
                {data.paymentDeadline ? t("payments.deadline", { date: data.paymentDeadline }) : null}
              </p>
            ) : null}
            <p>
              {data.blocking ? t("payments.blocking") : data.positions.length > 0 ? t("payments.done") : null}
            </p>
          </>
        )}
        {data.draft ? (
          <p>
            <Link to={`/pratiche/${data.id}/riepilogo`}>{t("payments.back.summary")}</Link>
          </p>
        ) : null}
      </div>
    </div>
  );
}
