import { withTermWords } from "~/i18n/modules/words";
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { Breadcrumbs, SelectField, useMoney, useText } from "~/components/catalogue/ui";
import { localeFromCookieHeader, type MessageKey, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { cacheHeaders, pageEtag, publicPageHeaders } from "~/server/catalogue/http.server";
import { fileUrl, type ProcedureView, procedureView } from "~/server/catalogue/views.server";
import { deskIdentityFor } from "~/server/entities/desk.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const headers = publicPageHeaders;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const t = translator(locale);
  const url = new URL(request.url);
  const comune = url.searchParams.get("comune");
  const view = await procedureView(db(), params.code ?? "", comune);
  if (!view) throw new Response(null, { status: 404, statusText: "Not Found" });
  const title = `${view.proceeding.title[locale]} - ${t("catalogue.title")} - ${(await deskIdentityFor(request, db())).site}`;
  const file = fileUrl([view.proceeding.code], view.municipality?.value);
  // The catalogue search this page was opened from (its results link here with their query): kept for the
  // way back and across a change of Comune; the Comune is the one this page recognised.
  const search: Record<string, string> = {};
  for (const key of SEARCH_KEYS) {
    const value = url.searchParams.get(key)?.trim().slice(0, 200);
    if (value) search[key] = value;
  }
  const back = new URLSearchParams(search);
  if (view.municipality) back.set("comune", view.municipality.value);
  else back.delete("comune");
  const fromSearch = Object.keys(search).some((k) => k !== "comune");
  return Response.json(
    {
      ...view,
      title,
      fileUrl: file,
      search,
      resultsUrl: back.toString() ? `/catalogo?${back.toString()}` : "/catalogo",
      fromSearch: fromSearch || !!view.municipality,
    },
    { headers: cacheHeaders(pageEtag(request, view.version.contentHash)) },
  );
}

/** The catalogue search's parameters (app/server/catalogue/search.server.ts searchParamsFrom). */
const SEARCH_KEYS = ["q", "settore", "evento", "regime", "comune", "pagina"] as const;

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  { title: data?.title ?? pageTitle(matches, "Procedimento non trovato") },
];

