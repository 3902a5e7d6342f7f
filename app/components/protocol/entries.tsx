import { Link } from "@remix-run/react";
import { useT } from "~/i18n/useT";

export interface ProtocolEntryData {
  id: number;
  label: string;
  direction: "in" | "out";
  subject: string;
  registeredAt: string;
  sha256: string | null;
  annulled: null | {
    at: string;
    by: string | null;
    reason: string;
    authorisation: string | null;
    remote: string | null;
  };
}

const fmt = (iso: string) =>
  new Date(iso).toLocaleString("it-IT", { timeZone: "Europe/Rome", dateStyle: "short", timeStyle: "short" });

/** The pratica's protocol registrations, each with its fingerprint and, when annulled, who, when and why. */
export function ProtocolEntries({
  entries,
  annulHref,
}: {
  entries: ProtocolEntryData[];
  /** the desk's manager gets a link to annul each registration still in force */
  annulHref?: (id: number) => string;
}) {
  const t = useT();
  if (!entries.length) return null;
  return (
    <section aria-labelledby="protocol-entries-title" className="mb-5">
      <h2 id="protocol-entries-title" className="h4">
        {t("protocol.entries.title")}
      </h2>
      <ul className="list-unstyled" data-testid="protocol-entries">
        {entries.map((e) => (
          <li key={e.id} className="border-bottom py-2" data-testid={`protocol-entry-${e.id}`}>
            <strong className={e.annulled ? "text-decoration-line-through" : undefined}>{e.label}</strong>{" "}
            {e.annulled ? (
              <span className="badge bg-danger" data-testid="protocol-annulled">
                {t("protocol.entries.annulled")}
              </span>
            ) : null}{" "}
            · {e.direction === "in" ? t("protocol.entries.in") : t("protocol.entries.out")} ·{" "}
            {fmt(e.registeredAt)}
            <div className="small">{e.subject}</div>
            {e.sha256 ? (
              <div className="small">
                {t("protocol.entries.sha256")}: <code className="text-break">{e.sha256}</code>
              </div>
            ) : null}
            {e.annulled ? (
              <div className="small" data-testid="protocol-annulment">
                {t("protocol.entries.annulledBy", {
                  at: fmt(e.annulled.at),
                  by: e.annulled.by ?? "-",
                })}{" "}
                {t("protocol.entries.reason")}: {e.annulled.reason}
                {e.annulled.authorisation
                  ? ` · ${t("protocol.entries.authorisation")}: ${e.annulled.authorisation}`
                  : ""}
                {e.annulled.remote
                  ? ` · ${t(
                      e.annulled.remote === "confirmed"
                        ? "protocol.entries.remote.confirmed"
                        : e.annulled.remote === "failed"
                          ? "protocol.entries.remote.failed"
                          : "protocol.entries.remote.pending",
                    )}`
                  : ""}
              </div>
            ) : annulHref ? (
              <div className="small">
                <Link to={annulHref(e.id)} className="text-danger">
                  {t("protocol.entries.annulLink", { label: e.label })}
                </Link>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
