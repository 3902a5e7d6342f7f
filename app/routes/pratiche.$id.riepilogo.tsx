import { randomUUID } from "node:crypto";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import { itDate, LinkedErrorSummary } from "~/components/filing/fields";
import { CsrfInput } from "~/components/forms";
import type { Field } from "~/domain/forms/types";
import { localeFromCookieHeader, type MessageKey } from "~/i18n";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireFreshSignIn, requireUser } from "~/server/auth/session.server";
import { attachmentList, euro, visibleSections } from "~/domain/filing/bundle";
import { validateForm } from "~/domain/forms";
import { isDraft, loadDraft, uploadedAttachments, validationOptions } from "~/server/filing/drafts.server";
import { moduloDraft, moduloLabels, submitPratica } from "~/server/filing/submit.server";
import { ensureModuli, moduloFieldErrors } from "~/server/modulo/modulo.server";
import { db } from "~/server/runtime.server";
import { engineServices } from "~/server/services.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Riepilogo") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ctx = await loadDraft(db(), user, params.id ?? "");
  if (!isDraft(ctx)) throw redirect(`/pratiche/${ctx.pratica.id}/ricevuta`);
  const uploaded = await uploadedAttachments(db(), ctx.pratica.id);
  // The unified form is built and validated now, while the applicant reads the summary; "Conferma e invia"
  // then reads the stored result (ADR 0027). Its problems are shown before the applicant presses the button.
  const formOk = !validateForm(ctx.bundle.form, ctx.answers, validationOptions(ctx.catalogue)).errors.length;
  const moduli = formOk ? await ensureModuli(db(), moduloDraft(ctx), moduloLabels(ctx)) : [];
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const moduloErrors = moduloFieldErrors(`/pratiche/${ctx.pratica.id}`, moduli).map((e) => ({
    href: e.href,
    field: e.field,
    message: e.message[locale],
  }));
  return {
    moduloErrors,
    id: ctx.pratica.id,
    // One-time key: a double click or a retried POST files once (pratiche.submission_key is unique).
    submissionKey: randomUUID(),
    title: ctx.bundle.title,
    regime: ctx.bundle.workflowInput.regime,
    termDays: ctx.bundle.workflowInput.termDays,
    sections: visibleSections(ctx.bundle.form, ctx.answers),
    answers: ctx.answers,
    attachments: attachmentList(ctx.refs, ctx.answers).map((a) => ({
      code: a.attachment.code,
      title: a.attachment.title,
      files: uploaded
        .filter((u) => u.code === a.attachment.code)
        .map((u) => ({ name: u.filename, sha256: u.sha256 })),
    })),
    fees: ctx.bundle.fees,
    desk: ctx.bundle.desk?.name ?? null,
    routing: ctx.bundle.routing,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  // A submission has legal effect: the last sign-in must be recent (FRESH_SIGNIN_MINUTES).
  requireFreshSignIn(request, user);
  const form = await readForm(request);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const result = await submitPratica(db(), engineServices(), user, {
    praticaId: params.id ?? "",
    submissionKey: String(form.get("submissionKey") ?? ""),
    declared: form.get("dichiarazione") === "true",
  });
  if (result.ok) return redirect(`/pratiche/${result.pratica.praticaId}/ricevuta`);
  return Response.json(
    {
      errors: result.errors.map((e) => ({
        href: "href" in e ? String(e.href) : `#${e.field}`,
        field: e.field,
        message: e.message[locale],
      })),
    },
    { status: result.status },
  );
}

function display(field: Field, value: unknown, t: ReturnType<typeof useT>, locale: "it" | "en") {
  if (value === undefined || value === "" || (Array.isArray(value) && !value.length))
    return t("filing.summary.empty");
  const list = Array.isArray(value) ? value.map(String) : [String(value)];
  if (field.options)
    return list.map((v) => field.options?.find((o) => o.value === v)?.label[locale] ?? v).join(", ");
  if (field.type === "boolean" || field.type === "declaration")
    return list[0] === "true" ? t("filing.section.yes") : t("filing.section.no");
  if (field.type === "date" && /^\d{4}-\d{2}-\d{2}$/.test(list[0]!)) return itDate(list[0]);
  return list.join(", ") + (field.unit ? ` ${field.unit}` : "");
}