export default function ProcedurePage() {
  const t = useT();
  const text = useText();
  const money = useMoney();
  const v = useLoaderData() as ProcedureView & {
    fileUrl: string;
    search: Record<string, string>;
    resultsUrl: string;
    fromSearch: boolean;
  };
  const p = v.proceeding;
  const comune = v.municipality;
  return (
    <>
      <Breadcrumbs items={[{ to: v.resultsUrl, label: t("catalogue.title") }, { label: text(p.title) }]} />
      <div className="row">
        <div className="col-lg-8">
          {v.fromSearch ? (
            <p className="mb-2">
              <Link to={v.resultsUrl}>{t("procedure.backToResults")}</Link>
            </p>
          ) : null}
          <h1>{text(p.title)}</h1>
          <p className="small text-muted">{t("procedure.code", { code: p.code, version: p.version })}</p>

          <h2 className="h4 mt-4">{t("procedure.what")}</h2>
          <p className="lead">{text(p.description)}</p>

          <h2 className="h4 mt-4">{t("procedure.facts")}</h2>
          <dl className="row">
            <dt className="col-sm-4">{t("procedure.sector")}</dt>
            <dd className="col-sm-8">{text(p.sector)}</dd>
            <dt className="col-sm-4">{t("procedure.typology")}</dt>
            <dd className="col-sm-8">{text(p.typology)}</dd>
            <dt className="col-sm-4">{t("procedure.lifeEvent")}</dt>
            <dd className="col-sm-8">{text(p.lifeEvent)}</dd>
            <dt className="col-sm-4">{t("procedure.validFrom")}</dt>
            <dd className="col-sm-8">{p.validFrom}</dd>
          </dl>

          <h2 className="h4 mt-4">{t("procedure.who")}</h2>
          <ul>
            {p.filedBy.map((f) => (
              <li key={f}>{t(`procedure.filer.${f}` as MessageKey)}</li>
            ))}
          </ul>

          <Form method="get" key={comune?.value ?? "none"} className="mt-4">
            {Object.entries(v.search)
              .filter(([k]) => k !== "comune" && k !== "pagina")
              .map(([k, value]) => (
                <input key={k} type="hidden" name={k} value={value} />
              ))}
            <fieldset>
              <legend className="h4">{t("procedure.municipality.legend")}</legend>
              <SelectField
                name="comune"
                label={t("procedure.municipality.label")}
                hint={t("procedure.municipality.hint")}
                value={comune?.value}
                options={v.municipalities.map((m) => ({ value: m.value, label: text(m.label) }))}
                emptyLabel={t("procedure.municipality.none")}
              />
              <button type="submit" className="btn btn-outline-primary">
                {t("procedure.municipality.submit")}
              </button>
            </fieldset>
          </Form>
          {comune ? (
            <div className="callout mt-4" data-testid="chosen-municipality">
              <div className="callout-title">
                {t("procedure.municipality.chosen", { comune: text(comune.label) })}
              </div>
              <dl className="row mb-0">
                {v.competent ? (
                  <>
                    <dt className="col-sm-5">{t("procedure.competent")}</dt>
                    <dd className="col-sm-7">{v.competent.name}</dd>
                  </>
                ) : null}
                {v.desk ? (
                  <>
                    <dt className="col-sm-5">{t("procedure.desk")}</dt>
                    <dd className="col-sm-7">{v.desk.name}</dd>
                  </>
                ) : null}
              </dl>
            </div>
          ) : null}

          {v.usecases.map((u) => (
            <section key={u.code} className="mt-5" aria-labelledby={`uc-${u.code}`}>
              <h2 className="h3" id={`uc-${u.code}`}>
                {text(u.title)}
              </h2>
              {u.description ? <p>{text(u.description)}</p> : null}
              <dl className="row">
                <dt className="col-sm-4">{t("procedure.regime")}</dt>
                <dd className="col-sm-8">{text(u.regimeLabel)}</dd>
                <dt className="col-sm-4">{t("procedure.maxDays")}</dt>
                <dd className="col-sm-8">{t("procedure.days", { days: u.terms.max_gg_proc })}</dd>
              </dl>

              <h3 className="h5">{t("procedure.fees")}</h3>
              {u.fees ? (
                <table className="table" data-testid={`fees-${u.code}`}>
                  <caption className="visually-hidden">
                    {t("procedure.fees")}: {text(u.title)}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("procedure.fees.item")}</th>
                      <th scope="col" className="text-end">
                        {t("procedure.fees.amount")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    <tr>
                      <th scope="row">{t("procedure.fees.diritti")}</th>
                      <td className="text-end">{money(u.fees.dirittiCents)}</td>
                    </tr>
                    <tr>
                      <th scope="row">{t("procedure.fees.bolloApplication")}</th>
                      <td className="text-end">{money(u.fees.applicationBolloCents)}</td>
                    </tr>
                    <tr>
                      <th scope="row">{t("procedure.fees.bolloFinalAct")}</th>
                      <td className="text-end">{money(u.fees.finalActBolloCents)}</td>
                    </tr>
                    <tr>
                      <th scope="row">{t("procedure.fees.total")}</th>
                      <td className="text-end fw-bold">
                        {money(
                          u.fees.dirittiCents + u.fees.applicationBolloCents + u.fees.finalActBolloCents,
                        )}
                      </td>
                    </tr>
                  </tbody>
                </table>
              ) : (
                <>
                  <p>{t("procedure.fees.choose")}</p>
                  <table className="table">
                    <caption>{t("procedure.fees.byMunicipality")}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t("procedure.fees.comune")}</th>
                        <th scope="col" className="text-end">
                          {t("procedure.fees.amount")}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {u.feesByMunicipality.map((f) => (
                        <tr key={f.istat}>
                          <th scope="row">{f.name}</th>
                          <td className="text-end">{money(f.dirittiCents)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <p className="small">
                    {t("procedure.fees.bolloApplication")}: {money(u.bollo.applicationCents)} ·{" "}
                    {t("procedure.fees.bolloFinalAct")}: {money(u.bollo.finalActCents)}
                  </p>
                </>
              )}

              <h3 className="h5">{t("procedure.documents")}</h3>
              {u.attachments.length === 0 ? (
                <p>{t("procedure.documents.none")}</p>
              ) : (
                <table className="table">
                  <caption className="visually-hidden">
                    {t("procedure.documents")}: {text(u.title)}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("procedure.documents.document")}</th>
                      <th scope="col">{t("procedure.documents.when")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {u.attachments.map((a) => (
                      <tr key={a.code}>
                        <th scope="row" className="fw-normal">
                          {text(a.title)}
                          {a.signed ? (
                            <span className="d-block small">{t("procedure.documents.signed")}</span>
                          ) : null}
                          {a.note ? (
                            <span className="d-block small text-muted">{withTermWords(a.note)}</span>
                          ) : null}
                        </th>
                        <td>
                          {a.conditional
                            ? t("procedure.documents.conditional")
                            : t("procedure.documents.mandatory")}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}

              <h3 className="h5">{t("procedure.agencies")}</h3>
              {u.endoproceedings.length === 0 ? (
                <p>{t("procedure.agencies.none")}</p>
              ) : (
                <table className="table">
                  <caption className="visually-hidden">
                    {t("procedure.agencies")}: {text(u.title)}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("procedure.agencies.act")}</th>
                      <th scope="col">{t("procedure.agencies.agency")}</th>
                      <th scope="col">{t("procedure.agencies.term")}</th>
                      <th scope="col">{t("procedure.agencies.when")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {u.endoproceedings.map((e) => (
                      <tr key={e.code}>
                        <th scope="row" className="fw-normal">
                          {text(e.title)}{" "}
                          <span className="d-block small">{t(`procedure.kind.${e.kind}` as MessageKey)}</span>
                        </th>
                        <td>
                          {e.entity
                            ? e.entity.name
                            : `${text(e.agencyClass)} (${t("procedure.agencies.choose")})`}
                        </td>
                        <td>{t("procedure.days", { days: e.termDays })}</td>
                        <td>
                          {e.mandatory
                            ? t("procedure.documents.mandatory")
                            : t("procedure.documents.conditional")}
                          {e.linkedUsecase ? (
                            <span className="d-block small">{t("procedure.agencies.linked")}</span>
                          ) : null}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          ))}

          <h2 className="h4 mt-5">{t("procedure.legal")}</h2>
          <ul>
            {p.legalReferences.map((r) => (
              <li key={r.citation}>
                {r.url ? <a href={r.url}>{r.citation}</a> : r.citation}
                {r.note ? <span className="d-block small text-muted">{withTermWords(r.note)}</span> : null}
              </li>
            ))}
          </ul>

          {v.notes.length > 0 ? (
            <>
              <h2 className="h4 mt-4">{t("procedure.notes")}</h2>
              <p>{t("procedure.notes.lead")}</p>
              <ul className="small">
                {v.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
        <aside className="col-lg-4">
          <div className="card card-bg p-3 mt-4 mt-lg-0">
            <h2 className="h5">{t("procedure.file")}</h2>
            {comune ? null : <p>{t("procedure.file.chooseFirst")}</p>}
            <a className="btn btn-primary" href={v.fileUrl}>
              {t("procedure.file")}
            </a>
            <p className="small mt-2 mb-0">{t("procedure.file.hint")}</p>
          </div>
        </aside>
      </div>
    </>
  );
}
