import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import {
  ActForm,
  AgencyDueSentences,
  actLabel,
  Banner,
  PraticaSummary,
  TextArea,
} from "~/components/desk/ui";
import { CsrfInput, ErrorSummary, type FieldError, fieldError } from "~/components/forms";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { notFound } from "~/server/desk/access.server";
import { agencyPost } from "~/server/desk/perform.server";
import { type AgencyPratica, loadAgencyPratica } from "~/server/desk/pratica.server";
import { todayIso } from "~/server/pratiche/acts.server";
import { pecOpinionDraft } from "~/server/integrations/pec/steps.server";
import { db } from "~/server/runtime.server";
import { requestCdssFromAgency } from "~/server/desk/agency.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Pratica - Ente terzo") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const view = await loadAgencyPratica(db(), user.principal, params.id ?? "", todayIso());
  if (!view) throw notFound();
  const done = new URL(request.url).searchParams.get("fatto");
  // An opinion that came by PEC without an outcome the portal could read pre-fills the act (ADR 0028).
  const fromPec = view.acts.some((a) => a.type === "AGENCY_CONCLUSION")
    ? await pecOpinionDraft(
        db(),
        view.pratica.id,
        view.myAgencies.map((a) => a.id),
      )
    : null;
  const cdss = new URL(request.url).searchParams.get("cdss") === "richiesta";
  return { view, done: done && /^[A-Z_]{3,40}$/.test(done) ? done : null, fromPec, cdss };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await readForm(request);
  const user = await requireUser(request);
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const id = params.id ?? "";
  const view = await loadAgencyPratica(db(), user.principal, id, todayIso());
  if (!view) throw notFound();
  // A reviewer of several agencies picks which one speaks; by default their only one on this pratica.
  const wanted = String(form.get("agency") ?? "");
  const agency = view.myAgencies.find((a) => a.code === wanted) ?? view.myAgencies[0];
  if (!agency) throw notFound();
  if (form.get("act") === "SSU_REQUEST_CDSS") {
    // Asks the back office's SSU system for a synchronous conferenza (bo_to_et request_cdss, ADR 0031).
    const queued = await requestCdssFromAgency(db(), { praticaId: id, agencyCode: agency.code });
    if (queued) return redirect(`/ente/pratiche/${id}?cdss=richiesta`);
    return Response.json(
      { errors: [{ field: "", message: t("agency.cdss.unavailable") }], act: "SSU_REQUEST_CDSS" },
      { status: 409 },
    );
  }
  const result = await agencyPost(user, id, agency.code, form, t);
  if (result.ok) return redirect(`/ente/pratiche/${id}?fatto=${result.done}`);
  return Response.json(
    { errors: result.errors, act: String(form.get("act") ?? "") },
    { status: result.status },
  );
}

export default function AgencyPraticaPage() {
  const t = useT();
  const { view, done, fromPec, cdss } = useLoaderData<typeof loader>() as unknown as {
    view: AgencyPratica;
    done: string | null;
    fromPec: Awaited<ReturnType<typeof pecOpinionDraft>>;
    cdss: boolean;
  };
  const data = useActionData<{ errors: FieldError[]; act: string }>();
  const errorsFor = (act: string) => (data?.act === act ? data.errors : undefined);
  const agencyName = view.myAgencies.map((a) => a.name).join(", ");
  return (
    <div>
      <p>
        <Link to="/ente">{t("agency.back")}</Link>
      </p>
      <h1>{view.pratica.title}</h1>
      <p className="lead">
        {view.pratica.protocolNumber ?? view.pratica.cui} · {view.business.name} · {view.municipality.name}
      </p>
      {done ? <Banner>{t("desk.done", { act: actLabel(t, done) })}</Banner> : null}
      {cdss ? <Banner>{t("agency.cdss.requested")}</Banner> : null}
      <ErrorSummary errors={data?.errors ?? []} />
      <div className="row">
        <div className="col-lg-7">
          <PraticaSummary data={view} />
        </div>
        <div className="col-lg-5">
          <section aria-labelledby="acts-title">
            <h2 id="acts-title" className="h4">
              {t("agency.myOpinion", { agency: agencyName })}
            </h2>
            <AgencyDueSentences
              agencies={view.agencyFlags.filter((f) => view.myAgencies.some((m) => m.code === f.code))}
            />
            {view.acts.length === 0 ? <p>{t("desk.pratica.noActs")}</p> : null}
            {view.acts.map((a) =>
              a.type === "AGENCY_REQUESTS_INTEGRATION" ? (
                <ActForm key={a.type} act={a.type} label={actLabel(t, a.type)}>
                  <TextArea
                    act={a.type}
                    name="items"
                    label={t("desk.form.items")}
                    errors={errorsFor(a.type)}
                  />
                </ActForm>
              ) : a.type === "AGENCY_CONCLUSION" ? (
                <ActForm key={a.type} act={a.type} label={actLabel(t, a.type)}>
                  {fromPec ? (
                    <p id="pec-opinion">
                      {t("agency.fromPec", {
                        date: new Date(fromPec.receivedAt).toLocaleDateString("it-IT", {
                          timeZone: "Europe/Rome",
                        }),
                        protocol: fromPec.protocolLabel ?? "-",
                      })}
                    </p>
                  ) : null}
                  <Outcome errors={errorsFor(a.type)} suggested={fromPec?.outcome ?? null} />
                  <TextArea
                    act={a.type}
                    name="reasons"
                    label={t("desk.form.reasons")}
                    errors={errorsFor(a.type)}
                  />
                </ActForm>
              ) : null,
            )}
            {view.ssu?.backOffice && view.acts.length > 0 ? (
              <Form method="post" className="border rounded p-3 mb-3" aria-labelledby="cdss-title" id="cdss">
                <h3 className="h5" id="cdss-title">
                  {t("agency.cdss.title")}
                </h3>
                <CsrfInput />
                <input type="hidden" name="act" value="SSU_REQUEST_CDSS" />
                <p className="small text-muted mb-2">{t("agency.cdss.hint")}</p>
                <button type="submit" className="btn btn-outline-primary">
                  {t("agency.cdss.submit")}
                </button>
              </Form>
            ) : null}
          </section>
        </div>
      </div>
    </div>
  );
}

function Outcome({ errors, suggested }: { errors?: FieldError[]; suggested?: string | null }) {
  const t = useT();
  const error = fieldError(errors, "outcome");
  return (
    <fieldset className="mb-3" aria-describedby={error ? "outcome-error" : undefined}>
      <legend className="h6">{t("desk.form.outcome")}</legend>
      {error ? (
        <div id="outcome-error" className="text-danger">
          {error}
        </div>
      ) : null}
      {(["positive", "conformation", "negative"] as const).map((o, i) => (
        <div className="form-check" key={o}>
          <input
            className="form-check-input"
            type="radio"
            name="outcome"
            value={o}
            defaultChecked={suggested === o}
            id={i === 0 && error ? "outcome" : `outcome-${o}`}
          />
          <label className="form-check-label" htmlFor={i === 0 && error ? "outcome" : `outcome-${o}`}>
            {t(`desk.outcome.${o}`)}
          </label>
        </div>
      ))}
    </fieldset>
  );
}
