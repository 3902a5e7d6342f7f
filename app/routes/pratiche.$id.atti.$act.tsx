import { randomUUID } from "node:crypto";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, redirect, useActionData, useLoaderData } from "@remix-run/react";
import { CsrfInput, ErrorSummary } from "~/components/forms";
import { localeFromCookieHeader, type MessageKey } from "~/i18n";
import { useT } from "~/i18n/useT";
import { readForm, requireUser } from "~/server/auth/session.server";
import {
  actAvailable,
  type ActOutcome,
  addAnswerFile,
  answerInProgress,
  performApplicantAct,
  removeAnswerFile,
} from "~/server/filing/acts.server";
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
  const type = found.act.type as Parameters<typeof answerInProgress>[2];
  const answer = await answerInProgress(db(), found.view.pratica.id, type);
  // The integration asks the union of the desk's and the agencies' items (the machine keeps them together).
  const agencyNames = new Map(found.view.agencies.map((a) => [a.code, a.name]));
  const asked =
    type === "INTEGRATION_RECEIVED" && found.view.integrationRequests.length
      ? found.view.integrationRequests.map((r) => ({
          from: r.from === "suap" ? null : (agencyNames.get(r.from) ?? r.from),
          items: r.items,
        }))
      : answer.asked.items.length
        ? [{ from: null, items: answer.asked.items }]
        : [];
  // The office's act this one answers, as its PDF (the latest of its kind): the business can read the request.
  const kind = REQUEST_DOCUMENT[found.act.type];
  const requestDoc = kind ? found.view.documents.filter((d) => d.kind === kind).at(-1) : undefined;
  return {
    id: found.view.pratica.id,
    title: found.view.pratica.title,
    requestDocument: requestDoc ? { id: requestDoc.id, title: requestDoc.title } : null,
    type: found.act.type,
    needsFile: !!found.spec,
    fileRequired: !!found.spec?.fileRequired,
    asked,
    reasons: answer.asked.reasons,
    files: answer.files.map((f) => ({ id: f.id, filename: f.filename, size: f.size })),
    uploaded: new URL(request.url).searchParams.has("caricato"),
    duplicate: new URL(request.url).searchParams.has("gia"),
    removed: new URL(request.url).searchParams.get("rimosso"),
    uploadKey: randomUUID(),
  };
}

