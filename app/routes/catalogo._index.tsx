import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useLocation } from "@remix-run/react";
import { Breadcrumbs, SelectField, useText } from "~/components/catalogue/ui";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { cacheHeaders, pageEtag, publicPageHeaders } from "~/server/catalogue/http.server";
import { searchParamsFrom } from "~/server/catalogue/search.server";
import { type CatalogueIndexView, catalogueIndexView } from "~/server/catalogue/views.server";
import { deskIdentityFor } from "~/server/entities/desk.server";
import { db } from "~/server/runtime.server";
import { siteName } from "~/components/title";

export const headers = publicPageHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const view = await catalogueIndexView(db(), searchParamsFrom(new URL(request.url)));
  const title = `${t("catalogue.title")} - ${(await deskIdentityFor(request, db())).site}`;
  return Response.json(
    { ...view, title },
    { headers: cacheHeaders(pageEtag(request, view.version.contentHash)) },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  { title: data?.title ?? "Catalogo dei procedimenti" },
  { name: "description", content: `Catalogo dei procedimenti del ${siteName(matches)}` },
];

export default function CatalogueIndex() {
  const t = useT();
  const text = useText();
  const location = useLocation();
  const { filters, params, result, labels, version } = useLoaderData() as CatalogueIndexView;
  const pageLink = (page: number) => {
    const sp = new URLSearchParams(location.search);
    sp.set("pagina", String(page));
    return `?${sp.toString()}`;
  };
  const opts = (list: { value: string; label: { it: string; en: string } }[]) =>
    list.map((o) => ({ value: o.value, label: text(o.label) }));
  return (
    <>
      <Breadcrumbs items={[{ label: t("catalogue.title") }]} />
      <div className="row">
        <div className="col-lg-8">
          <h1>{t("catalogue.title")}</h1>
          <p className="lead">{t("catalogue.lead")}</p>
          <p>
            <Link to="/cosa-devo-presentare">{t("catalogue.finderCta")}</Link>
          </p>
        </div>
      </div>
      <div className="row">
        <div className="col-lg-4">
          <Form method="get" key={location.search} role="search" aria-label={t("catalogue.search.legend")}>
            <fieldset>
              <legend className="h5">{t("catalogue.search.legend")}</legend>
              <div className="form-group mb-4">
                <label htmlFor="q" className="active">
                  {t("catalogue.search.label")}
                </label>
                <small id="q-hint" className="form-text d-block">
                  {t("catalogue.search.hint")}
                </small>
                <input
                  id="q"
                  name="q"
                  type="search"
                  className="form-control"
                  defaultValue={params.q ?? ""}
                  aria-describedby="q-hint"
                />
              </div>
              <SelectField
                name="settore"
                label={t("catalogue.filter.sector")}
                value={params.sector}
                options={opts(filters.sectors)}
                emptyLabel={t("catalogue.filter.any")}
              />
              <SelectField
                name="evento"
                label={t("catalogue.filter.lifeEvent")}
                value={params.lifeEvent}
                options={opts(filters.lifeEvents)}
                emptyLabel={t("catalogue.filter.any")}
              />
              <SelectField
                name="comune"
                label={t("catalogue.filter.municipality")}
                value={params.municipality}
                options={opts(filters.municipalities)}
                emptyLabel={t("catalogue.filter.any")}
              />
              <SelectField
                name="regime"
                label={t("catalogue.filter.regime")}
                value={params.regime}
                options={opts(filters.regimes)}
                emptyLabel={t("catalogue.filter.any")}
              />
              <div className="d-flex flex-wrap gap-3 align-items-center">
                <button type="submit" className="btn btn-primary">
                  {t("catalogue.search.submit")}
                </button>
                <Link to="/catalogo">{t("catalogue.search.reset")}</Link>
              </div>
            </fieldset>
          </Form>
        </div>
        <div className="col-lg-8">
          <h2 className="h4" id="risultati">
            {t("catalogue.results.title")}
          </h2>
          <p role="status" className="fw-semibold" data-testid="result-count">
            {result.total === 1
              ? t("catalogue.results.one")
              : t("catalogue.results.count", { count: result.total })}
            {params.q ? ` ${t("catalogue.results.for", { q: params.q })}` : ""}
          </p>
          {result.total === 0 ? (
            <div className="callout note">
              <div className="callout-title">{t("catalogue.results.empty.title")}</div>
              <p>{t("catalogue.results.empty.text")}</p>
              <p className="mb-0">
                <Link to="/catalogo">{t("catalogue.results.empty.reset")}</Link> ·{" "}
                <Link to="/cosa-devo-presentare">{t("finder.title")}</Link>
              </p>
            </div>
          ) : (
            <ul className="list-unstyled">
              {result.hits.map((hit) => (
                <li key={hit.code} className="card-wrapper pb-3">
                  <div className="card card-bg">
                    <div className="card-body">
                      <h3 className="card-title h5">
                        {/* The search goes along (the Comune above all): the procedure page shows that
                            Comune's desk and fees, files with it, and links back to these results. */}
                        <Link to={`/catalogo/${hit.code}${location.search}`}>{text(hit.title)}</Link>
                      </h3>
                      <p className="card-text">{text(hit.description)}</p>
                      <p className="small mb-0">
                        {t("catalogue.sector")}: {text(labels.sectors[hit.sector])} · {t("catalogue.regime")}:{" "}
                        {hit.regimes.map((r) => text(labels.regimes[r]) || r).join(", ")}
                      </p>
                    </div>
                  </div>
                </li>
              ))}
            </ul>
          )}
          {result.pages > 1 ? (
            <nav className="pagination-wrapper" aria-label={t("catalogue.results.pages")}>
              <p>{t("catalogue.results.page", { page: result.page, pages: result.pages })}</p>
              <ul className="pagination">
                {result.page > 1 ? (
                  <li className="page-item">
                    <Link className="page-link" to={pageLink(result.page - 1)}>
                      {t("catalogue.results.prev")}
                    </Link>
                  </li>
                ) : null}
                {result.page < result.pages ? (
                  <li className="page-item">
                    <Link className="page-link" to={pageLink(result.page + 1)}>
                      {t("catalogue.results.next")}
                    </Link>
                  </li>
                ) : null}
              </ul>
            </nav>
          ) : null}
          <p className="mt-4 small">
            {t("catalogue.version", { id: version.catalogueId, version: version.version })} ·{" "}
            <Link to="/open-data">{t("catalogue.openData")}</Link>
          </p>
        </div>
      </div>
    </>
  );
}
