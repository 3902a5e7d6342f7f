import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import { CatalogueField } from "~/components/filing/fields";
import { CsrfInput, ErrorSummary } from "~/components/forms";
import type { Answers } from "~/domain/forms/types";
import { localeFromCookieHeader } from "~/i18n";
import { formErrorResponse } from "~/server/http/form-errors.server";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { businessForm } from "~/server/businesses/businesses.server";
import { linkBusiness } from "~/server/businesses/link.server";
import { businessRegister } from "~/server/integrations/registry.server";
import { db, runtime } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Aggiungi un'impresa") }];

function requireBusinessSide(roles: { role: string }[]) {
  if (!roles.some((g) => g.role === "business"))
    throw new Response("Pagina non disponibile", { status: 404 });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  requireBusinessSide(user.principal.grants);
  return { fields: businessForm.sections[0]!.fields };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request);
  requireBusinessSide(user.principal.grants);
  const form = await readForm(request);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const result = await linkBusiness(db(), user, form, {
    register: businessRegister(runtime.env),
    verifiedIdentity:
      user.session.method === "spid" || user.session.method === "cie" || user.session.method === "oidc",
  });
  if (result.ok) return redirect(`/imprese/${result.businessId}?aggiunta=1`);
  return formErrorResponse(locale, result.errors, result.answers);
}

export default function LinkBusiness() {
  const t = useT();
  const locale = useLocale();
  const { fields } = useLoaderData<typeof loader>();
  const data = useActionData<{ errors: { field: string; message: string }[]; answers: Answers }>();
  const errors = data?.errors ?? [];
  const answers = data?.answers ?? {};
  return (
    <div className="row">
      <div className="col-lg-8">
        <ErrorSummary errors={errors} />
        <h1>{t("business.link.title")}</h1>
        <p className="lead">{t("business.link.lead")}</p>
        <Form method="post" noValidate>
          <CsrfInput />
          {fields.map((f) => (
            <CatalogueField
              key={f.name}
              field={f}
              value={answers[f.name]}
              error={errors.find((e) => e.field === f.name)?.message}
              locale={locale}
            />
          ))}
          <button type="submit" className="btn btn-primary">
            {t("business.link.submit")}
          </button>
        </Form>
        <p className="mt-4">
          <Link to="/imprese">{t("filing.business.title")}</Link>
        </p>
      </div>
    </div>
  );
}