/** Which of the office's documents each applicant act answers. */
const REQUEST_DOCUMENT: Record<string, string> = {
  INTEGRATION_RECEIVED: "richiesta_integrazione",
  CORRECTED: "richiesta_regolarizzazione",
  CONFORMED: "richiesta_conformazione",
  OBSERVATIONS_RECEIVED: "preavviso_rigetto",
};

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
    // One document of the answer: stored now, sent with the others by "Invia la risposta". Back to this page
    // (a fresh form: the file field is empty, so the same file is not attached twice by a second click).
    const parsed = await parseUpload(request, limits);
    const sending = parsed.ok && parsed.form.get("intent") === "send";
    outcome = !parsed.ok
      ? { ok: false, status: parsed.status, message: parsed.message }
      : parsed.file
        ? await addAnswerFile(db(), fileStore(), user, {
            praticaId: id,
            type: found.act.type as never,
            file: { name: parsed.file.name, bytes: new Uint8Array(await parsed.file.arrayBuffer()) },
            limits,
            uploadKey: String(parsed.form.get("uploadKey") ?? "") || null,
          })
        : sending
          ? { ok: true }
          : {
              ok: false,
              status: 400,
              message: { it: "Scegli il documento da caricare", en: "Choose the document to upload" },
            };
    // "Invia": the file just chosen (if any) joins the answer, then the act goes with every file of it.
    if (outcome.ok && sending) {
      outcome = await performApplicantAct(db(), fileStore(), user, {
        praticaId: id,
        type: found.act.type as never,
        file: null,
        limits,
      });
    } else if (outcome.ok) {
      const duplicate = "duplicate" in outcome && outcome.duplicate;
      const back = `/pratiche/${id}/atti/${found.act.type}?${duplicate ? "gia" : "caricato"}=1`;
      return xhr ? Response.json({ ok: true, redirect: back }) : redirect(back);
    }
  } else {
    const form = await readForm(request);
    if (form.get("intent") === "remove" && found.spec) {
      // One file out of the answer in progress (a plain POST: works without JavaScript).
      const removed = await removeAnswerFile(db(), {
        praticaId: id,
        type: found.act.type as never,
        attachmentId: String(form.get("attachment") ?? ""),
      });
      if (removed.ok) {
        return redirect(
          `/pratiche/${id}/atti/${found.act.type}?rimosso=${encodeURIComponent(removed.filename)}`,
        );
      }
      return Response.json(
        { errors: [{ field: "act-file", message: removed.message[locale] }] },
        { status: removed.status },
      );
    }
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
  const action = `/pratiche/${v.id}/atti/${v.type}`;
  const fileError = errors[0]?.field === "act-file" ? errors[0].message : undefined;
  return (
    <div className="row">
      <div className="col-lg-8">
        <ErrorSummary errors={errors} />
        <p className="text-muted mb-1">{v.title}</p>
        <h1>{label}</h1>
        {v.requestDocument ? (
          <p data-testid="request-document">
            <a href={`/documenti/${v.requestDocument.id}`}>
              {t("journey.act.requestPdf", { title: v.requestDocument.title })}
            </a>
          </p>
        ) : null}
        {v.needsFile ? (
          <>
            {v.uploaded && !errors.length ? (
              <p className="alert alert-success" role="status">
                {t("journey.answer.uploaded")}
              </p>
            ) : null}
            {v.duplicate && !errors.length ? (
              <p className="alert alert-info" role="status">
                {t("journey.answer.duplicate")}
              </p>
            ) : null}
            {v.removed && !errors.length ? (
              <p className="alert alert-success" role="status">
                {t("journey.answer.removed", { name: v.removed })}
              </p>
            ) : null}
            <h2 className="h4 mt-4">{t("journey.answer.asked")}</h2>
            {v.asked.length ? (
              v.asked.map((group) => (
                <div key={`${group.from ?? "suap"}:${group.items.join("|")}`} className="mb-2">
                  <p className="fw-semibold mb-1">
                    {group.from
                      ? t("journey.answer.askedByAgency", { agency: group.from })
                      : t("journey.answer.askedBySuap")}
                  </p>
                  <ul data-testid="asked-items">
                    {group.items.map((item) => (
                      <li key={item}>{item}</li>
                    ))}
                  </ul>
                </div>
              ))
            ) : (
              <p>{t("journey.answer.noItems")}</p>
            )}
            {v.reasons ? (
              <p>
                <span className="fw-semibold">{t("journey.answer.reasons")}:</span> {v.reasons}
              </p>
            ) : null}
            <h2 className="h4 mt-4">{t("journey.answer.files")}</h2>
            {v.files.length ? (
              <ul data-testid="answer-files">
                {v.files.map((f) => (
                  <li key={f.id} className="d-flex flex-wrap gap-2 align-items-center mb-1">
                    <span>
                      <a href={`/documenti/${f.id}`}>{f.filename}</a>{" "}
                      <span className="text-muted">
                        ({t("journey.answer.size", { kb: Math.max(1, Math.round(f.size / 1024)) })})
                      </span>
                    </span>
                    <Form method="post" action={action}>
                      <CsrfInput />
                      <input type="hidden" name="intent" value="remove" />
                      <input type="hidden" name="attachment" value={f.id} />
                      <button type="submit" className="btn btn-link btn-sm p-0">
                        {t("journey.answer.remove", { name: f.filename })}
                      </button>
                    </Form>
                  </li>
                ))}
              </ul>
            ) : (
              <p>{t("journey.answer.noFiles")}</p>
            )}
            <form method="post" encType="multipart/form-data" action={action} noValidate>
              <CsrfInput />
              <input type="hidden" name="uploadKey" value={v.uploadKey} />
              <h2 className="h4 mt-4">{t("journey.answer.add")}</h2>
              <div className="form-group mb-2">
                <label htmlFor="act-file" className="active fw-semibold d-block suap-static-label">
                  {t("filing.act.file")}
                </label>
                <small id="act-file-hint" className="form-text d-block">
                  {t("journey.answer.fileHint")}
                </small>
                {fileError ? (
                  <div id="act-file-error" className="text-danger fw-semibold" role="alert">
                    {fileError}
                  </div>
                ) : null}
                <input
                  id="act-file"
                  name="file"
                  type="file"
                  className="form-control"
                  accept=".pdf,.p7m,.xml,.jpg,.jpeg,.png"
                  aria-describedby={fileError ? "act-file-hint act-file-error" : "act-file-hint"}
                  aria-invalid={fileError ? true : undefined}
                />
              </div>
              <button type="submit" name="intent" value="upload" className="btn btn-outline-primary btn-sm">
                {t("journey.answer.upload")}
              </button>
              <h2 className="h4 mt-4">{t("journey.answer.send")}</h2>
              <p id="send-hint">{t("journey.answer.sendHint")}</p>
              <button
                type="submit"
                name="intent"
                value="send"
                className="btn btn-primary"
                aria-describedby="send-hint"
              >
                {label}
              </button>
            </form>
          </>
        ) : (
          <Form method="post" action={action}>
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
