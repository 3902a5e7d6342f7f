import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { homePathFor } from "~/domain/policy";
import { useT } from "~/i18n/useT";
import { completeSignIn } from "~/server/auth/oidc-login.server";
import { createUserSession, loadPrincipal, resolveSession } from "~/server/auth/session.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Accesso non riuscito") }];

/**
 * Where the identity provider sends the browser back. A good callback opens the session; a refused one
 * is a page that says what happened and what to do (and a log line); nothing is created.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const session = await resolveSession(request);
  const result = await completeSignIn(new URL(request.url), session.token);
  if (!result.ok)
    return Response.json(
      { reason: result.reason },
      { status: result.reason === "unavailable" ? 503 : 400, headers: { "Cache-Control": "no-store" } },
    );
  const home = homePathFor(await loadPrincipal(result.userId));
  return createUserSession(request, result.userId, result.redirectTo || home, {
    method: result.scheme,
    loa: result.loa,
    fiscalCode: result.fiscalCode,
    idToken: result.idToken,
  });
}

export default function SignInRefused() {
  const t = useT();
  const { reason } = useLoaderData<{ reason: string }>();
  const key = `oidc.error.${reason}` as Parameters<typeof t>[0];
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{t("oidc.error.title")}</h1>
        <div className="alert alert-danger" role="alert">
          <p className="mb-0">{t(key)}</p>
        </div>
        <p>
          <Link to="/accedi" className="btn btn-primary">
            {t("oidc.error.retry")}
          </Link>
        </p>
      </div>
    </div>
  );
}
