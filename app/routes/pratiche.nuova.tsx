import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, redirect, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput, ErrorSummary } from "~/components/forms";
import { localeFromCookieHeader, type MessageKey } from "~/i18n";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { euro } from "~/domain/filing/bundle";
import { newPraticaView, startDraft } from "~/server/filing/drafts.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Avvia una nuova pratica") }];

function codesFrom(params: URLSearchParams | FormData) {
  return [...params.getAll("procedimento"), ...params.getAll("usecase")].map(String).filter(Boolean);
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const url = new URL(request.url);
  const chosen = [...url.searchParams.entries()].filter(([k]) => k.startsWith("scelta_")).map(([, v]) => v);
  const view = await newPraticaView(
    db(),
    user.principal,
    codesFrom(url.searchParams),
    chosen,
    url.searchParams.get("comune"),
  );
  return { ...view, creationKey: crypto.randomUUID() };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await readForm(request);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const chosen = [...form.entries()].filter(([k]) => k.startsWith("scelta_")).map(([, v]) => String(v));
  const result = await startDraft(db(), user, {
    codes: codesFrom(form),
    chosen,
    municipality: String(form.get("comune") ?? ""),
    businessId: form.get("impresa") ? String(form.get("impresa")) : null,
    creationKey: String(form.get("creationKey") ?? ""),
  });
  if (result.ok) return redirect(`/pratiche/${result.id}`);
  return Response.json(
    { errors: result.errors.map((e) => ({ field: e.field, message: e.message[locale] })) },
    { status: 400 },
  );
}

export default function NewPratica() {
  const t = useT();
  const locale = useLocale();
  const v = useLoaderData<typeof loader>();
  const data = useActionData<{ errors: { field: string; message: string }[] }>();
  const errors = data?.errors ?? [];
  const err = (f: string) => errors.find((e) => e.field === f)?.message;
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{t("filing.new.title")}</h1>
        <p className="lead">{t("filing.new.lead")}</p>
        <ErrorSummary errors={errors} />
        <Form method="post" noValidate>
          <CsrfInput />
          <input type="hidden" name="creationKey" value={v.creationKey} />
          {v.codes.map((c) => (
            <input key={c} type="hidden" name="procedimento" value={c} />
          ))}
          {v.refs.length ? (
            <>
              <h2 className="h4">{t("filing.new.what")}</h2>
              <ul>
                {v.refs.map((r) => (
                  <li key={r.code}>{r.title[locale]}</li>
                ))}
              </ul>
            </>
          ) : null}
          {v.choices.map((c) => (
            <fieldset key={c.proceeding} className="mb-4">
              <legend className="h5">
                {t("filing.new.choose")} ({c.title[locale]})
              </legend>
              {err(`scelta_${c.proceeding}`) ? (
                <div id={`scelta_${c.proceeding}-error`} className="text-danger fw-semibold">
                  {err(`scelta_${c.proceeding}`)}
                </div>
              ) : null}
              {c.usecases.map((u, i) => {
                const id = i === 0 ? `scelta_${c.proceeding}` : `scelta_${c.proceeding}-${i}`;
                return (
                  <div className="form-check" key={u.code}>
                    <input
                      className="form-check-input"
                      type="radio"
                      id={id}
                      name={`scelta_${c.proceeding}`}
                      value={u.code}
                    />
                    <label className="form-check-label" htmlFor={id}>
                      {u.title[locale]}
                    </label>
                  </div>
                );
              })}
            </fieldset>
          ))}
          <div className="form-group mb-4">
            <label htmlFor="comune" className="active fw-semibold">
              {t("filing.new.comune")}
            </label>
            {err("comune") ? <div className="text-danger fw-semibold">{err("comune")}</div> : null}
            <select id="comune" name="comune" className="form-select" defaultValue={v.municipality ?? ""}>
              <option value="">{t("filing.new.selectComune")}</option>
              {v.municipalities.map((m) => (
                <option key={m.istat} value={m.istat}>
                  {m.name}
                </option>
              ))}
            </select>
          </div>
          {v.businesses.length > 1 ? (
            <fieldset className="mb-4">
              <legend className="h5">{t("filing.new.business")}</legend>
              {err("impresa") ? <div className="text-danger fw-semibold">{err("impresa")}</div> : null}
              {v.businesses.map((b, i) => (
                <div className="form-check" key={b.id}>
                  <input
                    className="form-check-input"
                    type="radio"
                    id={i === 0 ? "impresa" : `impresa-${i}`}
                    name="impresa"
                    value={b.id}
                  />
                  <label className="form-check-label" htmlFor={i === 0 ? "impresa" : `impresa-${i}`}>
                    {b.name} ({b.fiscal_code})
                  </label>
                </div>
              ))}
            </fieldset>
          ) : v.businesses.length === 1 ? (
            <p>
              <strong>{t("filing.detail.business")}:</strong> {v.businesses[0]!.name} (
              {v.businesses[0]!.fiscal_code})
              <input type="hidden" name="impresa" value={v.businesses[0]!.id} />
            </p>
          ) : (
            <p className="alert alert-warning">{t("filing.new.noBusiness")}</p>
          )}
          {v.summary ? (
            <dl className="row">
              <dt className="col-sm-5">{t("filing.new.regime")}</dt>
              <dd className="col-sm-7">{t(`filing.regime.${v.summary.regime}` as MessageKey)}</dd>
              <dt className="col-sm-5">{t("filing.new.term")}</dt>
              <dd className="col-sm-7">
                {v.summary.termDays
                  ? t("filing.new.termDays", { days: v.summary.termDays })
                  : t("filing.new.termNone")}
              </dd>
              <dt className="col-sm-5">{t("filing.new.fees")}</dt>
              <dd className="col-sm-7">{euro(v.summary.fees.totalCents, locale)}</dd>
            </dl>
          ) : null}
          <button type="submit" className="btn btn-primary">
            {t("filing.new.start")}
          </button>
        </Form>
      </div>
    </div>
  );
}
