import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useLoaderData } from "@remix-run/react";
import { Banner } from "~/components/desk/ui";
import { CsrfInput } from "~/components/forms";
import { SessionsTable } from "~/components/Sessions";
import { pageTitle } from "~/components/title";
import { useT } from "~/i18n/useT";
import { securityView } from "~/server/auth/account-security.server";
import { endSession, readForm, requireUser, revokeUserSessions } from "~/server/auth/session.server";
import { db } from "~/server/runtime.server";

/**
 * The person's own sign-ins (issue 13): the live sessions, "Esci da tutti i dispositivi" (every session,
 * this one too), and for staff the state of the second factor with the way to enrol it.
 */
export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Accessi e sicurezza") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const done = new URL(request.url).searchParams.get("fatto");
  return {
    ...(await securityView(db(), user.id, user.session.id)),
    done: done === "fattore" ? ("factor" as const) : null,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  await readForm(request);
  const user = await requireUser(request);
  const ended = await revokeUserSessions(db(), user.id, "logout_everywhere");
  console.info(`[identity] ${ended} session(s) of user ${user.id} ended from the account page`);
  const { setCookie } = await endSession(request);
  return redirect("/accedi?uscito=ovunque", { headers: { "Set-Cookie": setCookie } });
}

export default function AccountSecurity() {
  const t = useT();
  const { sessions, staff, factor, done } = useLoaderData<typeof loader>();
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{t("account.title")}</h1>
        {done === "factor" ? <Banner>{t("totp.enrol.doneBanner")}</Banner> : null}
        <h2 className="h4">{t("account.sessions.heading")}</h2>
        <p>{t("account.sessions.lead")}</p>
        <SessionsTable sessions={sessions} caption={t("account.sessions.caption")} />
        <Form method="post">
          <CsrfInput />
          <button type="submit" className="btn btn-outline-danger">
            {t("account.sessions.endAll")}
          </button>
        </Form>
        {staff ? (
          <>
            <h2 className="h4 mt-5">{t("account.factor.heading")}</h2>
            {factor.enabled ? (
              <p>{t("account.factor.on", { left: factor.recoveryLeft })}</p>
            ) : (
              <>
                <p>{t("account.factor.off")}</p>
                <Link className="btn btn-primary" to="/area-personale/secondo-fattore">
                  {t("account.factor.enrol")}
                </Link>
              </>
            )}
          </>
        ) : null}
      </div>
    </div>
  );
}