export default function SummaryPage() {
  const t = useT();
  const locale = useLocale();
  const v = useLoaderData<typeof loader>();
  const data = useActionData<{ errors: { href: string; field: string; message: string }[] }>();
  const errors = data?.errors ?? v.moduloErrors;
  const declarationError = errors.find((e) => e.field === "dichiarazione")?.message;
  return (
    <div className="row">
      <div className="col-lg-9">
        <LinkedErrorSummary
          errors={errors}
          title={errors.length === 1 ? t("errors.summaryOne") : t("errors.summary", { count: errors.length })}
        />
        <p className="text-muted mb-1">{v.title[locale]}</p>
        <h1>{t("filing.summary.title")}</h1>
        <dl className="row">
          <dt className="col-sm-4">{t("filing.new.regime")}</dt>
          <dd className="col-sm-8">{t(`filing.regime.${v.regime}` as MessageKey)}</dd>
          <dt className="col-sm-4">{t("filing.new.term")}</dt>
          <dd className="col-sm-8">
            {v.termDays ? t("filing.new.termDays", { days: v.termDays }) : t("filing.new.termNone")}
          </dd>
        </dl>
        {v.sections.map((s) => (
          <section key={s.id} className="mb-4" aria-labelledby={`sum-${s.id}`}>
            <div className="d-flex justify-content-between align-items-baseline border-bottom">
              <h2 className="h4" id={`sum-${s.id}`}>
                {s.title[locale]}
              </h2>
              <Link to={`/pratiche/${v.id}/sezioni/${s.id}?ritorno=riepilogo`}>
                {t("filing.summary.change")}
                <span className="visually-hidden"> {s.title[locale]}</span>
              </Link>
            </div>
            <dl className="row mt-2">
              {s.fields.map((f) => (
                <div key={f.name} style={{ display: "contents" }}>
                  <dt className="col-sm-5">{f.label[locale]}</dt>
                  <dd className="col-sm-7 text-break">{display(f, v.answers[f.name], t, locale)}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <section className="mb-4" aria-labelledby="sum-allegati">
          <div className="d-flex justify-content-between align-items-baseline border-bottom">
            <h2 className="h4" id="sum-allegati">
              {t("filing.summary.attachments")}
            </h2>
            <Link to={`/pratiche/${v.id}/allegati`}>
              {t("filing.summary.change")}
              <span className="visually-hidden"> {t("filing.summary.attachments")}</span>
            </Link>
          </div>
          <dl className="row mt-2">
            {v.attachments.map((a) => (
              <div key={a.code} style={{ display: "contents" }}>
                <dt className="col-sm-5">{a.title[locale]}</dt>
                <dd className="col-sm-7 text-break">
                  {a.files.length ? a.files.map((f) => f.name).join(", ") : t("filing.summary.empty")}
                </dd>
              </div>
            ))}
          </dl>
        </section>
        <section className="mb-4" aria-labelledby="sum-fees">
          <h2 className="h4 border-bottom" id="sum-fees">
            {t("filing.summary.fees")}
          </h2>
          <dl className="row mt-2">
            {v.fees.lines.map((l) => (
              <div key={l.usecase} style={{ display: "contents" }}>
                <dt className="col-sm-5">
                  {t("filing.summary.diritti")} - {l.title[locale]}
                </dt>
                <dd className="col-sm-7">{euro(l.dirittiCents, locale)}</dd>
              </div>
            ))}
            <dt className="col-sm-5">{t("filing.summary.bollo")}</dt>
            <dd className="col-sm-7">{euro(v.fees.applicationBolloCents, locale)}</dd>
            <dt className="col-sm-5">{t("filing.summary.bolloFinal")}</dt>
            <dd className="col-sm-7">{euro(v.fees.finalActBolloCents, locale)}</dd>
            <dt className="col-sm-5">{t("filing.summary.total")}</dt>
            <dd className="col-sm-7 fw-bold">{euro(v.fees.totalCents, locale)}</dd>
          </dl>
        </section>
        <section className="mb-4" aria-labelledby="sum-routing">
          <h2 className="h4 border-bottom" id="sum-routing">
            {t("filing.summary.routing")}
          </h2>
          <dl className="row mt-2">
            <dt className="col-sm-5">{t("filing.summary.desk")}</dt>
            <dd className="col-sm-7">{v.desk}</dd>
            {v.routing.map((r) => (
              <div key={r.usecase} style={{ display: "contents" }}>
                <dt className="col-sm-5">{r.title[locale]}</dt>
                <dd className="col-sm-7">
                  {r.competentAdministration?.name}
                  {r.agencies.length
                    ? ` - ${t("filing.summary.agencies")}: ${r.agencies.map((a) => a.name).join(", ")}`
                    : ""}
                </dd>
              </div>
            ))}
          </dl>
        </section>
        <Form method="post" action={`/pratiche/${v.id}/riepilogo`} noValidate>
          <CsrfInput />
          <input type="hidden" name="submissionKey" value={v.submissionKey} />
          <h2 className="h4">{t("filing.summary.declarationTitle")}</h2>
          {declarationError ? (
            <div id="dichiarazione-error" className="text-danger fw-semibold">
              {declarationError}
            </div>
          ) : null}
          <div className="form-check mb-4">
            <input
              className="form-check-input"
              type="checkbox"
              id="dichiarazione"
              name="dichiarazione"
              value="true"
              aria-describedby={declarationError ? "dichiarazione-error" : undefined}
            />
            <label className="form-check-label" htmlFor="dichiarazione">
              {t("filing.summary.declaration")}
            </label>
          </div>
          <button type="submit" className="btn btn-primary">
            {t("filing.summary.submit")}
          </button>
        </Form>
      </div>
    </div>
  );
}
