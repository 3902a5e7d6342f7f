import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { Breadcrumbs, useMoney, useText } from "~/components/catalogue/ui";
import { ErrorSummary } from "~/components/forms";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { cacheHeaders, pageEtag, publicPageHeaders } from "~/server/catalogue/http.server";
import { type FinderView, finderView } from "~/server/catalogue/views.server";
import { deskIdentityFor } from "~/server/entities/desk.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const headers = publicPageHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const view = await finderView(db(), new URL(request.url));
  const base = `${t("finder.title")} - ${(await deskIdentityFor(request, db())).site}`;
  const title = view.errors.length > 0 ? `${t("finder.errorPrefix")} ${base}` : base;
  return Response.json(
    { ...view, title },
    {
      status: view.errors.length > 0 ? 400 : 200,
      headers: cacheHeaders(pageEtag(request, view.version.contentHash)),
    },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  { title: data?.title ?? pageTitle(matches, "Cosa devo presentare?") },
];

export default function Finder() {
  const t = useT();
  const text = useText();
  const money = useMoney();
  const location = useLocation();
  const v = useLoaderData() as FinderView;
  const errors = v.errors.map((e) => ({ field: e.field, message: text(e.message) }));
  const r = v.result;
  return (
    <>
      <Breadcrumbs items={[{ label: t("finder.title") }]} />
      <div className="row">
        <div className="col-lg-8">
          <h1>{t("finder.title")}</h1>
          <p className="lead">{t("finder.lead")}</p>
          <ErrorSummary errors={errors} />

          {r ? (
            <section aria-labelledby="finder-result" className="mb-5" data-testid="finder-result">
              <h2 id="finder-result">{t("finder.result.title")}</h2>
              {r.usecases.length === 0 ? (
                <p>{t("finder.result.none")}</p>
              ) : (
                <>
                  <p>{t("finder.result.lead", { comune: r.municipalityName })}</p>
                  <ol>
                    {r.usecases.map((u) => (
                      <li key={u.usecaseCode} className="mb-2">
                        <Link to={`/catalogo/${u.proceedingCode}?comune=${r.municipality}`}>
                          {text(u.proceedingTitle)}
                        </Link>
                        <span className="d-block small">
                          {text(u.title)} · {t("procedure.days", { days: u.maxDays })}
                          {u.reason === "linked" ? ` · ${t("finder.result.linked")}` : ""}
                        </span>
                      </li>
                    ))}
                  </ol>
                  <dl className="row">
                    {r.regimeLabel ? (
                      <>
                        <dt className="col-sm-5">{t("finder.result.regime")}</dt>
                        <dd className="col-sm-7">{text(r.regimeLabel)}</dd>
                      </>
                    ) : null}
                    <dt className="col-sm-5">{t("finder.result.fees")}</dt>
                    <dd className="col-sm-7" data-testid="finder-total">
                      <strong>{money(r.fees.totalCents)}</strong>
                      <span className="d-block small">
                        {t("procedure.fees.diritti")}: {money(r.fees.dirittiCents)} ·{" "}
                        {t("procedure.fees.bolloApplication")}: {money(r.fees.applicationBolloCents)} ·{" "}
                        {t("procedure.fees.bolloFinalAct")}: {money(r.fees.finalActBolloCents)}
                      </span>
                    </dd>
                    <dt className="col-sm-5">{t("finder.result.longest")}</dt>
                    <dd className="col-sm-7" data-testid="finder-longest">
                      {t("procedure.days", { days: r.longestTermDays })}
                    </dd>
                  </dl>
                  {r.desk ? <p>{t("finder.result.desk", { desk: r.desk })}</p> : null}
                  {r.fileUrl ? (
                    <p>
                      <a className="btn btn-primary" href={r.fileUrl}>
                        {t("finder.result.file")}
                      </a>
                    </p>
                  ) : null}
                </>
              )}
              {r.messages.length > 0 ? (
                <ul>
                  {r.messages.map((m) => (
                    <li key={m.it}>{text(m)}</li>
                  ))}
                </ul>
              ) : null}
              {r.endoproceedings.length > 0 ? (
                <>
                  <h3 className="h5">{t("finder.result.agencies")}</h3>
                  <ul>
                    {r.endoproceedings.map((e) => (
                      <li key={`${e.title.it}-${e.entity}`}>
                        {text(e.title)}
                        {e.entity ? ` (${e.entity})` : ""} · {t("procedure.days", { days: e.termDays })}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
              {r.suggestions.length > 0 ? (
                <>
                  <h3 className="h5">{t("finder.result.suggestions")}</h3>
                  <ul>
                    {r.suggestions.map((s) => (
                      <li key={`${s.proceedingCode}-${s.title.it}`}>
                        <Link to={`/catalogo/${s.proceedingCode}?comune=${r.municipality}`}>
                          {text(s.title)}
                        </Link>
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
              {r.notes.length > 0 ? (
                <>
                  <h3 className="h5">{t("finder.result.notes")}</h3>
                  <ul className="small">
                    {r.notes.map((n) => (
                      <li key={n}>{n}</li>
                    ))}
                  </ul>
                </>
              ) : null}
              <h2 className="h4 mt-4">{t("finder.change")}</h2>
            </section>
          ) : null}

          <Form method="get" noValidate key={location.search}>
            <input type="hidden" name="cerca" value="1" />
            {v.questions.map((q) => {
              const error = errors.find((e) => e.field === q.name);
              const hintId = q.hint ? `${q.name}-hint` : undefined;
              const errorId = error ? `${q.name}-error` : undefined;
              return (
                <fieldset
                  key={q.name}
                  className={`mb-4${error ? " border-start border-4 border-danger ps-3" : ""}`}
                  aria-describedby={[hintId, errorId].filter(Boolean).join(" ") || undefined}
                >
                  <legend className="h5">{text(q.label)}</legend>
                  {q.hint ? (
                    <p id={hintId} className="form-text">
                      {text(q.hint)}
                    </p>
                  ) : null}
                  {error ? (
                    <p id={errorId} className="text-danger fw-semibold">
                      {error.message}
                    </p>
                  ) : null}
                  {q.options.map((o, i) => {
                    const id = i === 0 ? q.name : `${q.name}-${i + 1}`;
                    return (
                      <div className="form-check" key={o.value}>
                        <input
                          type="radio"
                          id={id}
                          name={q.name}
                          value={o.value}
                          defaultChecked={v.values[q.name] === o.value}
                        />
                        <label htmlFor={id}>{text(o.label)}</label>
                      </div>
                    );
                  })}
                </fieldset>
              );
            })}
            <button type="submit" className="btn btn-primary">
              {t("finder.submit")}
            </button>
          </Form>
        </div>
      </div>
    </>
  );
}
