import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import { CsrfInput, type FieldError, fieldError } from "~/components/forms";
import { eventText, type MessageKey, statusText, type Translate } from "~/i18n";
import {
  actorWords,
  deadlineText,
  finalDueLabel,
  outcomeText,
  statusWithOutcome,
} from "~/i18n/modules/words";
import { attachmentTitle } from "~/domain/filing/answers";
import { useT } from "~/i18n/useT";
import { italianDate } from "~/domain/dates";
import { SignatureReport } from "~/components/signature/SignatureReport";

/** Shared pieces of the desk's and the agencies' pages (server-rendered, no JavaScript needed). */

export function fmtDate(iso: string | null | undefined): string {
  return iso ? italianDate(iso) : "—";
}

// Built once: constructing an Intl.DateTimeFormat costs far more than formatting with it (a desk pratica's
// history formats dozens of instants per view).
const ROME_DATE_TIME = new Intl.DateTimeFormat("it-IT", {
  dateStyle: "short",
  timeStyle: "short",
  timeZone: "Europe/Rome",
});

export function fmtDateTime(iso: string): string {
  return ROME_DATE_TIME.format(new Date(iso));
}

/** The words of a status (of a pratica or of an agency's opinion), from the one vocabulary in app/i18n. */
export function statusLabel(t: Translate, status: string): string {
  return statusText(t.locale, status);
}

export function regimeLabel(t: Translate, regime: string): string {
  const key = `desk.regime.${regime}` as MessageKey;
  const s = t(key);
  return s === key ? regime : s;
}

export function actLabel(t: Translate, type: string): string {
  const key = `desk.act.${type}` as MessageKey;
  const s = t(key);
  return s === key ? type : s;
}

/** The legal clock of one row: days left, suspended, expired. Text, not colour alone. */
export function ClockBadge(props: { daysLeft: number | null; suspended: boolean; ended: boolean }) {
  const t = useT();
  if (props.ended) return <span className="badge bg-secondary">{t("desk.clock.ended")}</span>;
  if (props.suspended) return <span className="badge bg-warning text-dark">{t("desk.clock.suspended")}</span>;
  if (props.daysLeft === null) return <span>{t("desk.clock.none")}</span>;
  if (props.daysLeft < 0)
    return <span className="badge bg-danger">{t("desk.clock.expired", { days: -props.daysLeft })}</span>;
  if (props.daysLeft === 0) return <span className="badge bg-danger">{t("desk.clock.today")}</span>;
  return (
    <span className={`badge ${props.daysLeft <= 7 ? "bg-warning text-dark" : "bg-success"}`}>
      {t("desk.clock.daysLeft", { days: props.daysLeft })}
    </span>
  );
}

export function Banner({ children, kind = "success" }: { children: ReactNode; kind?: "success" | "info" }) {
  return (
    <div className={`alert alert-${kind}`} role="status">
      {children}
    </div>
  );
}

