import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { CatalogueField } from "~/components/filing/fields";
import { CsrfInput, ErrorSummary, fieldError, TextField } from "~/components/forms";
import type { Answers } from "~/domain/forms/types";
import { localeFromCookieHeader } from "~/i18n";
import { formErrorResponse } from "~/server/http/form-errors.server";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { businessForm, businessProfile, saveBusinessProfile } from "~/server/businesses/businesses.server";
import { addBusinessMember, businessMembers } from "~/server/businesses/link.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Profilo dell'impresa") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const profile = await businessProfile(db(), user.principal, params.id ?? "");
  if (!profile) throw new Response("Impresa non trovata", { status: 404 });
  const members = await businessMembers(db(), profile.id);
  const me = members.find((m) => m.userId === user.id);
  return {
    ...profile,
    fields: businessForm.sections[0]!.fields,
    members: members.map((m) => ({ name: m.name, role: m.role })),
    canAddPeople: me?.role === "legal_representative",
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await readForm(request);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  if (form.get("intent") === "add_member") {
    const added = await addBusinessMember(
      db(),
      user,
      params.id ?? "",
      String(form.get("person_fiscal_code") ?? ""),
    );
    if (!added) throw new Response("Impresa non trovata", { status: 404 });
    if (added.ok) return redirect(`/imprese/${params.id}?persona=1`);
    return formErrorResponse(locale, [{ field: "person_fiscal_code", message: added.message }]);
  }
  const result = await saveBusinessProfile(db(), user.principal, params.id ?? "", form);
  if (!result) throw new Response("Impresa non trovata", { status: 404 });
  if (result.ok) return redirect(`/imprese/${params.id}?salvato=1`);
  return formErrorResponse(locale, result.errors, result.answers);
}

export default function BusinessProfile() {
  const t = useT();
  const locale = useLocale();
  const v = useLoaderData<typeof loader>();
  const data = useActionData<{ errors: { field: string; message: string }[]; answers: Answers | null }>();
  const [params] = useSearchParams();
  const errors = data?.errors ?? [];
  const answers = data?.answers ?? v.answers;
  return (
    <div className="row">
      <div className="col-lg-8">
        {params.get("aggiunta") || params.get("persona") ? (
          <div className="alert alert-success" role="status">
            {t(params.get("persona") ? "business.member.added" : "business.link.added")}
          </div>
        ) : null}
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
        <h2 className="mt-5">{t("business.member.title")}</h2>
        <ul>
          {v.members.map((m) => (
            <li key={`${m.name}-${m.role}`}>
              {m.name} -{" "}
              {t(m.role === "legal_representative" ? "business.member.rep" : "business.member.member")}
            </li>
          ))}
        </ul>
        {v.canAddPeople ? (
          <Form method="post" noValidate>
            <CsrfInput />
            <input type="hidden" name="intent" value="add_member" />
            <TextField
              name="person_fiscal_code"
              label={t("business.member.fiscalCode")}
              hint={t("business.member.hint")}
              error={fieldError(errors, "person_fiscal_code")}
            />
            <button type="submit" className="btn btn-outline-primary">
              {t("business.member.submit")}
            </button>
          </Form>
        ) : null}
        <p className="mt-4">
          <Link to="/imprese">{t("filing.business.title")}</Link>
        </p>
      </div>
    </div>
  );
}
