import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput, ErrorSummary, type FieldError, fieldError, TextField } from "~/components/forms";
import { RecoveryCodes, TotpEnrolment } from "~/components/SecondFactor";
import { pageTitle } from "~/components/title";
import { localeFromCookieHeader, type MessageKey, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { totpQrSvg } from "~/server/auth/second-factor-view.server";
import { formToken, readForm, resolveSession, startUserSession } from "~/server/auth/session.server";
import {
  beginEnrolment,
  checkSecondFactor,
  confirmEnrolment,
  finishStaffSignin,
  pendingStaffSignin,
} from "~/server/auth/totp.server";
import { db } from "~/server/runtime.server";

/**
 * The second step of a staff sign-in (issue 13): the password was right; now the TOTP code (or a recovery
 * code), or, with STAFF_TOTP=required and no factor yet, the enrolment. Bound to the browser that gave the
 * password and good for 10 minutes; without a pending step the page sends back to /accedi.
 */
export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Codice di verifica") }];

const SECURITY_HEADERS = { "Cache-Control": "private, no-store" };

export async function loader({ request }: LoaderFunctionArgs) {
  const { token } = await resolveSession(request);
  const { csrf, headers } = await formToken(request);
  const sent = { ...SECURITY_HEADERS, ...Object.fromEntries(headers) };
  const pending = await pendingStaffSignin(db(), token);
  // Nothing pending (expired, used, or just completed: the page that shows the recovery codes re-runs this
  // loader after its action): the page says so and links back to the sign-in.
  if (!pending) {
    return Response.json({ mode: "none" as const, secret: "", qrSvg: "", csrf }, { headers: sent });
  }
  if (pending.purpose === "enrol" && !pending.totp_enabled_at) {
    // The secret is shown only here, to the browser that gave the password, until the first code confirms it.
    const secret = await beginEnrolment(db(), pending.user_id, { keepPending: true });
    if (secret) {
      return Response.json(
        { mode: "enrol" as const, secret, qrSvg: await totpQrSvg(secret, pending.email), csrf },
        { headers: sent },
      );
    }
  }
  return Response.json({ mode: "verify" as const, secret: "", qrSvg: "", csrf }, { headers: sent });
}

type ActionData = { errors: FieldError[]; codes?: string[]; next?: string };

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const { token } = await resolveSession(request);
  const pending = await pendingStaffSignin(db(), token);
  if (!pending) throw redirect("/accedi");
  const code = String(form.get("code") ?? "").trim();
  const fail = (key: MessageKey, status: number, params?: Record<string, number>) =>
    Response.json({ errors: [{ field: "code", message: t(key, params) }] } satisfies ActionData, {
      status,
      headers: SECURITY_HEADERS,
    });
  if (!code) return fail("totp.error.missing", 400);
  if (pending.purpose === "enrol" && !pending.totp_enabled_at) {
    const result = await confirmEnrolment(db(), pending.user_id, code);
    if (!result.ok) {
      if (result.reason === "throttled")
        return fail("totp.error.throttled", 429, { minutes: result.retryMinutes });
      if (result.reason === "not_started") throw redirect("/accedi/codice");
      return fail("totp.error.invalidEnrol", 400);
    }
    if (!(await finishStaffSignin(db(), token))) throw redirect("/accedi");
    const setCookie = await startUserSession(request, pending.user_id, { method: "password_totp", loa: 2 });
    return Response.json(
      { errors: [], codes: result.recoveryCodes, next: pending.redirect_to } satisfies ActionData,
      {
        headers: { ...SECURITY_HEADERS, "Set-Cookie": setCookie },
      },
    );
  }
  const result = await checkSecondFactor(db(), pending.user_id, code);
  if (!result.ok) {
    console.warn(`[identity] second factor refused (${result.reason}) for user ${pending.user_id}`);
    if (result.reason === "throttled")
      return fail("totp.error.throttled", 429, { minutes: result.retryMinutes });
    return fail(result.reason === "replayed" ? "totp.error.replayed" : "totp.error.invalid", 400);
  }
  if (!(await finishStaffSignin(db(), token))) throw redirect("/accedi");
  const setCookie = await startUserSession(request, pending.user_id, { method: "password_totp", loa: 2 });
  return redirect(pending.redirect_to, { headers: { "Set-Cookie": setCookie } });
}

export const headers = () => SECURITY_HEADERS;

export default function SecondFactorStep() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  const result = useActionData<ActionData>();
  if (result?.codes && result.next) {
    return (
      <div className="row">
        <div className="col-lg-8">
          <h1>{t("totp.enrol.done")}</h1>
          <RecoveryCodes codes={result.codes} next={result.next} />
        </div>
      </div>
    );
  }
  const errors = result?.errors ?? [];
  if (data.mode === "none") {
    return (
      <div className="row">
        <div className="col-lg-6">
          <h1>{t("totp.verify.title")}</h1>
          <p>{t("totp.none")}</p>
          <Link to="/accedi">{t("oidc.error.retry")}</Link>
        </div>
      </div>
    );
  }
  return (
    <div className="row">
      <div className="col-lg-6">
        <h1>{data.mode === "enrol" ? t("totp.enrol.title") : t("totp.verify.title")}</h1>
        {data.mode === "enrol" ? (
          <TotpEnrolment secret={data.secret} qrSvg={data.qrSvg} errors={errors} />
        ) : (
          <>
            <p>{t("totp.verify.lead")}</p>
            <ErrorSummary errors={errors} />
            <Form method="post" noValidate>
              <CsrfInput />
              <TextField
                name="code"
                label={t("totp.code.label")}
                hint={t("totp.code.hint")}
                autoComplete="one-time-code"
                error={fieldError(errors, "code")}
              />
              <button type="submit" className="btn btn-primary">
                {t("totp.verify.submit")}
              </button>
            </Form>
          </>
        )}
      </div>
    </div>
  );
}
