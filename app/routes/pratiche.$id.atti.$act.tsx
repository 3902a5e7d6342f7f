import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import { UploadForm } from "~/components/filing/upload";
import { CsrfInput, ErrorSummary } from "~/components/forms";
import { localeFromCookieHeader, type MessageKey } from "~/i18n";
import { useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { actAvailable, type ActOutcome, performApplicantAct } from "~/server/filing/acts.server";
import { notFound } from "~/server/filing/drafts.server";
import { parseUpload, uploadLimits } from "~/server/filing/uploads.server";
import { db, runtime } from "~/server/runtime.server";
import { fileStore } from "~/server/services.server";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Azione sulla pratica") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const found = await actAvailable(db(), user, params.id ?? "", params.act ?? "");
  if (!found) throw notFound();
  return {
    id: found.view.pratica.id,
    title: found.view.pratica.title,
    type: found.act.type,
    needsFile: !!found.spec,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const xhr = request.headers.get("X-Requested-With") === "XMLHttpRequest";
  const id = params.id ?? "";
  const found = await actAvailable(db(), user, id, params.act ?? "");
  if (!found) throw notFound();
  const limits = uploadLimits(runtime.env);
  let outcome: ActOutcome;
  if ((request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) {
    const parsed = await parseUpload(request, limits);
    outcome = parsed.ok
      ? await performApplicantAct(db(), fileStore(), user, {
          praticaId: id,
          type: found.act.type as never,
          file: parsed.file
            ? { name: parsed.file.name, bytes: new Uint8Array(await parsed.file.arrayBuffer()) }
            : null,
          limits,
        })
      : { ok: false, status: parsed.status, message: parsed.message };
  } else {
    const form = await readForm(request);
    outcome = await performApplicantAct(db(), fileStore(), user, {
      praticaId: id,
      type: found.act.type as never,
      file: null,
      limits,
      reasons: String(form.get("reasons") ?? ""),
    });
  }
  const done = `/pratiche/${id}?fatto=1`;
  if (outcome.ok) return xhr ? Response.json({ ok: true, redirect: done }) : redirect(done);
  const message = outcome.message[locale];
  if (xhr) return Response.json({ ok: false, message }, { status: outcome.status });
  return Response.json({ errors: [{ field: "act-file", message }] }, { status: outcome.status });
}

export default function ActPage() {
  const t = useT();
  const v = useLoaderData<typeof loader>();
  const data = useActionData<{ errors: { field: string; message: string }[] }>();
  const errors = data?.errors ?? [];
  const label = t(`filing.act.${v.type}` as MessageKey);
  return (
    <div className="row">
      <div className="col-lg-8">
        <ErrorSummary errors={errors} />
        <p className="text-muted mb-1">{v.title}</p>
        <h1>{label}</h1>
        {v.needsFile ? (
          <UploadForm
            action={`/pratiche/${v.id}/atti/${v.type}`}
            id="act-file"
            label={t("filing.act.file")}
            hint={t("filing.act.fileHint")}
            error={errors[0]?.message}
            submitLabel={label}
          />
        ) : (
          <Form method="post" action={`/pratiche/${v.id}/atti/${v.type}`}>
            <CsrfInput />
            {v.type === "CANCEL" ? (
              <p className="alert alert-warning">{t("filing.act.confirmCancel")}</p>
            ) : null}
            {errors.length ? (
              <p id="act-file" className="text-danger fw-semibold">
                {errors[0]!.message}
              </p>
            ) : null}
            <button type="submit" className={`btn ${v.type === "CANCEL" ? "btn-danger" : "btn-primary"}`}>
              {t("filing.act.confirm")}: {label}
            </button>
          </Form>
        )}
        <p className="mt-4">
          <Link to={`/pratiche/${v.id}`}>{t("filing.act.back")}</Link>
        </p>
      </div>
    </div>
  );
}
