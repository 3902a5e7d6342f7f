import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
import { CsrfInput } from "~/components/forms";
import { Icon } from "~/components/Icon";
import { useNonce } from "~/components/nonce";
import { siteName } from "~/components/title";
import { can, workspacesFor } from "~/domain/policy";
import { LOCALES, type Locale, type MessageKey, localeFromCookieHeader, translator } from "~/i18n";
import { useLocale, useT } from "~/i18n/useT";
import { getCurrentUser } from "~/server/auth/session.server";
import { type DeskIdentity, deskIdentityFor } from "~/server/entities/desk.server";
import { db, runtime } from "~/server/runtime.server";
import appCss from "~/styles/app.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: "/vendor/bootstrap-italia/css/bootstrap-italia.min.css" },
  { rel: "stylesheet", href: appCss },
  {
    rel: "preload",
    href: "/vendor/bootstrap-italia/fonts/Titillium_Web/titillium-web-v10-latin-ext_latin-regular.woff2",
    as: "font",
    type: "font/woff2",
    crossOrigin: "anonymous",
  },
];

export const meta: MetaFunction = ({ matches }) => [{ title: siteName(matches) }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const [user, desk] = await Promise.all([getCurrentUser(request), deskIdentityFor(request, db())]);
  const workspaces = user ? workspacesFor(user.principal) : [];
  // No cookie and no token for an anonymous visitor here (issue 18): public pages stay cacheable, and the
  // pages with a form an anonymous visitor may post issue their token themselves (formToken).
  return Response.json({
    locale,
    csrf: user ? user.session.csrf : "",
    user: user ? { name: user.fullName, email: user.email } : null,
    workspaces,
    desk,
    // Quoted on the error page: the log line with the details carries the same id (entry.server handleError).
    errorId: typeof context.errorId === "string" ? context.errorId : "",
    // The link shows only to whoever the mailbox will let in (no dead end).
    devMailbox:
      !runtime.env.isProduction &&
      (runtime.env.DEV_MAILBOX === "open" || (!!user && can(user.principal, { type: "admin.access" }))),
  });
}

export type RootData = {
  errorId?: string;
  locale: Locale;
  csrf: string;
  user: { name: string; email: string } | null;
  workspaces: { path: string; label: string }[];
  desk: DeskIdentity;
  devMailbox: boolean;
};

export function useRootData() {
  return useRouteLoaderData("root") as RootData | undefined;
}

function LanguageSwitch() {
  const t = useT();
  const locale = useLocale();
  const location = useLocation();
  const back = encodeURIComponent(location.pathname + location.search);
  return (
    <nav className="suap-lang d-flex gap-3 align-items-center" aria-label={t("shell.language")}>
      {LOCALES.map((l) =>
        l === locale ? (
          <span key={l} aria-current="true" className="fw-bold text-white">
            {t(`lang.${l}`)}
          </span>
        ) : (
          <a key={l} href={`/lingua?to=${l}&back=${back}`} lang={l} hrefLang={l}>
            {translator(l)(`lang.${l}`)}
          </a>
        ),
      )}
    </nav>
  );
}

