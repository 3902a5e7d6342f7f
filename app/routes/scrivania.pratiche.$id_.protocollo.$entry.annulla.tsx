import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput, ErrorSummary, type FieldError } from "~/components/forms";
import { pageTitle } from "~/components/title";
import { useT } from "~/i18n/useT";
import { type CurrentUser, readForm, requireUser } from "~/server/auth/session.server";
import { can } from "~/domain/policy";
import { forbidden, notFound } from "~/server/desk/access.server";
import { annulRegistration, checkAnnulForm } from "~/server/protocol/annul.server";
import { protocolEntry } from "~/server/protocol/views.server";
import { db } from "~/server/runtime.server";

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Annulla registrazione di protocollo - Scrivania") },
];

/**
 * Annulling a protocol registration (art. 54 DPR 445/2000), a manager's act: a plain form (reason required,
 * the authorising act), then a confirmation naming the consequence, then the annulment. Officers of the desk
 * get 403; anyone outside the desk, or a registration of another pratica, 404.
 */
async function guard(user: CurrentUser, praticaId: string, entryParam: string) {
  const entry = await protocolEntry(db(), Number(entryParam));
  if (!entry || entry.pratica_id !== praticaId) throw notFound();
  const staff =
    can(user.principal, { type: "desk.worklist", deskId: entry.entity_id }) ||
    can(user.principal, { type: "desk.dashboard", deskId: entry.entity_id });
  if (!staff) throw notFound();
  if (!can(user.principal, { type: "desk.dashboard", deskId: entry.entity_id })) throw forbidden();
  return entry;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const entry = await guard(user, params.id ?? "", params.entry ?? "");
  return {
    praticaId: params.id ?? "",
    entry: {
      id: Number(entry.id),
      label: entry.label,
      subject: entry.subject,
      sha256: entry.document_sha256,
      annulled: !!entry.annulled_at,
    },
  };
}

type ActionData = {
  errors?: FieldError[];
  confirm?: { reason: string; authorisation: string };
  values?: { reason: string; authorisation: string };
};

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await readForm(request);
  const user = await requireUser(request);
  const praticaId = params.id ?? "";
  const entry = await guard(user, praticaId, params.entry ?? "");
  const reason = String(form.get("reason") ?? "");
  const authorisation = String(form.get("authorisation") ?? "");
  const values = { reason, authorisation };
  const refused = checkAnnulForm(reason.trim(), authorisation.trim());
  if (refused && !refused.ok) {
    return Response.json(
      { errors: [{ field: refused.field ?? "", message: refused.messageIt }], values } satisfies ActionData,
      { status: 400 },
    );
  }
  if (form.get("confirm") !== "1") return Response.json({ confirm: values } satisfies ActionData);
  const outcome = await annulRegistration(db(), {
    entryId: Number(entry.id),
    actor: { userId: user.id, principal: user.principal },
    reason,
    authorisation,
  });
  if (!outcome.ok) {
    return Response.json(
      { errors: [{ field: outcome.field ?? "", message: outcome.messageIt }], values } satisfies ActionData,
      { status: outcome.status },
    );
  }
  return redirect(`/scrivania/pratiche/${praticaId}?fatto=PROTOCOL_ANNUL`);
}

export default function AnnulPage() {
  const t = useT();
  const { praticaId, entry } = useLoaderData<typeof loader>();
  const data = useActionData<ActionData>();
  const back = `/scrivania/pratiche/${praticaId}`;
  if (data?.confirm) {
    return (
      <div>
        <h1>{t("protocol.annul.confirmTitle", { label: entry.label })}</h1>
        <section aria-labelledby="annul-consequence" className="border border-danger rounded p-3 mb-4">
          <h2 id="annul-consequence" className="h4">
            {t("desk.confirm.consequence")}
          </h2>
          <p data-testid="annul-consequence">{t("protocol.annul.consequence", { label: entry.label })}</p>
          <h3 className="h6">{t("protocol.entries.reason")}</h3>
          <p data-testid="annul-reason">{data.confirm.reason}</p>
          {data.confirm.authorisation ? (
            <>
              <h3 className="h6">{t("protocol.entries.authorisation")}</h3>
              <p>{data.confirm.authorisation}</p>
            </>
          ) : null}
          <Form method="post" className="d-flex gap-3 align-items-center">
            <CsrfInput />
            <input type="hidden" name="reason" value={data.confirm.reason} />
            <input type="hidden" name="authorisation" value={data.confirm.authorisation} />
            <input type="hidden" name="confirm" value="1" />
            <button type="submit" className="btn btn-danger">
              {t("protocol.annul.submit")}
            </button>
            <Link to={back}>{t("protocol.annul.cancel")}</Link>
          </Form>
        </section>
      </div>
    );
  }
  const errors = data?.errors ?? [];
  const errorOf = (field: string) => errors.find((e) => e.field === field)?.message;
  return (
    <div>
      <p>
        <Link to={back}>{t("desk.pratica.back")}</Link>
      </p>
      <h1>{t("protocol.annul.title", { label: entry.label })}</h1>
      <p className="lead">{entry.subject}</p>
      {entry.sha256 ? (
        <p className="small">
          {t("protocol.entries.sha256")}: <code className="text-break">{entry.sha256}</code>
        </p>
      ) : null}
      <p>{t("protocol.annul.lead")}</p>
      <ErrorSummary errors={errors} />
      {entry.annulled ? (
        <p data-testid="already-annulled">{t("protocol.entries.annulled")}</p>
      ) : (
        <Form method="post" noValidate>
          <CsrfInput />
          <div className="mb-3">
            <label htmlFor="reason" className="form-label">
              {t("protocol.annul.reason")}
            </label>
            {errorOf("reason") ? (
              <p id="reason-error" className="text-danger small">
                {errorOf("reason")}
              </p>
            ) : null}
            <textarea
              id="reason"
              name="reason"
              className={`form-control${errorOf("reason") ? " is-invalid" : ""}`}
              rows={4}
              required
              aria-required="true"
              aria-invalid={errorOf("reason") ? true : undefined}
              aria-describedby={errorOf("reason") ? "reason-error" : undefined}
              defaultValue={data?.values?.reason ?? ""}
            />
          </div>
          <div className="mb-3">
            <label htmlFor="authorisation" className="form-label">
              {t("protocol.annul.authorisation")}
            </label>
            {errorOf("authorisation") ? (
              <p id="authorisation-error" className="text-danger small">
                {errorOf("authorisation")}
              </p>
            ) : null}
            <input
              id="authorisation"
              name="authorisation"
              type="text"
              className="form-control"
              aria-describedby={errorOf("authorisation") ? "authorisation-error" : undefined}
              defaultValue={data?.values?.authorisation ?? ""}
            />
          </div>
          <button type="submit" className="btn btn-outline-danger">
            {t("protocol.annul.continue")}
          </button>
        </Form>
      )}
    </div>
  );
}
