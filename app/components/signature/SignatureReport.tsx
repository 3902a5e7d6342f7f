import { useLocale, useT } from "~/i18n/useT";

/**
 * The signature verification report of an attachment, as stored (app/server/integrations/signature/port):
 * outcome, signer, issuer, signing time, and every check with its result, in a disclosure that works
 * without JavaScript (<details>).
 */
interface Check {
  name: string;
  status: "passed" | "failed" | "unknown" | "warning";
  message: { it: string; en: string };
  at: string;
}
export interface StoredSignatureReport {
  format: "cades" | "pades" | "none";
  outcome: "valid" | "invalid" | "indeterminate" | "unsigned";
  signatures: {
    outcome: string;
    signer: { name: string | null; fiscalCode: string | null };
    issuer: string | null;
    signingTime: string;
    checks: Check[];
    level: number;
  }[];
  checks: Check[];
  problem: { it: string; en: string } | null;
  checkedAt: string;
}

const BADGE = {
  valid: "bg-success",
  invalid: "bg-danger",
  indeterminate: "bg-warning text-dark",
  unsigned: "bg-secondary",
};

function when(iso: string, locale: "it" | "en") {
  return new Intl.DateTimeFormat(locale === "it" ? "it-IT" : "en-GB", {
    dateStyle: "long",
    timeStyle: "short",
    timeZone: "Europe/Rome",
  }).format(new Date(iso));
}

export function SignatureReport({ report }: { report: unknown }) {
  const t = useT();
  const locale = useLocale();
  if (!report || typeof report !== "object") return null;
  const r = report as StoredSignatureReport;
  const checks = [...r.signatures.flatMap((s) => s.checks), ...r.checks];
  return (
    <div className="small mt-1" data-testid="signature-report">
      <span className={`badge ${BADGE[r.outcome]}`}>{t(`signature.outcome.${r.outcome}`)}</span>{" "}
      {r.format !== "none" ? <span>{t(`signature.format.${r.format}`)}</span> : null}
      {r.problem ? (
        <p className="text-danger mb-1" role="status">
          {r.problem[locale]}
        </p>
      ) : null}
      {r.signatures.length ? (
        <ul className="mb-1">
          {r.signatures.map((s) => (
            <li key={`${s.level}-${s.signer.fiscalCode}-${s.signingTime}`}>
              {t("signature.signer")}: {s.signer.name ?? "-"}
              {s.signer.fiscalCode ? ` (${s.signer.fiscalCode})` : ""}; {t("signature.issuer")}:{" "}
              {s.issuer ?? "-"}; {t("signature.time")}: {when(s.signingTime, locale)}
            </li>
          ))}
        </ul>
      ) : null}
      {checks.length ? (
        <details>
          <summary>{t("signature.checks", { date: when(r.checkedAt, locale) })}</summary>
          <ul>
            {checks.map((c) => (
              <li key={`${c.name}-${c.at}-${c.message.it}`}>
                <strong>{t(`signature.check.${c.status}`)}</strong>: {c.message[locale]}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
