import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { CsrfInput, ErrorSummary, type FieldError, fieldError, TextField } from "~/components/forms";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { isPlausibleEmail, login } from "~/server/auth/accounts.server";
import { homePathFor } from "~/domain/policy";
import {
  clientIp,
  createUserSession,
  getCurrentUser,
  loadPrincipal,
  readForm,
  safeRedirect,
} from "~/server/auth/session.server";
import { runtime } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Accedi") }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getCurrentUser(request);
  if (user) throw redirect("/area-personale");
  return { demo: runtime.env.demoAccounts };
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
  // Without a page to go back to, each role lands on its own workspace.
  const home = homePathFor(await loadPrincipal(result.userId));
  return createUserSession(request, result.userId, safeRedirect(form.get("redirectTo"), home));
}

export default function Login() {
  const t = useT();
  const data = useActionData<{ errors: FieldError[]; email: string }>();
  const { demo } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <div className="row">
      <div className="col-lg-6">
        <h1>{t("login.title")}</h1>
        <p className="lead">{t("login.lead")}</p>
        {demo ? <p className="alert alert-info">{t("login.demo")}</p> : null}
        <ErrorSummary errors={data?.errors ?? []} />
        <Form method="post" noValidate>
          <CsrfInput />
          <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
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
        <p className="mt-4">
          {t("login.noAccount")} <Link to="/registrati">{t("login.register")}</Link>
        </p>
      </div>
    </div>
  );
}
