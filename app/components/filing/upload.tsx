import { useNavigate } from "@remix-run/react";
import { type FormEvent, type ReactNode, useState } from "react";
import { CsrfInput } from "~/components/forms";
import { useT } from "~/i18n/useT";

/**
 * A plain multipart form (works without JavaScript); with JavaScript the file goes by XHR so a progress bar
 * can show the upload, and the server answers JSON instead of a page.
 */
export function UploadForm({
  action,
  xhrAction,
  id,
  label,
  hint,
  error,
  children,
  submitLabel,
  uploadKey,
}: {
  action: string;
  /** JSON endpoint taking the same multipart body (Remix pages answer HTML) */
  xhrAction?: string;
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children?: ReactNode;
  submitLabel: string;
  /** idempotency key of this form (from the loader): a resubmission after a lost response stores nothing twice */
  uploadKey?: string;
}) {
  const t = useT();
  const navigate = useNavigate();
  const [progress, setProgress] = useState<number | null>(null);
  const [clientError, setClientError] = useState<string | null>(null);
  const shownError = clientError ?? error;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    if (!xhrAction || typeof XMLHttpRequest === "undefined") return;
    event.preventDefault();
    const form = event.currentTarget;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", xhrAction);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) setProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      setProgress(null);
      try {
        const body = JSON.parse(xhr.responseText) as { ok: boolean; message?: string; redirect?: string };
        if (body.ok && body.redirect) {
          setClientError(null);
          // The page stays mounted across the navigation: empty the file field, so a second click on
          // "Carica" does not send the same file again.
          form.reset();
          navigate(body.redirect, { replace: true });
        } else setClientError(body.message ?? "Errore");
      } catch {
        setClientError(t("filing.upload.failed"));
      }
    };
    xhr.onerror = () => {
      setProgress(null);
      setClientError(t("filing.upload.failed"));
    };
    setProgress(0);
    xhr.send(new FormData(form));
  }

  const describedBy = [hint ? `${id}-hint` : null, shownError ? `${id}-error` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <form method="post" encType="multipart/form-data" action={action} onSubmit={onSubmit} noValidate>
      <CsrfInput />
      {uploadKey ? <input type="hidden" name="uploadKey" value={uploadKey} /> : null}
      {children}
      <div className="form-group mb-2">
        <label htmlFor={id} className="active fw-semibold d-block suap-static-label">
          {label}
        </label>
        {hint ? (
          <small id={`${id}-hint`} className="form-text d-block">
            {hint}
          </small>
        ) : null}
        {shownError ? (
          <div id={`${id}-error`} className="text-danger fw-semibold" role="alert">
            {shownError}
          </div>
        ) : null}
        <input
          id={id}
          name="file"
          type="file"
          className="form-control"
          accept=".pdf,.p7m,.xml,.jpg,.jpeg,.png"
          aria-describedby={describedBy || undefined}
          aria-invalid={shownError ? true : undefined}
        />
      </div>
      {progress !== null ? (
        <div className="progress mb-2">
          <div
            className="progress-bar"
            role="progressbar"
            aria-label={t("filing.attachments.progress")}
            aria-valuenow={progress}
            aria-valuemin={0}
            aria-valuemax={100}
            style={{ width: `${progress}%` }}
          >
            {progress}%
          </div>
        </div>
      ) : null}
      <button type="submit" className="btn btn-outline-primary btn-sm">
        {submitLabel}
      </button>
    </form>
  );
}
