import { useT } from "~/i18n/useT";

export interface SessionRow {
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  method: string;
  loa: number;
}

function when(iso: string, locale: string) {
  return new Intl.DateTimeFormat(locale === "en" ? "en-GB" : "it-IT", {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: "Europe/Rome",
  }).format(new Date(iso));
}

/** How a session was opened, in words: "SPID, livello 2", "password e codice", ... */
export function useMethodLabel() {
  const t = useT();
  return (method: string, loa: number) => {
    if (method === "spid") return t("account.method.spid", { loa });
    if (method === "cie") return t("account.method.cie", { loa });
    if (method === "oidc") return t("account.method.oidc", { loa });
    if (method === "password_totp") return t("account.method.passwordTotp");
    return t("account.method.password");
  };
}

export function SessionsTable({ sessions, caption }: { sessions: SessionRow[]; caption: string }) {
  const t = useT();
  const label = useMethodLabel();
  return (
    <table className="table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t("account.sessions.started")}</th>
          <th scope="col">{t("account.sessions.lastSeen")}</th>
          <th scope="col">{t("account.sessions.method")}</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.createdAt + s.lastSeenAt + s.method}>
            <td>
              {when(s.createdAt, t.locale)}
              {s.current ? (
                <span className="badge bg-primary ms-2">{t("account.sessions.current")}</span>
              ) : null}
            </td>
            <td>{when(s.lastSeenAt, t.locale)}</td>
            <td>{label(s.method, s.loa)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
