import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { itDate, StatusTag } from "~/components/filing/fields";
import { eventText, type MessageKey } from "~/i18n";
import { deadlineText, finalDueLabel, outcomeText, statusWithOutcome } from "~/i18n/modules/words";
import { attachmentTitle } from "~/domain/filing/answers";
import { useLocale, useT } from "~/i18n/useT";
import { requireUser } from "~/server/auth/session.server";
import { isDraft, loadDraft, notFound, taskList } from "~/server/filing/drafts.server";
import { todayIso } from "~/server/pratiche/acts.server";
import { loadPraticaView } from "~/server/pratiche/view.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";
import { SignatureReport } from "~/components/signature/SignatureReport";
import { ProtocolEntries, type ProtocolEntryData } from "~/components/protocol/entries";
import { protocolEntriesOf } from "~/server/protocol/views.server";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Pratica") }];

/** A draft shows its task list; a submitted pratica its detail (timeline, documents, clock, acts). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const id = params.id ?? "";
  const view = await loadPraticaView(db(), user.principal, id, todayIso());
  if (!view) throw notFound();
  if (view.pratica.status === "draft") {
    const ctx = await loadDraft(db(), user, id);
    if (!isDraft(ctx)) throw notFound();
    return { mode: "draft" as const, id, title: ctx.bundle.title, tasks: await taskList(db(), ctx) };
  }
  return {
    mode: "detail" as const,
    id,
    view,
    protocolEntries: await protocolEntriesOf(db(), view.pratica.id),
  };
}

export default function PraticaPage() {
  const data = useLoaderData<typeof loader>();
  return data.mode === "draft" ? (
    <TaskList data={data} />
  ) : (
    <Detail view={data.view} protocolEntries={data.protocolEntries} />
  );
}

function TaskList({
  data,
}: {
  data: Extract<ReturnType<typeof useLoaderData<typeof loader>>, { mode: "draft" }>;
}) {
  const t = useT();
  const locale = useLocale();
  const [params] = useSearchParams();
  const { tasks } = data;
  const item = (task: (typeof tasks.sections)[number]) => (
    <li key={task.id} className="d-flex justify-content-between align-items-center border-bottom py-2">
      {task.status === "cannot_start" ? (
        <span>{task.title[locale]}</span>
      ) : (
        <Link to={task.href} aria-describedby={`status-${task.id}`}>
          {task.title[locale]}
        </Link>
      )}
      <span id={`status-${task.id}`}>
        <StatusTag status={task.status} label={t(`filing.tasks.${task.status}` as MessageKey)} />
      </span>
    </li>
  );
  return (
    <div className="row">
      <div className="col-lg-8">
        {params.get("salvata") ? (
          <div className="alert alert-success" role="status">
            {t("filing.tasks.saved")}
          </div>
        ) : null}
        <p className="text-muted mb-1">{data.title[locale]}</p>
        <h1>{t("filing.tasks.title")}</h1>
        <p>{t("filing.tasks.progress", { done: tasks.completedCount, total: tasks.total })}</p>
        <h2 className="h4 mt-4">{t("filing.tasks.sections")}</h2>
        <ul className="list-unstyled">{tasks.sections.map(item)}</ul>
        <h2 className="h4 mt-4">{t("filing.attachments.title")}</h2>
        <ul className="list-unstyled">{item(tasks.attachments)}</ul>
        <h2 className="h4 mt-4">{t("filing.tasks.check")}</h2>
        <ul className="list-unstyled">{item(tasks.summary)}</ul>
        <p className="mt-4 d-flex gap-4 flex-wrap">
          <Link to="/pratiche">{t("filing.tasks.backToList")}</Link>
          <Link to={`/pratiche/${data.id}/elimina`} className="text-danger">
            {t("filing.tasks.delete")}
          </Link>
        </p>
      </div>
    </div>
  );
}

type View = Extract<ReturnType<typeof useLoaderData<typeof loader>>, { mode: "detail" }>["view"];

function Detail({ view, protocolEntries }: { view: View; protocolEntries: ProtocolEntryData[] }) {
  const t = useT();
  const [params] = useSearchParams();
  const p = view.pratica;
  const applicantActs = view.acts.filter((a) =>
    [
      "INTEGRATION_RECEIVED",
      "OBSERVATIONS_RECEIVED",
      "CONFORMED",
      "REQUEST_CONSENT_ATTESTATION",
      "CANCEL",
      "CORRECTED",
    ].includes(a.type),
  );
  return (
    <div className="row">
      <div className="col-lg-9">
        {params.get("fatto") ? (
          <div className="alert alert-success" role="status">
            {t("filing.act.done")}
          </div>
        ) : null}
        <h1>{p.title}</h1>
        <p>
          <StatusTag status={p.status} label={statusWithOutcome(t.locale, p.status, view.outcome)} />{" "}
          {p.protocolNumber ? (
            <span className="ms-2">
              {t("filing.list.col.protocol")}: {p.protocolNumber}
              {protocolEntries.some((e) => e.label === p.protocolNumber && e.annulled) ? (
                <span className="badge bg-danger ms-2">{t("protocol.entries.annulled")}</span>
              ) : null}
            </span>
          ) : null}
        </p>
        <ProtocolEntries entries={protocolEntries} />
        <h2 className="h4 mt-4">{t("filing.detail.acts")}</h2>
        {applicantActs.length ? (
          <ul>
            {applicantActs.map((a) => (
              <li key={a.type}>
                <Link to={`/pratiche/${p.id}/atti/${a.type}`}>{t(`filing.act.${a.type}` as MessageKey)}</Link>
              </li>
            ))}
          </ul>
        ) : (
          <p>{t("filing.detail.noActs")}</p>
        )}
        <h2 className="h4 mt-4">{t("filing.detail.data")}</h2>
        <dl className="row">
          <dt className="col-sm-4">{t("filing.receipt.cui")}</dt>
          <dd className="col-sm-8 text-break">{p.cui}</dd>
          <dt className="col-sm-4">{t("filing.detail.business")}</dt>
          <dd className="col-sm-8">{view.business.name}</dd>
          <dt className="col-sm-4">{t("filing.detail.comune")}</dt>
          <dd className="col-sm-8">{view.municipality.name}</dd>
          <dt className="col-sm-4">{t("filing.detail.regime")}</dt>
          <dd className="col-sm-8">{t(`filing.regime.${p.regime}` as MessageKey)}</dd>
          <dt className="col-sm-4">{t("filing.detail.submitted")}</dt>
          <dd className="col-sm-8">{itDate(p.submittedAt)}</dd>
        </dl>
        <p>
          <Link to={`/pratiche/${p.id}/ricevuta`}>{t("filing.detail.receipt")}</Link>
        </p>
        {view.outcome ? (
          <>
            <h2 className="h4 mt-4">{t("filing.detail.outcome")}</h2>
            <p data-testid="pratica-outcome">{outcomeText(t.locale, view.outcome)}</p>
          </>
        ) : null}
        <h2 className="h4 mt-4">{t("filing.detail.clock")}</h2>
        {p.ended ? (
          <p>{t("filing.detail.ended")}</p>
        ) : (
          <dl className="row" data-testid="pratica-terms">
            {/* One final date, the clock's; while suspended it is the latest it can become. */}
            <dt className="col-sm-4">{finalDueLabel(t.locale, Boolean(view.clock?.finalDueProvisional))}</dt>
            <dd className="col-sm-8" data-testid="final-due">
              {view.clock?.finalDue
                ? itDate(view.clock.finalDue)
                : p.regime === "comunicazione"
                  ? t("filing.receipt.dueNone")
                  : t("filing.detail.noTerm")}
            </dd>
            {view.deadlines
              .filter((d) => d.name !== "final")
              .map((d) => (
                <div key={d.name} style={{ display: "contents" }}>
                  <dt className="col-sm-4">{deadlineText(t.locale, d.name, view.agencies)}</dt>
                  <dd className="col-sm-8">{itDate(d.due)}</dd>
                </div>
              ))}
          </dl>
        )}
        {!p.ended && view.clock?.suspended ? <p>{t("filing.detail.clockSuspended")}</p> : null}
        <h2 className="h4 mt-4">{t("filing.detail.timeline")}</h2>
        <ol>
          {view.timeline.map((e) => (
            <li key={e.seq}>
              {itDate(e.at)} - {eventText(t.locale, e.type)}
            </li>
          ))}
        </ol>
        <h2 className="h4 mt-4">{t("filing.detail.documents")}</h2>
        <ul>
          {view.documents.map((d) => (
            <li key={d.id}>
              <a href={`/documenti/${d.id}`} download>
                {d.title}
              </a>{" "}
              ({d.protocol_label ?? ""} {itDate(d.created_at)})
              {d.seal_status === "pending" || d.seal_status === "failed" ? (
                <span className="badge bg-secondary ms-2" data-testid="seal-badge">
                  {t(`signature.seal.badge.${d.seal_status}`)}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
        <h2 className="h4 mt-4">{t("filing.detail.attachments")}</h2>
        <ul>
          {view.attachments.map((a) => (
            <li key={a.id}>
              {attachmentTitle(view.attachmentTitles, a.code, t.locale)}:{" "}
              <a href={`/documenti/${a.id}`} download>
                {a.filename}
              </a>{" "}
              <code className="small text-break">SHA-256 {a.sha256}</code>
              <SignatureReport report={a.signature} />
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