function Header() {
  const t = useT();
  const data = useRootData();
  return (
    <header className="it-header-wrapper">
      <div className="it-header-slim-wrapper">
        <div className="container">
          <div className="row">
            <div className="col-12">
              <div className="it-header-slim-wrapper-content d-flex justify-content-between flex-wrap gap-2">
                <span className="d-none d-lg-block navbar-brand text-white">{data?.desk.owner}</span>
                <div className="it-header-slim-right-zone d-flex gap-4 align-items-center">
                  <LanguageSwitch />
                  {data?.user ? (
                    <Form method="post" action="/esci" className="d-flex align-items-center gap-2">
                      <CsrfInput />
                      <span className="text-white small d-none d-md-inline">
                        {t("shell.loggedAs", { name: data.user.name })}
                      </span>
                      <button type="submit" className="btn btn-primary btn-sm">
                        {t("shell.logout")}
                      </button>
                    </Form>
                  ) : (
                    <Link to="/accedi" className="btn btn-primary btn-sm btn-icon">
                      <span className="rounded-icon" aria-hidden="true">
                        <Icon name="it-user" className="icon icon-primary" />
                      </span>
                      <span>{t("shell.login")}</span>
                    </Link>
                  )}
                </div>
              </div>
            </div>
          </div>
        </div>
      </div>
      <div className="it-nav-wrapper">
        <div className="it-header-center-wrapper">
          <div className="container">
            <div className="row">
              <div className="col-12">
                <div className="it-header-center-content-wrapper">
                  <div className="it-brand-wrapper">
                    <Link to="/">
                      <Icon name="it-pa" className="icon" />
                      <div className="it-brand-text">
                        <div className="it-brand-title">{data?.desk.site ?? "SUAP"}</div>
                        <div className="it-brand-tagline d-none d-md-block">{t("app.tagline")}</div>
                      </div>
                    </Link>
                  </div>
                </div>
              </div>
            </div>
          </div>
        </div>
        <div className="it-header-navbar-wrapper bg-primary">
          <div className="container">
            <nav className="suap-nav" aria-label={t("shell.nav")}>
              <ul>
                <li>
                  <Link to="/">{t("shell.nav.home")}</Link>
                </li>
                <li>
                  <Link to="/catalogo">{t("shell.nav.catalogue")}</Link>
                </li>
                <li>
                  <Link to="/cosa-devo-presentare">{t("shell.nav.finder")}</Link>
                </li>
                {(data?.workspaces ?? []).map((w) => (
                  <li key={w.path}>
                    <Link to={w.path}>{t(w.label as MessageKey)}</Link>
                  </li>
                ))}
                <li>
                  <Link to="/area-personale">{t("shell.nav.personal")}</Link>
                </li>
              </ul>
            </nav>
          </div>
        </div>
      </div>
    </header>
  );
}

function Footer() {
  const t = useT();
  const data = useRootData();
  return (
    <footer className="it-footer suap-footer" id="footer">
      <div className="it-footer-main">
        <div className="container py-4">
          <div className="row">
            <div className="col-md-6">
              <h2 className="h5 text-white">{data?.desk.site ?? "SUAP"}</h2>
              <p className="text-white">{data?.desk.comuni.map((c) => c.name).join(", ")}</p>
              <p className="text-white">
                {data?.desk.pec ? t("shell.footer.contactsText", { pec: data.desk.pec }) : null}
              </p>
            </div>
            <div className="col-md-6">
              <ul className="list-unstyled">
                <li>
                  <Link to="/accessibilita">{t("shell.footer.accessibility")}</Link>
                </li>
                <li>
                  <Link to="/privacy">{t("shell.footer.privacy")}</Link>
                </li>
                {data?.devMailbox ? (
                  <li>
                    <Link to="/dev/posta">{t("shell.footer.devMailbox")}</Link>
                  </li>
                ) : null}
              </ul>
              <p className="text-white small">{t("shell.footer.opensource")}</p>
            </div>
          </div>
        </div>
      </div>
    </footer>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const locale = useLocale();
  const t = useT();
  const nonce = useNonce();
  return (
    <html lang={locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <div className="skiplinks">
          <a className="visually-hidden-focusable" href="#main">
            {t("shell.skip")}
          </a>
          <a className="visually-hidden-focusable" href="#footer">
            {t("shell.skipFooter")}
          </a>
        </div>
        <Header />
        <main id="main" tabIndex={-1} className="container my-5">
          {children}
        </main>
        <Footer />
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const t = useT();
  const errorId = useRouteLoaderData<RootData>("root")?.errorId;
  let unexpected = false;
  let title = t("error.title");
  let text = t("error.text");
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) {
      title = t("notFound.title");
      text = t("notFound.text");
    } else if (error.status === 403) {
      title = t("error.forbidden.title");
      text = error.statusText === "csrf" ? t("errors.csrf") : t("error.forbidden.text");
    }
  } else {
    // Details go to the log only (entry.server handleError, under this id); the page never shows them.
    unexpected = true;
  }
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{title}</h1>
        <p className="lead">{text}</p>
        {unexpected && errorId ? <p>{t("error.id", { id: errorId })}</p> : null}
        <Link to="/" className="btn btn-primary">
          {t("error.home")}
        </Link>
      </div>
    </div>
  );
}
