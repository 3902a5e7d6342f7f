import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData } from "@remix-run/react";
import { CsrfInput, ErrorSummary, type FieldError, fieldError, TextField } from "~/components/forms";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { isPlausibleEmail, registerBusinessUser } from "~/server/auth/accounts.server";
import { passwordProblem } from "~/server/auth/password.server";
import { createUserSession, readForm } from "~/server/auth/session.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Registrati") }];

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const fullName = String(form.get("fullName") ?? "").trim();
  const email = String(form.get("email") ?? "").trim();
  const password = String(form.get("password") ?? "");
  const confirm = String(form.get("passwordConfirm") ?? "");
  const errors: FieldError[] = [];
  if (fullName.length < 2) errors.push({ field: "fullName", message: t("register.error.name") });
  if (!isPlausibleEmail(email)) errors.push({ field: "email", message: t("register.error.email") });
  const problem = passwordProblem(password);
  if (problem === "too_short") errors.push({ field: "password", message: t("register.error.passwordShort") });
  if (problem === "too_long") errors.push({ field: "password", message: t("register.error.passwordLong") });
  if (!problem && password !== confirm)
    errors.push({ field: "passwordConfirm", message: t("register.error.passwordMismatch") });
  if (errors.length) return Response.json({ errors, values: { fullName, email } }, { status: 400 });
  const result = await registerBusinessUser({ email, password, fullName });
  if (!result.ok) {
    return Response.json(
      { errors: [{ field: "email", message: t("register.error.emailTaken") }], values: { fullName, email } },
      { status: 409 },
    );
  }
  return createUserSession(request, result.userId, "/area-personale");
}

export default function Register() {
  const t = useT();
  const data = useActionData<{ errors: FieldError[]; values: { fullName: string; email: string } }>();
  return (
    <div className="row">
      <div className="col-lg-6">
        <h1>{t("register.title")}</h1>
        <p className="lead">{t("register.lead")}</p>
        <ErrorSummary errors={data?.errors ?? []} />
        <Form method="post" noValidate>
          <CsrfInput />
          <TextField
            name="fullName"
            label={t("register.name")}
            autoComplete="name"
            defaultValue={data?.values.fullName}
            error={fieldError(data?.errors, "fullName")}
          />
          <TextField
            name="email"
            type="email"
            label={t("register.email")}
            autoComplete="email"
            defaultValue={data?.values.email}
            error={fieldError(data?.errors, "email")}
          />
          <TextField
            name="password"
            type="password"
            label={t("register.password")}
            hint={t("register.passwordHint")}
            autoComplete="new-password"
            error={fieldError(data?.errors, "password")}
          />
          <TextField
            name="passwordConfirm"
            type="password"
            label={t("register.passwordConfirm")}
            autoComplete="new-password"
            error={fieldError(data?.errors, "passwordConfirm")}
          />
          <button type="submit" className="btn btn-primary">
            {t("register.submit")}
          </button>
        </Form>
        <p className="mt-4">
          {t("register.haveAccount")} <Link to="/accedi">{t("login.submit")}</Link>
        </p>
      </div>
    </div>
  );
}