export interface PraticaData {
  pratica: {
    id: string;
    cui: string | null;
    title: string;
    regime: string;
    status: string;
    protocolNumber: string | null;
    submittedAt: string | null;
    formData: Record<string, unknown>;
    workflowState: unknown;
  };
  /** the answers in words (catalogue labels), see app/domain/filing/answers.ts */
  answers: { name: string; label: { it: string; en: string }; value: { it: string; en: string } }[];
  attachmentTitles: Record<string, { it: string; en: string }>;
  /** how the procedure ended (the machine's decision), null while it runs */
  outcome: string | null;
  business: { name: string; fiscalCode: string };
  filer: { name: string };
  /** what the SSU exchange told this copy: the conferenza convened by the back office (ADR 0031) */
  ssu?: { conference: { date: string | null; channel: string | null } | null; backOffice?: boolean };
  municipality: { name: string };
  assignee: { id: string; name: string } | null;
  documents: {
    id: string;
    title: string;
    filename: string;
    sha256: string;
    created_at: string;
    protocol_label: string | null;
    /** ADR 0016: "pending" while the seal or its timestamp is queued, "failed" when the retries are over. */
    seal_status?: "pending" | "applied" | "failed" | null;
  }[];
  attachments: {
    id: string;
    code: string;
    filename: string;
    sha256: string;
    size: number;
    signature?: unknown;
  }[];
  timeline: {
    seq: number;
    type: string;
    label: string;
    actorKind: string;
    actorName: string | null;
    payload: Record<string, unknown>;
    stateAfter: string;
    at: string;
  }[];
  deadlines: { name: string; due: string; status: string }[];
  clock: {
    finalDue: string | null;
    finalDueProvisional: boolean;
    integrationDue: string | null;
    observationsDue: string | null;
    suspended: boolean;
    interrupted: boolean;
    daysLeft: number | null;
  } | null;
  clockDetail: {
    start: string;
    termDays: number;
    periods: { kind: string; from: string; to: string; days: number }[];
    current: { kind: string; since: string } | null;
    resets: { at: string; termDays: number }[];
    interruptedAt: string | null;
  } | null;
  agencyFlags: {
    code: string;
    name: string;
    status: string;
    outcome: string | null;
    dueDate: string | null;
    reasons: string | null;
    late: boolean;
    termDays?: number | null;
    cappedBy?: string | null;
    suspended?: boolean;
  }[];
  integrationRequests: { from: string; items: string[]; at: string }[];
}

