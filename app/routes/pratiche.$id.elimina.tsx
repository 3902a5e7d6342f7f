import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/forms";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { deleteDraft, isDraft, loadDraft } from "~/server/filing/drafts.server";
import { releasePositionsBeforeDeletion } from "~/server/integrations/payment/pages.server";
import { db, runtime } from "~/server/runtime.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Eliminare la bozza?") }];

/** Asks before deleting a draft: the GOV.UK confirmation pattern, a real form, no JavaScript needed. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ctx = await loadDraft(db(), user, params.id ?? "");
  // A pratica already sent has no draft to delete: its own page says what can be done now.
  if (!isDraft(ctx)) throw redirect(`/pratiche/${ctx.pratica.id}`);
  return { id: ctx.pratica.id, title: ctx.bundle.title };
}

export async function action({ request, params }: ActionFunctionArgs) {
  await readForm(request);
  const user = await requireUser(request);
  // pagoPA notices of the draft are invalidated first (or the deletion is refused with a 409 sentence).
  await releasePositionsBeforeDeletion(db(), runtime.env, user, params.id ?? "");
  await deleteDraft(db(), user, params.id ?? "");
  return redirect("/pratiche?eliminata=1");
}

export default function DeleteDraft() {
  const t = useT();
  const locale = useLocale();
  const data = useLoaderData<typeof loader>();
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{t("filing.delete.title")}</h1>
        <p>{t("filing.delete.text", { title: data.title[locale] })}</p>
        <Form method="post" className="d-flex gap-3 flex-wrap">
          <CsrfInput />
          <button type="submit" className="btn btn-danger">
            {t("filing.delete.confirm")}
          </button>
          <Link to={`/pratiche/${data.id}`} className="btn btn-outline-primary">
            {t("filing.delete.cancel")}
          </Link>
        </Form>
      </div>
    </div>
  );
}
