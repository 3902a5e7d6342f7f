import { type ActionFunctionArgs, data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { CsrfInput, ErrorSummary, type FieldError, fieldError, TextField } from "~/components/forms";
import { Icon } from "~/components/Icon";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { isPlausibleEmail, login } from "~/server/auth/accounts.server";
import { identityAvailable } from "~/server/auth/oidc-login.server";
import { homePathFor } from "~/domain/policy";
import {
  clientIp,
  createUserSession,
  getCurrentUser,
  formToken,
  loadPrincipal,
  readForm,
  resolveSession,
  safeRedirect,
} from "~/server/auth/session.server";
import { db, runtime } from "~/server/runtime.server";
import { beginEnrolment, STAFF_ROLES, startStaffSignin } from "~/server/auth/totp.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Accedi") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getCurrentUser(request);
  const renew = new URL(request.url).searchParams.get("rinnova") === "1";
  if (user && !renew) throw redirect("/area-personale");
  const endedEverywhere = new URL(request.url).searchParams.get("uscito") === "ovunque";
  const { csrf, headers } = await formToken(request);
  return data(
    { demo: runtime.env.demoAccounts, identity: identityAvailable(), renew, endedEverywhere, csrf },
    { headers },
  );
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  const errors: FieldError[] = [];
  if (!isPlausibleEmail(email)) errors.push({ field: "email", message: t("login.error.email") });
  if (!password) errors.push({ field: "password", message: t("login.error.password") });
  if (errors.length) return Response.json({ errors, email }, { status: 400 });
  const result = await login(email, password, clientIp(request));
  if (!result.ok) {
    const message =
      result.reason === "throttled"
        ? t("login.error.throttled", { minutes: result.retryMinutes })
        : t("login.error.invalid");
    return Response.json(
      { errors: [{ field: "email", message }], email },
      { status: result.reason === "throttled" ? 429 : 400 },
    );
  }
  const principal = await loadPrincipal(result.userId);
  const staff = principal.grants.some((g) => STAFF_ROLES.has(g.role));
  if (identityAvailable() && !staff) {
    return Response.json(
      { errors: [{ field: "email", message: t("login.error.useSpid") }], email },
      { status: 400 },
    );
  }
  // Without a page to go back to, each role lands on its own workspace.
  const home = homePathFor(principal);
  const redirectTo = safeRedirect(form.get("redirectTo"), home);
  // Staff with a second factor give its code next; with STAFF_TOTP=required, staff without one enrol now.
  if (staff) {
    const user = await db()
      .selectFrom("users")
      .select("totp_enabled_at")
      .where("id", "=", result.userId)
      .executeTakeFirstOrThrow();
    if (user.totp_enabled_at || runtime.env.staffTotp === "required") {
      const { token } = await resolveSession(request);
      // Each sign-in that must enrol gets a fresh secret (one left from an abandoned enrolment is never reused).
      if (!user.totp_enabled_at) await beginEnrolment(db(), result.userId);
      await startStaffSignin(
        db(),
        token,
        result.userId,
        user.totp_enabled_at ? "verify" : "enrol",
        redirectTo,
      );
      throw redirect("/accedi/codice");
    }
  }
  return createUserSession(request, result.userId, redirectTo);
}

export default function Login() {
  const t = useT();
  const data = useActionData<{ errors: FieldError[]; email: string }>();
  const { demo, identity, renew, endedEverywhere } = useLoaderData() as {
    demo: boolean;
    identity: boolean;
    renew: boolean;
    endedEverywhere: boolean;
  };
  const [params] = useSearchParams();
  const redirectTo = params.get("redirectTo") ?? "";
  const query = redirectTo ? `?redirectTo=${encodeURIComponent(redirectTo)}` : "";
  return (
    <div className="row">
      <div className="col-lg-6">
        <h1>{t("login.title")}</h1>
        {renew ? (
          <p className="alert alert-warning" role="status">
            {t("login.renew")}
          </p>
        ) : null}
        {endedEverywhere ? (
          <p className="alert alert-success" role="status">
            {t("account.sessions.endedAll")}
          </p>
        ) : null}
        {demo ? <p className="alert alert-info">{t("login.demo")}</p> : null}
        <ErrorSummary errors={data?.errors ?? []} />
        {identity ? (
          <section aria-labelledby="spid-heading" className="mb-5">
            <h2 id="spid-heading" className="h3">
              {t("login.spid.heading")}
            </h2>
            <p>{t("login.spid.lead")}</p>
            <ul className="list-unstyled d-flex flex-column gap-3">
              <li>
                <a href={`/accedi/spid${query}`} className="btn btn-primary suap-idp-button">
                  <Icon name="it-user" className="icon icon-white icon-sm me-2" />
                  <span>{t("login.spid")}</span>
                </a>{" "}
                <a href="https://www.spid.gov.it/cos-e-spid/come-attivare-spid/" className="ms-2 small">
                  {t("login.spid.help")}
                </a>
              </li>
              <li>
                <a href={`/accedi/cie${query}`} className="btn btn-primary suap-idp-button">
                  <Icon name="it-card" className="icon icon-white icon-sm me-2" />
                  <span>{t("login.cie")}</span>
                </a>{" "}
                <a href="https://www.cartaidentita.interno.gov.it/richiedi/" className="ms-2 small">
                  {t("login.cie.help")}
                </a>
              </li>
            </ul>
          </section>
        ) : null}
        {identity ? (
          <>
            <h2 className="h3">{t("login.staff.heading")}</h2>
            <p>{t("login.staff.lead")}</p>
          </>
        ) : (
          <p className="lead">{t("login.lead")}</p>
        )}
        <Form method="post" noValidate>
          <CsrfInput />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <TextField
            name="email"
            type="email"
            label={t("login.email")}
            autoComplete="username"
            defaultValue={data?.email}
            error={fieldError(data?.errors, "email")}
          />
          <TextField
            name="password"
            type="password"
            label={t("login.password")}
            autoComplete="current-password"
            error={fieldError(data?.errors, "password")}
          />
          <button type="submit" className="btn btn-primary">
            {t("login.submit")}
          </button>
        </Form>
        {identity ? null : (
          <p className="mt-4">
            {t("login.noAccount")} <Link to="/registrati">{t("login.register")}</Link>
          </p>
        )}
      </div>
    </div>
  );
}
