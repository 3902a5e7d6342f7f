import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { CatalogueField } from "~/components/filing/fields";
import { CsrfInput, ErrorSummary } from "~/components/forms";
import type { Answers } from "~/domain/forms/types";
import { localeFromCookieHeader } from "~/i18n";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { businessForm, businessProfile, saveBusinessProfile } from "~/server/businesses/businesses.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Profilo dell'impresa") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const profile = await businessProfile(db(), user.principal, params.id ?? "");
  if (!profile) throw new Response("Impresa non trovata", { status: 404 });
  return { ...profile, fields: businessForm.sections[0]!.fields };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await readForm(request);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const result = await saveBusinessProfile(db(), user.principal, params.id ?? "", form);
  if (!result) throw new Response("Impresa non trovata", { status: 404 });
  if (result.ok) return redirect(`/imprese/${params.id}?salvato=1`);
  return Response.json(
    {
      errors: result.errors.map((e) => ({ field: e.field, message: e.message[locale] })),
      answers: result.answers,
    },
    { status: 400 },
  );
}

export default function BusinessProfile() {
  const t = useT();
  const locale = useLocale();
  const v = useLoaderData<typeof loader>();
  const data = useActionData<{ errors: { field: string; message: string }[]; answers: Answers }>();
  const [params] = useSearchParams();
  const errors = data?.errors ?? [];
  const answers = data?.answers ?? v.answers;
  return (
    <div className="row">
      <div className="col-lg-8">
        {params.get("salvato") ? (
          <div className="alert alert-success" role="status">
            {t("filing.business.saved")}
          </div>
        ) : null}
        <ErrorSummary errors={errors} />
        <h1>{t("filing.business.profile")}</h1>
        <Form method="post" noValidate>
          <CsrfInput />
          {v.fields.map((f) => (
            <CatalogueField
              key={f.name}
              field={f}
              value={answers[f.name]}
              error={errors.find((e) => e.field === f.name)?.message}
              locale={locale}
            />
          ))}
          <button type="submit" className="btn btn-primary">
            {t("filing.business.save")}
          </button>
        </Form>
        <p className="mt-4">
          <Link to="/imprese">{t("filing.business.title")}</Link>
        </p>
      </div>
    </div>
  );
}
