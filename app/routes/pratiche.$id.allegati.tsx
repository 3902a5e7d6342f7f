import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { UploadForm } from "~/components/filing/upload";
import { CsrfInput, ErrorSummary } from "~/components/forms";
import { localeFromCookieHeader } from "~/i18n";
import { useLocale, useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import { attachmentList, euro } from "~/domain/filing/bundle";
import { isDraft, loadDraft, uploadedAttachments } from "~/server/filing/drafts.server";
import {
  parseUpload,
  removeAttachment,
  storeDraftUpload,
  uploadLimits,
} from "~/server/filing/uploads.server";
import { runtime, db } from "~/server/runtime.server";
import { fileStore } from "~/server/services.server";
import { paymentGate } from "~/server/integrations/payment/pages.server";
import { pageTitle } from "~/components/title";
import { SignatureReport } from "~/components/signature/SignatureReport";

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Allegati") }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const ctx = await loadDraft(db(), user, params.id ?? "");
  if (!isDraft(ctx)) throw redirect(`/pratiche/${ctx.pratica.id}`);
  const limits = uploadLimits(runtime.env);
  const { pagopa } = await paymentGate(db(), runtime.env, ctx.pratica.id);
  return {
    id: ctx.pratica.id,
    uploadKey: crypto.randomUUID(),
    // pagoPA (issue 15): where the fees are paid with pagoPA the payment proof is not required (fallback only).
    pagopa,
    list: attachmentList(ctx.refs, ctx.answers).map((a) => ({
      ...a.attachment,
      required: a.required && !(pagopa && a.attachment.paymentProof),
    })),
    uploaded: await uploadedAttachments(db(), ctx.pratica.id),
    feesCents: ctx.bundle.fees.dirittiCents,
    limits: {
      file: Math.round(limits.maxFileBytes / 1048576),
      total: Math.round(limits.maxPraticaBytes / 1048576),
    },
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const id = params.id ?? "";
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const here = `/pratiche/${id}/allegati`;
  if ((request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) {
    const outcome = await storeDraftUpload(
      db(),
      fileStore(),
      user,
      await parseUpload(request, uploadLimits(runtime.env)),
      id,
      locale,
      uploadLimits(runtime.env),
    );
    if (outcome.ok) return redirect(outcome.redirect);
    return Response.json(
      { errors: [{ field: outcome.field || "file", message: outcome.message }] },
      { status: outcome.status },
    );
  }
  const form = await readForm(request);
  if (form.get("intent") === "remove") {
    const removed = await removeAttachment(db(), user, id, String(form.get("attachment") ?? ""));
    return redirect(removed ? `${here}?rimosso=${encodeURIComponent(removed)}` : here);
  }
  return redirect(`/pratiche/${id}`);
}

export default function AttachmentsPage() {
  const t = useT();
  const locale = useLocale();
  const v = useLoaderData<typeof loader>();
  const data = useActionData<{ errors: { field: string; message: string }[]; code: string }>();
  const [params] = useSearchParams();
  const errors = data?.errors ?? [];
  const uploadedName = params.get("caricato");
  const removedName = params.get("rimosso");
  const duplicateName = params.get("gia");
  const duplicateOf = v.list.find((a) => a.code === params.get("documento"));
  return (
    <div className="row">
      <div className="col-lg-9">
        {uploadedName ? (
          <div className="alert alert-success" role="status">
            {t("filing.attachments.ok", { name: uploadedName })}
          </div>
        ) : null}
        {duplicateName && duplicateOf ? (
          <div className="alert alert-info" role="status">
            {t("filing.attachments.duplicate", { name: duplicateName, title: duplicateOf.title[locale] })}
          </div>
        ) : null}
        {removedName ? (
          <div className="alert alert-success" role="status">
            {t("filing.attachments.removed", { name: removedName })}
          </div>
        ) : null}
        <ErrorSummary errors={errors} />
        <h1>{t("filing.attachments.title")}</h1>
        <p className="lead">{t("filing.attachments.lead", { file: v.limits.file, total: v.limits.total })}</p>
        {v.list.map((a) => {
          const files = v.uploaded.filter((u) => u.code === a.code);
          return (
            <section key={a.code} className="border-top py-3" aria-labelledby={`att-${a.code}`}>
              <h2 className="h5" id={`att-${a.code}`}>
                {a.title[locale]}{" "}
                <span className={`badge ${a.required ? "bg-primary" : "bg-secondary"}`}>
                  {a.required ? t("filing.attachments.required") : t("filing.attachments.optional")}
                </span>
              </h2>
              {a.description ? <p>{a.description[locale]}</p> : null}
              {a.paymentProof && v.pagopa ? (
                <p>
                  {t("payments.attachments.pagopa")}{" "}
                  <Link to={`/pratiche/${v.id}/pagamenti`}>{t("payments.attachments.link")}</Link>
                </p>
              ) : a.paymentProof ? (
                <p>{t("filing.attachments.payment", { amount: euro(v.feesCents, locale) })}</p>
              ) : null}
              {a.signed ? <p className="small">{t("filing.attachments.signed")}</p> : null}
              {files.length ? (
                <ul className="list-unstyled">
                  {files.map((f) => (
                    <li key={f.id} className="d-flex flex-wrap gap-2 align-items-center mb-1">
                      <span>{f.filename}</span>
                      <code className="small text-break">SHA-256 {f.sha256}</code>
                      <SignatureReport report={f.signature} />
                      <Form method="post" action={`/pratiche/${v.id}/allegati`}>
                        <CsrfInput />
                        <input type="hidden" name="intent" value="remove" />
                        <input type="hidden" name="attachment" value={f.id} />
                        <button type="submit" className="btn btn-link btn-sm p-0">
                          {t("filing.attachments.removeNamed", { name: f.filename })}
                        </button>
                      </Form>
                    </li>
                  ))}
                </ul>
              ) : null}
              <UploadForm
                action={`/pratiche/${v.id}/allegati`}
                xhrAction={`/api/v1/pratiche/${v.id}/allegati`}
                id={`file-${a.code}`}
                label={t("filing.attachments.chooseFile", { title: a.title[locale] })}
                error={errors.find((e) => e.field === `file-${a.code}`)?.message}
                submitLabel={t("filing.attachments.upload")}
                uploadKey={v.uploadKey}
              >
                <input type="hidden" name="code" value={a.code} />
              </UploadForm>
            </section>
          );
        })}
        <p className="mt-4">
          <Link to={`/pratiche/${v.id}`} className="btn btn-primary">
            {t("filing.attachments.done")}
          </Link>
        </p>
      </div>
    </div>
  );
}
