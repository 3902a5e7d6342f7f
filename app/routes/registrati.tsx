import {
  type ActionFunctionArgs,
  data,
  type LoaderFunctionArgs,
  type MetaFunction,
  redirect,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { CsrfInput, ErrorSummary, type FieldError, fieldError, TextField } from "~/components/forms";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { isPlausibleEmail, nameProblem, registerBusinessUser } from "~/server/auth/accounts.server";
import { passwordProblem } from "~/server/auth/password.server";
import { formToken, getCurrentUser, readForm } from "~/server/auth/session.server";
import { pageTitle } from "~/components/title";
import { runtime } from "~/server/runtime.server";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Registrati") }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getCurrentUser(request)) throw redirect("/area-personale");
  const { csrf, headers } = await formToken(request);
  return data({ oidc: runtime.env.oidc.mode !== "off", csrf }, { headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  // With SPID/CIE on, businesses have no password: the first SPID/CIE sign-in creates the account.
  if (runtime.env.oidc.mode !== "off") throw redirect("/accedi");
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const fullName = String(form.get("fullName") ?? "").trim();
  const email = String(form.get("email") ?? "")
    .trim()
    .slice(0, 1000);
  const password = String(form.get("password") ?? "");
  const confirm = String(form.get("passwordConfirm") ?? "");
  const errors: FieldError[] = [];
  const name = nameProblem(fullName);
  if (name)
    errors.push({
      field: "fullName",
      message: t(
        name === "too_long"
          ? "register.error.nameLong"
          : name === "characters"
            ? "register.error.nameCharacters"
            : "register.error.name",
      ),
    });
  if (!isPlausibleEmail(email)) errors.push({ field: "email", message: t("register.error.email") });
  const problem = passwordProblem(password, { email });
  if (problem) errors.push({ field: "password", message: t(PASSWORD_MESSAGES[problem]) });
  if (!problem && password !== confirm)
    errors.push({ field: "passwordConfirm", message: t("register.error.passwordMismatch") });
  // The form comes back without the control characters and cut to a sane length.
  const shown = {
    fullName: fullName.replace(/[\p{Cc}\p{Cf}]/gu, "").slice(0, 100),
    email: email.slice(0, 254),
  };
  if (errors.length) return Response.json({ errors, values: shown }, { status: 400 });
  // Known or new address, the answer is the same: a message was sent (no account enumeration).
  await registerBusinessUser({ email, password, fullName });
  return redirect("/registrati?inviato=1");
}

const PASSWORD_MESSAGES = {
  too_short: "register.error.passwordShort",
  too_long: "register.error.passwordLong",
  email: "register.error.passwordEmail",
  demo: "register.error.passwordDemo",
  repeated: "register.error.passwordRepeated",
} as const;

export default function Register() {
  const t = useT();
  const data = useActionData<{ errors: FieldError[]; values: { fullName: string; email: string } }>();
  const { oidc } = useLoaderData() as { oidc: boolean };
  const [params] = useSearchParams();
  if (params.get("inviato"))
    return (
      <div className="row">
        <div className="col-lg-6">
          <h1>{t("register.sent.title")}</h1>
          <p className="lead">{t("register.sent.text")}</p>
          <p>
            <Link to="/accedi">{t("login.submit")}</Link>
          </p>
        </div>
      </div>
    );
  if (oidc)
    return (
      <div className="row">
        <div className="col-lg-6">
          <h1>{t("register.title")}</h1>
          <p className="lead">{t("register.oidc")}</p>
          <p>
            <Link to="/accedi" className="btn btn-primary">
              {t("login.submit")}
            </Link>
          </p>
        </div>
      </div>
    );
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
