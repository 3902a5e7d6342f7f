import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { ConditionalForm, CatalogueField } from "~/components/filing/fields";
import { CsrfInput, ErrorSummary } from "~/components/forms";
import type { Answers } from "~/domain/forms/types";
import { localeFromCookieHeader } from "~/i18n";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { isDraft, loadDraft, notFound, saveSection, sectionPlace } from "~/server/filing/drafts.server";
import { db } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Compila la sezione") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ctx = await loadDraft(db(), user, params.id ?? "");
  if (!isDraft(ctx)) throw redirect(`/pratiche/${ctx.pratica.id}`);
  const section = ctx.bundle.form.sections.find((s) => s.id === params.section);
  if (!section) throw notFound();
  const prefilled = ["impresa", "dichiarante"].includes(section.id);
  // "Sezione 3 di 9": among the sections this pratica shows (a hidden, conditional one is not counted).
  const place = sectionPlace(ctx.bundle.form, ctx.answers, section.id);
  return {
    id: ctx.pratica.id,
    section,
    answers: ctx.answers,
    prefilled,
    position: place.position,
    count: place.count,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const form = await readForm(request);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const leave = form.get("intent") === "leave";
  const id = params.id ?? "";
  const result = await saveSection(db(), user, id, params.section ?? "", form, { validate: !leave });
  if (leave) return redirect(`/pratiche/${id}?salvata=1`);
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
  if (back) return redirect(`/pratiche/${id}/riepilogo`);
  // "Salva e continua": the next section this pratica shows, with the answers just saved (an answer may show or
  // hide a later section); after the last one, the summary.
  const ctx = await loadDraft(db(), user, id);
  const { next } = sectionPlace(ctx.bundle.form, result.answers, params.section ?? "");
  return redirect(next ? `/pratiche/${id}/sezioni/${next}` : `/pratiche/${id}/riepilogo`);
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
        {v.position ? (
          <p className="text-muted mb-1" data-testid="section-counter">
            {t("filing.section.counter", { position: v.position, count: v.count })}
          </p>
        ) : null}
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