export function PraticaSummary({ data }: { data: PraticaData }) {
  const t = useT();
  const p = data.pratica;
  return (
    <>
      <section aria-labelledby="summary-title" className="mb-5">
        <h2 id="summary-title" className="h4">
          {t("desk.pratica.summary")}
        </h2>
        <dl className="row">
          <dt className="col-sm-4">{t("desk.pratica.cui")}</dt>
          <dd className="col-sm-8">{p.cui ?? "—"}</dd>
          <dt className="col-sm-4">{t("desk.pratica.protocol")}</dt>
          <dd className="col-sm-8">{p.protocolNumber ?? "—"}</dd>
          <dt className="col-sm-4">{t("desk.pratica.submittedAt")}</dt>
          <dd className="col-sm-8">{p.submittedAt ? fmtDateTime(p.submittedAt) : "—"}</dd>
          <dt className="col-sm-4">{t("desk.pratica.regime")}</dt>
          <dd className="col-sm-8">{regimeLabel(t, p.regime)}</dd>
          <dt className="col-sm-4">{t("desk.pratica.status")}</dt>
          <dd className="col-sm-8" data-testid="pratica-status">
            {statusWithOutcome(t.locale, p.status, data.outcome)}
          </dd>
          {data.outcome ? (
            <>
              <dt className="col-sm-4">{t("desk.pratica.outcome")}</dt>
              <dd className="col-sm-8" data-testid="pratica-outcome">
                {outcomeText(t.locale, data.outcome)}
              </dd>
            </>
          ) : null}
          <dt className="col-sm-4">{t("desk.pratica.business")}</dt>
          <dd className="col-sm-8">{data.business.name}</dd>
          <dt className="col-sm-4">{t("desk.pratica.fiscalCode")}</dt>
          <dd className="col-sm-8">{data.business.fiscalCode}</dd>
          <dt className="col-sm-4">{t("desk.pratica.filer")}</dt>
          <dd className="col-sm-8">{data.filer.name}</dd>
          {data.ssu?.conference ? (
            <>
              <dt className="col-sm-4">{t("desk.pratica.conference")}</dt>
              <dd className="col-sm-8" data-testid="pratica-conference">
                {data.ssu.conference.channel
                  ? t("desk.pratica.conferenceConvened", {
                      date: fmtDate(data.ssu.conference.date),
                      channel: data.ssu.conference.channel,
                    })
                  : t("desk.pratica.conferenceNotified", { date: fmtDate(data.ssu.conference.date) })}
              </dd>
            </>
          ) : null}
          <dt className="col-sm-4">{t("desk.pratica.comune")}</dt>
          <dd className="col-sm-8">{data.municipality.name}</dd>
          <dt className="col-sm-4">{t("desk.pratica.assignee")}</dt>
          <dd className="col-sm-8" data-testid="pratica-assignee">
            {data.assignee?.name ?? t("desk.unassigned")}
          </dd>
        </dl>
      </section>

      <ClockSection data={data} />

      <section aria-labelledby="agencies-title" className="mb-5">
        <h2 id="agencies-title" className="h4">
          {t("desk.pratica.agencies")}
        </h2>
        {data.agencyFlags
          .filter((a) => a.late)
          .map((a) => (
            <p key={a.code} className="alert alert-warning">
              {t("desk.pratica.lateOpinion", { agency: a.name, date: fmtDate(a.dueDate) })}
            </p>
          ))}
        {data.agencyFlags.length ? (
          <div className="table-responsive">
            <table className="table">
              <caption className="visually-hidden">{t("desk.pratica.agencies")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("desk.pratica.agency")}</th>
                  <th scope="col">{t("desk.pratica.agencyStatus")}</th>
                  <th scope="col">{t("desk.pratica.agencyDue")}</th>
                  <th scope="col">{t("desk.pratica.agencyReasons")}</th>
                </tr>
              </thead>
              <tbody>
                {data.agencyFlags.map((a) => (
                  <tr key={a.code}>
                    <th scope="row">{a.name}</th>
                    <td>
                      {statusLabel(t, a.status)}
                      {a.outcome ? ` — ${outcomeText(t.locale, a.outcome)}` : ""}
                      {a.late ? (
                        <span className="badge bg-danger ms-2">{t("desk.badge.lateOpinion")}</span>
                      ) : null}
                    </td>
                    <td>
                      {fmtDate(a.dueDate)}
                      <AgencyDueWhy agency={a} />
                    </td>
                    <td>{a.reasons ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>{t("desk.pratica.noAgencies")}</p>
        )}
        {data.integrationRequests.length ? (
          <>
            <h3 className="h5">{t("desk.pratica.integrationRequests")}</h3>
            <ul data-testid="integration-requests">
              {data.integrationRequests.map((r) => (
                <li key={`${r.from}-${r.at}`}>
                  {r.from === "suap"
                    ? t("journey.requester.fromSuap", { date: fmtDate(r.at) })
                    : t("desk.pratica.integrationFrom", {
                        from: requesterName(t, r.from, data.agencyFlags),
                        date: fmtDate(r.at),
                      })}
                  <ul>
                    {r.items.map((i) => (
                      <li key={i}>{i}</li>
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>

      <section aria-labelledby="answers-title" className="mb-5">
        <h2 id="answers-title" className="h4">
          {t("desk.pratica.answers")}
        </h2>
        {data.answers.length ? (
          <div className="table-responsive">
            <table className="table table-sm">
              <caption className="visually-hidden">{t("desk.pratica.answers")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("desk.pratica.field")}</th>
                  <th scope="col">{t("desk.pratica.value")}</th>
                </tr>
              </thead>
              <tbody>
                {data.answers.map((a) => (
                  <tr key={a.name}>
                    <th scope="row">{a.label[t.locale]}</th>
                    <td>{a.value[t.locale]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>{t("desk.pratica.noAnswers")}</p>
        )}
      </section>

      <section aria-labelledby="attachments-title" className="mb-5">
        <h2 id="attachments-title" className="h4">
          {t("desk.pratica.attachments")}
        </h2>
        {data.attachments.length ? (
          <>
            <ul data-testid="attachments">
              {data.attachments.map((a) => (
                <li key={a.id}>
                  {attachmentTitle(data.attachmentTitles, a.code, t.locale)}:{" "}
                  <a
                    href={`/allegati/${a.id}`}
                    target="_blank"
                    rel="noreferrer"
                    aria-label={t("desk.pratica.openAttachment", { name: a.filename })}
                  >
                    {a.filename}
                  </a>{" "}
                  — {t("desk.pratica.hash")} <code className="text-break">{a.sha256}</code>
                  <SignatureReport report={a.signature} />
                </li>
              ))}
            </ul>
            <p>
              <a href={`/fascicolo/${p.id}/allegati.zip`} download className="btn btn-outline-primary btn-sm">
                {t("desk.pratica.attachmentsZip", { count: data.attachments.length })}
              </a>
            </p>
          </>
        ) : (
          <p>{t("desk.pratica.noAttachments")}</p>
        )}
      </section>

      <section aria-labelledby="documents-title" className="mb-5">
        <h2 id="documents-title" className="h4">
          {t("desk.pratica.documents")}
        </h2>
        {data.documents.length ? (
          <div className="table-responsive">
            <table className="table" data-testid="documents">
              <caption className="visually-hidden">{t("desk.pratica.documents")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("desk.pratica.document")}</th>
                  <th scope="col">{t("desk.pratica.protocol")}</th>
                  <th scope="col">{t("desk.pratica.date")}</th>
                  <th scope="col">{t("desk.pratica.hash")}</th>
                </tr>
              </thead>
              <tbody>
                {data.documents.map((d) => (
                  <tr key={d.id}>
                    <th scope="row">
                      <a
                        href={`/documenti/${d.id}`}
                        aria-label={t("desk.pratica.download", { name: d.title })}
                      >
                        {d.title}
                      </a>
                    </th>
                    <td>{d.protocol_label ?? "—"}</td>
                    <td>{fmtDateTime(d.created_at)}</td>
                    <td>
                      <code className="text-break small">{d.sha256}</code>
                      {d.seal_status === "pending" || d.seal_status === "failed" ? (
                        <span className="badge bg-secondary ms-2" data-testid="seal-badge">
                          {t(`signature.seal.badge.${d.seal_status}`)}
                        </span>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>{t("desk.pratica.noDocuments")}</p>
        )}
      </section>

      <section aria-labelledby="timeline-title" className="mb-5">
        <h2 id="timeline-title" className="h4">
          {t("desk.pratica.timeline")}
        </h2>
        <ol data-testid="timeline">
          {data.timeline.map((e) => (
            <li key={e.seq}>
              <strong>
                {e.type === "PROTOCOL_ANNUL" ? t("protocol.annul.timeline") : eventText(t.locale, e.type)}
              </strong>{" "}
              — {fmtDateTime(e.at)}{" "}
              {t("desk.pratica.timelineBy", {
                actor:
                  e.actorName ??
                  (e.actorKind.startsWith("system")
                    ? t("desk.actor.system")
                    : e.actorKind.startsWith("ssu:")
                      ? t("desk.actor.ssu")
                      : e.actorKind.startsWith("pec:")
                        ? t("desk.actor.pec", { address: e.actorKind.split(":").slice(2).join(":") })
                        : (actorWords[e.actorKind as keyof typeof actorWords]?.[t.locale] ??
                          t("desk.actor.system"))),
              })}{" "}
              ({statusLabel(t, e.stateAfter)})
              {typeof e.payload.reasons === "string" && e.payload.reasons ? (
                <div className="small">{e.payload.reasons}</div>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}

/**
 * Why an agency's due date comes before the days it was given: the SCIA unica cap before the final term
 * (art. 19-bis c.2 L. 241/1990), said in words next to the date.
 */
export function AgencyDueWhy({
  agency,
  testId = "agency-due-why",
}: {
  agency: { termDays?: number | null; cappedBy?: string | null };
  testId?: string;
}) {
  const t = useT();
  if (!agency.cappedBy || !agency.termDays) return null;
  return (
    <div className="small" data-testid={testId}>
      {t("desk.pratica.agencyDueCapped", { days: agency.termDays, final: fmtDate(agency.cappedBy) })}
    </div>
  );
}

/**
 * Each agency's due date as one sentence, with the reason when it comes before the days it was given: the
 * agency's own opinion panel and the desk's summary after forwarding say the same thing as the table.
 */
export function AgencyDueSentences({
  agencies,
}: {
  agencies: {
    code: string;
    name: string;
    status: string;
    dueDate: string | null;
    termDays?: number | null;
    cappedBy?: string | null;
    suspended?: boolean;
  }[];
}) {
  const t = useT();
  const pending = agencies.filter((a) => a.status === "pending" && a.dueDate);
  if (!pending.length) return null;
  return (
    <ul className="list-unstyled" data-testid="agency-due-sentences">
      {pending.map((a) => (
        <li key={a.code} className="mb-2" data-testid={`agency-due-${a.code}`}>
          {t(a.suspended ? "journey.agencyDue.provisional" : "journey.agencyDue", {
            agency: a.name,
            date: fmtDate(a.dueDate),
            days: a.termDays ?? "-",
          })}
          <AgencyDueWhy agency={a} testId="agency-due-sentence-why" />
        </li>
      ))}
    </ul>
  );
}

function ClockSection({ data }: { data: PraticaData }) {
  const t = useT();
  const c = data.clock;
  const d = data.clockDetail;
  return (
    <section aria-labelledby="clock-title" className="mb-5">
      <h2 id="clock-title" className="h4">
        {t("desk.pratica.clock")}
      </h2>
      {c && d ? (
        <dl className="row" data-testid="clock">
          <dt className="col-sm-4">{t("desk.pratica.clockStart")}</dt>
          <dd className="col-sm-8">{fmtDate(d.start)}</dd>
          <dt className="col-sm-4">{t("desk.pratica.clockTerm")}</dt>
          <dd className="col-sm-8">{t("desk.pratica.clockTermDays", { days: d.termDays })}</dd>
          <dt className="col-sm-4">{finalDueLabel(t.locale, c.finalDueProvisional)}</dt>
          <dd className="col-sm-8" data-testid="final-due">
            {fmtDate(c.finalDue)} <ClockBadge daysLeft={c.daysLeft} suspended={c.suspended} ended={false} />
          </dd>
          {c.integrationDue ? (
            <>
              <dt className="col-sm-4">{t("desk.pratica.integrationDue")}</dt>
              <dd className="col-sm-8" data-testid="integration-due">
                {fmtDate(c.integrationDue)}
              </dd>
            </>
          ) : null}
          {c.observationsDue ? (
            <>
              <dt className="col-sm-4">{t("desk.pratica.observationsDue")}</dt>
              <dd className="col-sm-8" data-testid="observations-due">
                {fmtDate(c.observationsDue)}
              </dd>
            </>
          ) : null}
          {d.interruptedAt ? (
            <>
              <dt className="col-sm-4">{t("desk.pratica.interrupted")}</dt>
              <dd className="col-sm-8">{fmtDate(d.interruptedAt)}</dd>
            </>
          ) : null}
          {d.periods.length || d.current ? (
            <>
              <dt className="col-sm-4">{t("desk.pratica.suspensions")}</dt>
              <dd className="col-sm-8">
                <ul className="mb-0" data-testid="suspensions">
                  {d.periods.map((s) => (
                    <li key={`${s.kind}-${s.from}`}>
                      {t("desk.pratica.suspensionPeriod", {
                        kind: t(`desk.suspension.${s.kind}` as MessageKey),
                        from: fmtDate(s.from),
                        to: fmtDate(s.to),
                        days: s.days,
                      })}
                    </li>
                  ))}
                  {d.current ? (
                    <li>
                      {t("desk.pratica.suspendedSince", {
                        kind: t(`desk.suspension.${d.current.kind}` as MessageKey),
                        since: fmtDate(d.current.since),
                      })}
                    </li>
                  ) : null}
                </ul>
              </dd>
            </>
          ) : null}
          {d.resets.map((r) => (
            <dd key={r.at} className="col-sm-8 offset-sm-4">
              {t("desk.pratica.resets", { date: fmtDate(r.at), days: r.termDays })}
            </dd>
          ))}
        </dl>
      ) : (
        <p>{t("desk.clock.none")}</p>
      )}
      {data.deadlines.length ? (
        <div className="table-responsive">
          <table className="table table-sm">
            <caption>{t("desk.pratica.deadlines")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("desk.pratica.deadline")}</th>
                <th scope="col">{t("desk.pratica.date")}</th>
                <th scope="col">{t("desk.pratica.deadlineStatus")}</th>
              </tr>
            </thead>
            <tbody>
              {data.deadlines.map((dl) => (
                <tr key={dl.name}>
                  <th scope="row">
                    {dl.name === "final"
                      ? finalDueLabel(t.locale, Boolean(c?.finalDueProvisional))
                      : deadlineText(t.locale, dl.name, data.agencyFlags)}
                  </th>
                  <td>{fmtDate(String(dl.due))}</td>
                  <td>
                    {dl.status === "suspended"
                      ? t("desk.pratica.deadlineSuspended")
                      : t("desk.pratica.deadlineActive")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** One act's short form: a fieldset with a hidden act type, its fields, a submit button. */
/** Who asked an integration, in words: the desk itself ("suap" in the machine) or the agency's name. */
export function requesterName(
  t: Translate,
  from: string,
  agencies: readonly { code: string; name: string }[],
) {
  if (from === "suap") return t("journey.requester.suap");
  return agencies.find((a) => a.code === from)?.name ?? from;
}

export function ActForm(props: {
  act: string;
  label: string;
  errors?: FieldError[];
  active?: boolean;
  children?: ReactNode;
  danger?: boolean;
}) {
  const t = useT();
  const id = `act-${props.act}`;
  return (
    <Form
      method="post"
      noValidate
      className="border rounded p-3 mb-3"
      aria-labelledby={`${id}-title`}
      id={id}
    >
      <h3 className="h5" id={`${id}-title`}>
        {props.label}
      </h3>
      <CsrfInput />
      <input type="hidden" name="act" value={props.act} />
      {props.children}
      {/* Archiving issues no document and sends nothing: the hint would say otherwise. */}
      {props.act !== "ARCHIVE" ? <p className="small text-muted mb-2">{t("desk.form.confirmHint")}</p> : null}
      <button type="submit" className={`btn ${props.danger ? "btn-danger" : "btn-primary"}`}>
        {props.label}
      </button>
    </Form>
  );
}

/** A textarea with label, error and aria wiring; ids are prefixed by the act so several forms coexist. */
export function TextArea(props: {
  act: string;
  name: string;
  label: string;
  errors?: FieldError[];
  required?: boolean;
  defaultValue?: string;
}) {
  const id = props.errors?.length ? props.name : `${props.act}-${props.name}`;
  const error = fieldError(props.errors, props.name);
  return (
    <div className="form-group mb-3">
      <label htmlFor={id} className="active">
        {props.label}
      </label>
      {error ? (
        <div id={`${id}-error`} className="text-danger d-block">
          {error}
        </div>
      ) : null}
      <textarea
        id={id}
        name={props.name}
        className={`form-control${error ? " is-invalid" : ""}`}
        rows={3}
        required={props.required}
        defaultValue={props.defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
    </div>
  );
}

export function NumberInput(props: {
  act: string;
  name: string;
  label: string;
  defaultValue: number;
  errors?: FieldError[];
  /** A label above the field, in the flow: for fields right under other controls (a floating label overlaps them). */
  stacked?: boolean;
}) {
  const id = props.errors?.length ? props.name : `${props.act}-${props.name}`;
  const error = fieldError(props.errors, props.name);
  return (
    <div className={props.stacked ? "mb-3 ms-4" : "form-group mb-3"}>
      <label htmlFor={id} className={props.stacked ? "form-label small" : "active"}>
        {props.label}
      </label>
      {error ? (
        <div id={`${id}-error`} className="text-danger d-block">
          {error}
        </div>
      ) : null}
      <input
        id={id}
        name={props.name}
        type="number"
        min={1}
        max={365}
        inputMode="numeric"
        className={`form-control${error ? " is-invalid" : ""}`}
        defaultValue={props.defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
    </div>
  );
}
