import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Breadcrumbs } from "~/components/catalogue/ui";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { cacheHeaders, pageEtag, publicPageHeaders } from "~/server/catalogue/http.server";
import { LICENCE } from "~/domain/catalogue/open-data";
import { currentVersion } from "~/server/catalogue/repository.server";
import { deskIdentityFor } from "~/server/entities/desk.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const headers = publicPageHeaders;

export async function loader({ request }: LoaderFunctionArgs) {
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const version = await currentVersion(db());
  return Response.json(
    {
      version,
      licence: LICENCE,
      title: `${t("openData.title")} - ${(await deskIdentityFor(request, db())).site}`,
    },
    { headers: cacheHeaders(pageEtag(request, version.contentHash)) },
  );
}

export const meta: MetaFunction<typeof loader> = ({ data, matches }) => [
  { title: data?.title ?? pageTitle(matches, "Dati aperti") },
];

export default function OpenData() {
  const t = useT();
  const { version, licence } = useLoaderData() as {
    version: { catalogueId: string; version: string };
    licence: typeof LICENCE;
  };
  const datasets = [
    {
      href: "/api/v1/catalogue",
      title: t("openData.json.title"),
      format: "JSON",
      text: t("openData.json.text"),
    },
    {
      href: "/open-data/procedimenti.csv",
      title: t("openData.csv.title"),
      format: "CSV",
      text: t("openData.csv.text"),
    },
    {
      href: "/api/ssu/catalogo/typologies-lifeevents",
      title: t("openData.ssu.title"),
      format: "JSON (API)",
      text: t("openData.ssu.text"),
    },
  ];
  return (
    <>
      <Breadcrumbs
        items={[{ to: "/catalogo", label: t("catalogue.title") }, { label: t("openData.title") }]}
      />
      <div className="row">
        <div className="col-lg-9">
          <h1>{t("openData.title")}</h1>
          <p className="lead">{t("openData.lead")}</p>
          <p>{t("openData.version", { version: `${version.catalogueId} ${version.version}` })}</p>
          <h2 className="h4">{t("openData.licence")}</h2>
          <p data-testid="licence">
            {t("openData.licenceText", { licence: licence.name, attribution: licence.attribution })}{" "}
            <a href={licence.url} rel="license">
              {licence.url}
            </a>
          </p>
          <h2 className="h4">{t("openData.datasets")}</h2>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("openData.dataset")}</th>
                <th scope="col">{t("openData.format")}</th>
                <th scope="col">{t("openData.description")}</th>
              </tr>
            </thead>
            <tbody>
              {datasets.map((d) => (
                <tr key={d.href}>
                  <th scope="row">
                    <a href={d.href}>{d.title}</a>
                  </th>
                  <td>{d.format}</td>
                  <td>{d.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </>
  );
}
