import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { pageTitle } from "~/components/title";
import { italianDate } from "~/domain/dates";
import { useT } from "~/i18n/useT";
import { requireDeskManager } from "~/server/desk/access.server";
import { listDailyRegisters } from "~/server/protocol/daily-register.server";
import { db } from "~/server/runtime.server";

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Registro giornaliero di protocollo - Scrivania") },
];

/** The desk's daily protocol registers (managers): each day's sealed PDF and its deposit for preservation. */
export async function loader({ request }: LoaderFunctionArgs) {
  const { deskId } = await requireDeskManager(request);
  return { registers: await listDailyRegisters(db(), deskId) };
}

export default function DailyRegistersPage() {
  const t = useT();
  const { registers } = useLoaderData<typeof loader>();
  return (
    <div>
      <p>
        <Link to="/scrivania">{t("desk.pratica.back")}</Link>
      </p>
      <h1>{t("protocol.registers.title")}</h1>
      <p className="lead">{t("protocol.registers.lead")}</p>
      {registers.length === 0 ? (
        <p>{t("protocol.registers.empty")}</p>
      ) : (
        <div className="table-responsive">
          <table className="table" data-testid="daily-registers">
            <caption>{t("protocol.registers.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("protocol.registers.day")}</th>
                <th scope="col">{t("protocol.registers.entries")}</th>
                <th scope="col">{t("protocol.registers.annulments")}</th>
                <th scope="col">{t("protocol.registers.file")}</th>
                <th scope="col">{t("protocol.registers.deposit")}</th>
              </tr>
            </thead>
            <tbody>
              {registers.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    {italianDate(r.day)}
                    {r.supplement > 0 ? (
                      <div className="small fw-normal">
                        {t("protocol.registers.supplement", { n: String(r.supplement) })}
                      </div>
                    ) : null}
                  </th>
                  <td>{r.entries}</td>
                  <td>{r.annulments}</td>
                  <td>
                    <a href={`/scrivania/registro-protocollo/${r.id}`}>
                      {r.supplement > 0
                        ? t("protocol.registers.downloadSupplement", {
                            day: italianDate(r.day),
                            n: String(r.supplement),
                          })
                        : t("protocol.registers.download", { day: italianDate(r.day) })}
                    </a>
                    <div className="small">
                      SHA-256 <code className="text-break">{r.sha256}</code>
                    </div>
                  </td>
                  <td data-testid={`deposit-${r.day}`}>
                    {r.deposit_status === "deposited"
                      ? t("protocol.registers.status.deposited", { id: r.deposit_id ?? "" })
                      : r.deposit_status === "failed"
                        ? t("protocol.registers.status.failed", { error: r.deposit_error ?? "" })
                        : t("protocol.registers.status.queued")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
