import { Form } from "@remix-run/react";
import { CsrfInput } from "~/components/forms";
import type { MessageKey } from "~/i18n";
import { useT } from "~/i18n/useT";

/** A queued external call as the pages show it (dates as ISO strings). */
export interface CallView {
  id: string;
  kind: string;
  operation: string;
  praticaId: string | null;
  cui: string | null;
  status: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  /** The HTTP status the peer answered on the last failed attempt, when there was an answer. */
  lastHttpStatus?: number | null;
}

const romeTime = (iso: string) =>
  new Intl.DateTimeFormat("it-IT", {
    timeZone: "Europe/Rome",
    dateStyle: "short",
    timeStyle: "short",
  }).format(new Date(iso));

export function useCallLabels() {
  const t = useT();
  return {
    kind: (k: string) => t(`integrations.kind.${k}` as MessageKey),
    status: (s: string) => t(`integrations.status.${s}` as MessageKey),
  };
}

/** The administrator's table: every open call, with a "Riprova" form (plain POST, works without JavaScript). */
export function CallsTable({ calls }: { calls: CallView[] }) {
  const t = useT();
  const label = useCallLabels();
  return (
    <div className="table-responsive">
      <table className="table">
        <caption>{t("integrations.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("integrations.col.kind")}</th>
            <th scope="col">{t("integrations.col.operation")}</th>
            <th scope="col">{t("integrations.col.pratica")}</th>
            <th scope="col">{t("integrations.col.status")}</th>
            <th scope="col">{t("integrations.col.attempts")}</th>
            <th scope="col">{t("integrations.col.next")}</th>
            <th scope="col">{t("integrations.col.error")}</th>
            <th scope="col">{t("integrations.col.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            <tr key={c.id} data-testid="integration-call">
              <td>{label.kind(c.kind)}</td>
              <td>
                <code>{c.operation}</code>
              </td>
              <td className="text-break">{c.cui ?? c.praticaId ?? "—"}</td>
              <td>
                <span
                  className={
                    c.status === "alerted" || c.status === "failed" ? "badge bg-danger" : "badge bg-secondary"
                  }
                >
                  {label.status(c.status)}
                </span>
              </td>
              <td>{c.attempts}</td>
              <td>{c.status === "queued" ? romeTime(c.nextAttemptAt) : "—"}</td>
              <td className="text-break">
                {c.lastHttpStatus ? (
                  <span className="badge bg-light text-dark border me-1" data-testid="call-http-status">
                    {t("integrations.httpStatus", { status: String(c.lastHttpStatus) })}
                  </span>
                ) : null}
                {c.lastError ?? "—"}
              </td>
              <td>
                {c.status === "running" ? null : (
                  <Form method="post">
                    <CsrfInput />
                    <input type="hidden" name="call" value={c.id} />
                    <button
                      type="submit"
                      className="btn btn-outline-primary btn-sm"
                      aria-label={t("integrations.retryFor", {
                        operation: c.operation,
                        kind: label.kind(c.kind),
                      })}
                    >
                      {t("integrations.retry")}
                    </button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The desk's list of one pratica's pending calls. */
export function PendingCalls({ calls }: { calls: CallView[] }) {
  const t = useT();
  const label = useCallLabels();
  return (
    <section aria-labelledby="pending-calls-title" className="mb-4">
      <h2 id="pending-calls-title" className="h4">
        {t("integrations.desk.title")}
      </h2>
      {calls.length === 0 ? (
        <p>{t("integrations.desk.none")}</p>
      ) : (
        <ul data-testid="pending-calls">
          {calls.map((c) => (
            <li key={c.id}>
              {label.kind(c.kind)} · <code>{c.operation}</code> · {label.status(c.status)}
              {c.lastError ? ` · ${c.lastError}` : ""}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
