import { type ActionFunctionArgs, data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, redirect, useActionData } from "@remix-run/react";
import { CsrfInput, ErrorSummary, TextField } from "~/components/forms";
import { localeFromCookieHeader, translator } from "~/i18n";
import { useT } from "~/i18n/useT";
import { formToken, readForm } from "~/server/auth/session.server";
import { normalizeVerificationCode } from "~/server/documents/pdf.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Verifica un documento") }];

/** The check form is posted by anyone: the page issues the visitor's CSRF token (formToken). */
export async function loader({ request }: LoaderFunctionArgs) {
  const { csrf, headers } = await formToken(request);
  return data({ csrf }, { headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const t = translator(localeFromCookieHeader(request.headers.get("Cookie")));
  const typed = String(form.get("codice") ?? "");
  const code = normalizeVerificationCode(typed);
  if (!code)
    return Response.json(
      { errors: [{ field: "codice", message: t("filing.verify.invalid") }], typed },
      { status: 400 },
    );
  return redirect(`/verifica/${code}`);
}

export default function VerifyForm() {
  const t = useT();
  const data = useActionData<{ errors: { field: string; message: string }[]; typed: string }>();
  return (
    <div className="row">
      <div className="col-lg-7">
        <h1>{t("filing.verify.title")}</h1>
        <p className="lead">{t("filing.verify.lead")}</p>
        <ErrorSummary errors={data?.errors ?? []} />
        <Form method="post" noValidate>
          <CsrfInput />
          <TextField
            name="codice"
            label={t("filing.verify.code")}
            defaultValue={data?.typed}
            error={data?.errors[0]?.message}
          />
          <button type="submit" className="btn btn-primary">
            {t("filing.verify.submit")}
          </button>
        </Form>
      </div>
    </div>
  );
}
