import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import {
  ActForm,
  AgencyDueSentences,
  actLabel,
  Banner,
  NumberInput,
  PraticaSummary,
  requesterName,
  TextArea,
} from "~/components/desk/ui";
import { type CallView, PendingCalls } from "~/components/integrations/calls";
import { CsrfInput, ErrorSummary, type FieldError } from "~/components/forms";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { notFound } from "~/server/desk/access.server";
import { CANCEL_GROUNDS, needsConfirmation, parseOfficerAct } from "~/domain/desk/act-forms";
import { deskPost } from "~/server/desk/perform.server";
import { type DeskPratica, loadDeskPratica } from "~/server/desk/pratica.server";
import { openCallViews } from "~/server/integrations/queue.server";
import { todayIso } from "~/server/pratiche/acts.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";
import { ProtocolEntries, type ProtocolEntryData } from "~/components/protocol/entries";
import { can } from "~/domain/policy";
import { protocolEntriesOf } from "~/server/protocol/views.server";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Pratica - Scrivania") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const view = await loadDeskPratica(db(), user.principal, params.id ?? "", todayIso());
  if (!view) throw notFound();
  const done = new URL(request.url).searchParams.get("fatto");
  // The banner claims a protocolled document only when the act issued one (ARCHIVE issues none).
  const noDocument = new URL(request.url).searchParams.get("documenti") === "0";
  const calls = await openCallViews(db(), { praticaId: view.pratica.id });
  const protocolEntries = await protocolEntriesOf(db(), view.pratica.id);
  const canAnnul = can(user.principal, { type: "desk.dashboard", deskId: view.desk.id });
  return {
    view,
    calls,
    me: user.id,
    done: done && /^[A-Z_]{3,40}$/.test(done) ? done : null,
    noDocument,
    protocolEntries,
    canAnnul,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await readForm(request);
  const user = await requireUser(request);
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const id = params.id ?? "";
  // Existence first: someone outside the desk gets the same 404 as for a missing pratica.
  const view = await loadDeskPratica(db(), user.principal, id, todayIso());
  if (!view) throw notFound();
  if (needsConfirmation(form)) {
    // A valid act that ends the procedure against the business is confirmed first; an invalid one falls
    // through to the usual errors.
    const parsed = parseOfficerAct(form, todayIso());
    if (parsed.ok && view.acts.some((a) => a.type === parsed.event.type)) {
      const reasons = "reasons" in parsed.event ? (parsed.event.reasons ?? "") : "";
      const ground = parsed.event.type === "CANCEL_BY_OFFICE" ? parsed.event.ground : undefined;
      return Response.json({ confirm: { act: parsed.event.type, reasons, ...(ground ? { ground } : {}) } });
    }
  }
  const result = await deskPost(user, id, form, t);
  if (result.ok)
    return redirect(
      `/scrivania/pratiche/${id}?fatto=${result.done}${result.documents === 0 ? "&documenti=0" : ""}`,
    );
  return Response.json(
    { errors: result.errors, act: String(form.get("act") ?? "") },
    { status: result.status },
  );
}

