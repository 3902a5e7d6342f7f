import type { HeadersFunction, MetaFunction } from "@remix-run/node";
import { Link, useRouteLoaderData } from "@remix-run/react";
import { Icon } from "~/components/Icon";
import { siteName } from "~/components/title";
import { useT } from "~/i18n/useT";
import type { RootData } from "~/root";

/** The same for every visitor: cacheable, and kept by the public page cache (ADR 0029). */
export const headers: HeadersFunction = () => ({ "Cache-Control": "public, max-age=300", Vary: "Cookie" });

export const meta: MetaFunction = ({ matches }) => [
  { title: `${siteName(matches)} - Sportello Unico per le Attività Produttive` },
  {
    name: "description",
    content: `Presenta e segui le pratiche per le attività produttive nei Comuni serviti dal ${siteName(matches)}.`,
  },
];

export default function Home() {
  const t = useT();
  // the Comuni served come from the entities (root loader), not from a list in the code
  const root = useRouteLoaderData("root") as RootData | undefined;
  const comuni = root?.desk.comuni ?? [];
  return (
    <>
      <div className="row">
        <div className="col-lg-8">
          <h1>{t("home.title")}</h1>
          <p className="lead">{t("home.lead", { desk: root?.desk.name ?? "SUAP" })}</p>
          <div className="d-flex flex-wrap gap-3 my-4">
            <Link to="/cosa-devo-presentare" className="btn btn-primary btn-lg">
              {t("home.cta.finder")}
            </Link>
            <Link to="/catalogo" className="btn btn-outline-primary btn-lg">
              {t("home.cta.catalogue")}
            </Link>
            <Link to="/accedi" className="btn btn-outline-primary btn-lg">
              {t("home.cta.login")}
            </Link>
          </div>
        </div>
      </div>
      <div className="row mt-4">
        <div className="col-md-6">
          <h2 className="h3">{t("home.what.title")}</h2>
          <ul className="list-unstyled">
            {(["home.what.find", "home.what.file", "home.what.follow"] as const).map((k) => (
              <li key={k} className="d-flex gap-2 mb-2">
                <Icon name="it-check" className="icon icon-sm icon-success" />
                <span>{t(k)}</span>
              </li>
            ))}
          </ul>
          <h2 className="h3 mt-4">{t("home.who.title")}</h2>
          <p>{t("home.who.text")}</p>
        </div>
        <div className="col-md-6">
          <h2 className="h3">{t("home.comuni.title")}</h2>
          <ul>
            {comuni.map((c) => (
              <li key={c.code}>{c.name}</li>
            ))}
          </ul>
        </div>
      </div>
    </>
  );
}
