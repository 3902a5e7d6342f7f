import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { formatEuro } from "~/domain/payments/iuv";
import type { MessageKey } from "~/i18n";
import { useT } from "~/i18n/useT";
import { requireDeskManager } from "~/server/desk/access.server";
import { reconciliationView } from "~/server/integrations/payment/reconciliation.server";
import { overduePayments } from "~/server/integrations/payment/sweep.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Riconciliazione pagoPA - Scrivania") },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const { deskId } = await requireDeskManager(request);
  const view = await reconciliationView(db(), deskId, new URL(request.url).searchParams);
  // Payment after submission (issue 15): the pratiche past their payment deadline with notices unpaid.
  const overdue = (await overduePayments(db(), [deskId])).map((o) => ({
    praticaId: o.pratica_id,
    cui: o.cui ?? "",
    title: o.title,
    business: o.business,
    due: String(o.due).slice(0, 10),
    unpaidCents: Number(o.unpaid_cents ?? 0),
  }));
  return { ...view, overdue };
}

export default function Reconciliation() {
  const t = useT();
  const v = useLoaderData<typeof loader>();
  const total = v.rows.reduce((s, r) => s + r.amountCents, 0);
  const qs = new URLSearchParams({ ente: v.creditor?.code ?? "", mese: v.month }).toString();
  return (
    <div>
      <h1>{t("payments.recon.title")}</h1>
      <p className="lead">{t("payments.recon.lead")}</p>
      <nav aria-label={t("desk.nav.label")} className="mb-4">
        <ul className="list-inline">
          <li className="list-inline-item">
            <Link to="/scrivania">{t("desk.nav.worklist")}</Link>
          </li>
          <li className="list-inline-item">
            <Link to="/scrivania/cruscotto">{t("desk.nav.dashboard")}</Link>
          </li>
        </ul>
      </nav>
      <Form method="get" className="row g-3 align-items-end mb-4">
        <div className="col-md-5">
          <label htmlFor="ente" className="form-label">
            {t("payments.recon.creditor")}
          </label>
          <select id="ente" name="ente" className="form-select" defaultValue={v.creditor?.code}>
            {v.creditors.map((c) => (
              <option key={c.code} value={c.code}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="col-md-3">
          <label htmlFor="mese" className="form-label">
            {t("payments.recon.month")}
          </label>
          <input id="mese" name="mese" type="month" className="form-control" defaultValue={v.month} />
        </div>
        <div className="col-md-4 d-flex gap-3">
          <button type="submit" className="btn btn-primary">
            {t("payments.recon.show")}
          </button>
          <a href={`/scrivania/pagamenti.csv?${qs}`} download className="btn btn-outline-primary">
            {t("payments.recon.csv")}
          </a>
        </div>
      </Form>
      <section aria-labelledby="scaduti" className="mb-4">
        <h2 id="scaduti" className="h4">
          {t("payments.desk.overdue.title")}
        </h2>
        <p>{t("payments.desk.overdue.lead")}</p>
        {v.overdue.length === 0 ? (
          <p>{t("payments.desk.overdue.none")}</p>
        ) : (
          <div className="table-responsive">
            <table className="table">
              <caption>{t("payments.desk.overdue.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("payments.desk.overdue.pratica")}</th>
                  <th scope="col">{t("payments.desk.overdue.business")}</th>
                  <th scope="col">{t("payments.desk.overdue.due")}</th>
                  <th scope="col" className="text-end">
                    {t("payments.desk.overdue.unpaid")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {v.overdue.map((o) => (
                  <tr key={o.praticaId}>
                    <td>
                      <Link to={`/scrivania/pratiche/${o.praticaId}`}>{o.cui || o.title}</Link>
                    </td>
                    <td>{o.business}</td>
                    <td>{o.due}</td>
                    <td className="text-end text-nowrap">{formatEuro(o.unpaidCents)} €</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <h2 className="h4">{t("payments.recon.title")}</h2>
      {v.rows.length === 0 ? (
        <p>{t("payments.recon.empty")}</p>
      ) : (
        <div className="table-responsive">
          <table className="table">
            <caption>
              {t("payments.recon.total", { amount: formatEuro(total), count: v.rows.length })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t("payments.recon.col.date")}</th>
                <th scope="col">{t("payments.recon.col.iuv")}</th>
                <th scope="col">{t("payments.recon.col.receipt")}</th>
                <th scope="col">{t("payments.recon.col.psp")}</th>
                <th scope="col" className="text-end">
                  {t("payments.recon.col.amount")}
                </th>
                <th scope="col">{t("payments.recon.col.pratica")}</th>
                <th scope="col">{t("payments.recon.col.anomaly")}</th>
              </tr>
            </thead>
            <tbody>
              {v.rows.map((r) => (
                <tr key={`${r.iuv}-${r.receiptId}`}>
                  <td>{r.paidAt.slice(0, 16).replace("T", " ")}</td>
                  <td>{r.iuv}</td>
                  <td>{r.receiptId}</td>
                  <td>{r.psp}</td>
                  <td className="text-end text-nowrap">{formatEuro(r.amountCents)} €</td>
                  <td>
                    <Link to={`/scrivania/pratiche/${r.praticaId}`}>{r.cui || r.praticaId.slice(0, 8)}</Link>
                  </td>
                  <td>{r.anomaly ? t(`payments.anomaly.${r.anomaly}` as MessageKey) : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
