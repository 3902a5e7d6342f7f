import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { ConditionalForm, CatalogueField } from "~/components/filing/fields";
import { CsrfInput, ErrorSummary } from "~/components/forms";
import type { Answers } from "~/domain/forms/types";
import { localeFromCookieHeader } from "~/i18n";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { isDraft, loadDraft, notFound, saveSection } from "~/server/filing/drafts.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Compila la sezione") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ctx = await loadDraft(db(), user, params.id ?? "");
  if (!isDraft(ctx)) throw redirect(`/pratiche/${ctx.pratica.id}`);
  const section = ctx.bundle.form.sections.find((s) => s.id === params.section);
  if (!section) throw notFound();
  const sections = ctx.bundle.form.sections;
  const prefilled = ["impresa", "dichiarante"].includes(section.id);
  return {
    id: ctx.pratica.id,
    section,
    answers: ctx.answers,
    prefilled,
    position: sections.indexOf(section) + 1,
    count: sections.length,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await readForm(request);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const leave = form.get("intent") === "leave";
  const id = params.id ?? "";
  const result = await saveSection(db(), user, id, params.section ?? "", form, { validate: !leave });
  if (leave) return redirect("/pratiche?salvata=1");
  if (!result.ok) {
    return Response.json(
      {
        errors: result.errors.map((e) => ({ field: e.field, message: e.message[locale] })),
        answers: result.answers,
      },
      { status: 400 },
    );
  }
  const back = new URL(request.url).searchParams.get("ritorno") === "riepilogo";
  return redirect(back ? `/pratiche/${id}/riepilogo` : `/pratiche/${id}?salvata=1`);
}

export default function SectionPage() {
  const t = useT();
  const locale = useLocale();
  const v = useLoaderData<typeof loader>();
  const data = useActionData<{ errors: { field: string; message: string }[]; answers: Answers }>();
  const [params] = useSearchParams();
  const back = params.get("ritorno") === "riepilogo";
  const answers = data?.answers ?? v.answers;
  const errors = data?.errors ?? [];
  return (
    <div className="row">
      <div className="col-lg-8">
        <p className="text-muted mb-1">
          {v.position} / {v.count}
        </p>
        <ErrorSummary errors={errors} />
        <h1>{v.section.title[locale]}</h1>
        {v.section.description ? <p className="lead">{v.section.description[locale]}</p> : null}
        {v.prefilled ? <p className="alert alert-info">{t("filing.section.prefilled")}</p> : null}
        <Form
          method="post"
          noValidate
          action={`/pratiche/${v.id}/sezioni/${v.section.id}${back ? "?ritorno=riepilogo" : ""}`}
        >
          <CsrfInput />
          <ConditionalForm>
            {v.section.fields.map((f) => (
              <CatalogueField
                key={f.name}
                field={f}
                value={answers[f.name]}
                error={errors.find((e) => e.field === f.name)?.message}
                locale={locale}
              />
            ))}
          </ConditionalForm>
          <div className="d-flex gap-3 flex-wrap">
            <button type="submit" name="intent" value="continue" className="btn btn-primary">
              {t("filing.section.continue")}
            </button>
            <button type="submit" name="intent" value="leave" className="btn btn-outline-primary">
              {t("filing.section.saveLeave")}
            </button>
          </div>
        </Form>
        <p className="mt-4">
          <Link to={back ? `/pratiche/${v.id}/riepilogo` : `/pratiche/${v.id}`}>
            {back ? t("filing.section.backSummary") : t("filing.section.back")}
          </Link>
        </p>
      </div>
    </div>
  );
}