export default function DeskPraticaPage() {
  const t = useT();
  const { view, calls, me, done, noDocument, protocolEntries, canAnnul } = useLoaderData<
    typeof loader
  >() as unknown as {
    noDocument: boolean;
    view: DeskPratica;
    calls: CallView[];
    me: string;
    done: string | null;
    protocolEntries: ProtocolEntryData[];
    canAnnul: boolean;
  };
  const data = useActionData<{ errors?: FieldError[]; act?: string; confirm?: ConfirmData }>();
  const errorsFor = (act: string) => (data?.act === act ? data.errors : undefined);
  if (data?.confirm)
    return <ConfirmAct id={view.pratica.id} regime={view.pratica.regime} data={data.confirm} />;
  return (
    <div>
      <p>
        <Link to="/scrivania">{t("desk.pratica.back")}</Link>
      </p>
      <h1>{view.pratica.title}</h1>
      <p className="lead">
        {view.pratica.protocolNumber ?? view.pratica.cui}
        {protocolEntries.some((e) => e.label === view.pratica.protocolNumber && e.annulled) ? (
          <span className="badge bg-danger ms-2">{t("protocol.entries.annulled")}</span>
        ) : null}{" "}
        · {view.business.name} · {view.municipality.name}
      </p>
      {done ? (
        <Banner>
          {done === "ASSIGN"
            ? t("desk.done.assign")
            : done === "PROTOCOL_ANNUL"
              ? t("protocol.annul.done")
              : noDocument
                ? t("journey.done.noDocument", { act: actLabel(t, done) })
                : t("desk.done", { act: actLabel(t, done) })}
        </Banner>
      ) : null}
      {done === "FORWARD_TO_AGENCIES" ? (
        <section aria-labelledby="forwarded-title" className="mb-4" data-testid="forwarded-summary">
          <h2 id="forwarded-title" className="h5">
            {t("journey.forwarded.title")}
          </h2>
          <AgencyDueSentences agencies={view.agencyFlags} />
        </section>
      ) : null}
      <ErrorSummary errors={data?.errors ?? []} />
      <div className="row">
        <div className="col-lg-7">
          <PraticaSummary data={view} />
          <ProtocolEntries
            entries={protocolEntries}
            annulHref={
              canAnnul
                ? (entry) => `/scrivania/pratiche/${view.pratica.id}/protocollo/${entry}/annulla`
                : undefined
            }
          />
          <PendingCalls calls={calls} />
        </div>
        <div className="col-lg-5">
          <section aria-labelledby="assign-title" className="mb-4">
            <h2 id="assign-title" className="h4">
              {t("desk.pratica.assign")}
            </h2>
            {!view.pratica.ended ? (
              <>
                {view.assignee?.id === me ? (
                  <p data-testid="assigned-to-me">{t("desk.pratica.assignedToYou")}</p>
                ) : (
                  <Form method="post" className="mb-2">
                    <CsrfInput />
                    <input type="hidden" name="act" value="ASSIGN" />
                    <input type="hidden" name="assignee" value="me" />
                    <button type="submit" className="btn btn-outline-primary">
                      {t("desk.pratica.takeCharge")}
                    </button>
                  </Form>
                )}
                <Form method="post" className="d-flex gap-2 align-items-end">
                  <CsrfInput />
                  <input type="hidden" name="act" value="ASSIGN" />
                  <div className="select-wrapper flex-grow-1">
                    <label htmlFor="assignee" className="active">
                      {t("desk.pratica.assignTo")}
                    </label>
                    <select
                      id="assignee"
                      name="assignee"
                      className="form-select"
                      defaultValue={view.assignee?.id ?? "none"}
                    >
                      <option value="none">{t("desk.unassigned")}</option>
                      {view.colleagues.map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.name}
                        </option>
                      ))}
                    </select>
                  </div>
                  <button type="submit" className="btn btn-primary">
                    {t("desk.pratica.assignSubmit")}
                  </button>
                </Form>
              </>
            ) : null}
          </section>
          <section aria-labelledby="acts-title">
            <h2 id="acts-title" className="h4">
              {t("desk.pratica.acts")}
            </h2>
            {view.acts.length === 0 ? <p>{t("desk.pratica.noActs")}</p> : null}
            {view.acts.map((a) => (
              <ActFields key={a.type} type={a.type} view={view} errors={errorsFor(a.type)} />
            ))}
          </section>
        </div>
      </div>
    </div>
  );
}

type ConfirmData = { act: string; reasons: string; ground?: string };

/** The second step of an act that ends the procedure against the business: it names the consequence. */
function ConfirmAct({ id, regime, data }: { id: string; regime: string; data: ConfirmData }) {
  const t = useT();
  const label = actLabel(t, data.act);
  const consequence =
    data.act === "DENY"
      ? regime.startsWith("scia")
        ? t("desk.confirm.DENY.scia")
        : t("desk.confirm.DENY.other")
      : data.act === "CANCEL_BY_OFFICE"
        ? data.ground === "withdrawal"
          ? t("journey.confirm.cancelWithdrawal")
          : t("journey.confirm.cancelOffice")
        : t("desk.confirm.REFUSE_INADMISSIBLE");
  return (
    <div>
      <h1>{t("desk.confirm.title", { act: label })}</h1>
      <section aria-labelledby="confirm-title" className="border border-danger rounded p-3 mb-4">
        <h2 id="confirm-title" className="h4">
          {t("desk.confirm.consequence")}
        </h2>
        <p data-testid="confirm-consequence">{consequence}</p>
        {data.reasons ? (
          <>
            <h3 className="h6">{t("desk.form.reasons")}</h3>
            <p data-testid="confirm-reasons">{data.reasons}</p>
          </>
        ) : null}
        <Form method="post" className="d-flex gap-3 align-items-center">
          <CsrfInput />
          <input type="hidden" name="act" value={data.act} />
          <input type="hidden" name="reasons" value={data.reasons} />
          {data.ground ? <input type="hidden" name="ground" value={data.ground} /> : null}
          <input type="hidden" name="confirm" value="1" />
          <button type="submit" className="btn btn-danger">
            {t("desk.confirm.submit", { act: label })}
          </button>
          <Link to={`/scrivania/pratiche/${id}`}>{t("desk.confirm.cancel")}</Link>
        </Form>
      </section>
    </div>
  );
}

function ActFields({ type, view, errors }: { type: string; view: DeskPratica; errors?: FieldError[] }) {
  const t = useT();
  const label = actLabel(t, type);
  const reasons = (required: boolean) => (
    <TextArea act={type} name="reasons" label={t("desk.form.reasons")} errors={errors} required={required} />
  );
  switch (type) {
    case "REQUEST_CORRECTION":
      return (
        <ActForm act={type} label={label}>
          <TextArea act={type} name="items" label={t("desk.form.items")} errors={errors} />
          {reasons(false)}
        </ActForm>
      );
    case "REFUSE_INADMISSIBLE":
    case "NOTICE_OF_REFUSAL":
    case "DENY":
      return (
        <ActForm act={type} label={label} danger>
          {reasons(true)}
        </ActForm>
      );
    case "CANCEL_BY_OFFICE":
      return (
        <ActForm act={type} label={label} danger>
          <CancelGround errors={errors} />
          {reasons(true)}
        </ActForm>
      );
    case "GRANT":
    case "CONCLUDE_CHECKS":
      return (
        <ActForm act={type} label={label}>
          {reasons(false)}
        </ActForm>
      );
    case "FORWARD_TO_AGENCIES":
      return (
        <ActForm act={type} label={label}>
          <fieldset className="mb-3">
            <legend className="h6">{t("desk.form.agencies")}</legend>
            {view.agencyChoices
              .filter((a) => !a.involved)
              .map((a) => (
                <div key={a.code} className="mb-3">
                  <div className="form-check">
                    <input
                      className="form-check-input"
                      type="checkbox"
                      name="agency"
                      value={a.code}
                      id={`agency-${a.code}`}
                      defaultChecked={a.suggested}
                    />
                    <label className="form-check-label" htmlFor={`agency-${a.code}`}>
                      {a.name}
                      {a.suggested ? (
                        <span className="d-block small">
                          {t("desk.form.suggested", { items: a.endoproceedings.join("; ") })}
                        </span>
                      ) : null}
                    </label>
                  </div>
                  <NumberInput
                    act={type}
                    name={`days_${a.code}`}
                    label={t("desk.form.agencyDays", { agency: a.name })}
                    defaultValue={a.termDays}
                    errors={errors}
                    stacked
                  />
                </div>
              ))}
          </fieldset>
        </ActForm>
      );
    case "SEND_INTEGRATION_REQUEST":
      return (
        <ActForm act={type} label={label}>
          {view.integrationRequests.length ? (
            <ul className="small">
              {view.integrationRequests.map((r) => (
                <li key={`${r.from}-${r.at}`}>
                  {requesterName(t, r.from, view.agencies)}: {r.items.join("; ")}
                </li>
              ))}
            </ul>
          ) : null}
          <TextArea act={type} name="items" label={t("desk.form.items")} errors={errors} />
          <NumberInput
            act={type}
            name="answerDays"
            label={t("desk.form.answerDays")}
            defaultValue={30}
            errors={errors}
          />
        </ActForm>
      );
    case "REQUEST_CONFORMATION":
      return (
        <ActForm act={type} label={label}>
          <NumberInput
            act={type}
            name="termDays"
            label={t("desk.form.termDays")}
            defaultValue={30}
            errors={errors}
          />
          {reasons(true)}
        </ActForm>
      );
    default:
      return <ActForm act={type} label={label} />;
  }
}

/** Why the office closes the procedure: the applicant's withdrawal, a duplicate, another ground. */
function CancelGround({ errors }: { errors?: FieldError[] }) {
  const t = useT();
  const error = errors?.find((e) => e.field === "ground")?.message;
  return (
    <fieldset className="mb-3" aria-describedby={error ? "ground-error" : undefined}>
      <legend className="h6">{t("journey.form.ground")}</legend>
      {error ? (
        <div id="ground-error" className="text-danger">
          {error}
        </div>
      ) : null}
      {CANCEL_GROUNDS.map((g, i) => (
        <div className="form-check" key={g}>
          <input
            className="form-check-input"
            type="radio"
            name="ground"
            value={g}
            id={i === 0 && error ? "ground" : `ground-${g}`}
          />
          <label className="form-check-label" htmlFor={i === 0 && error ? "ground" : `ground-${g}`}>
            {t(`journey.ground.${g}`)}
          </label>
        </div>
      ))}
    </fieldset>
  );
}
