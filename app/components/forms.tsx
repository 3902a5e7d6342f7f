import { useMatches } from "@remix-run/react";
import { type ReactNode, useEffect, useRef } from "react";
import { useT } from "~/i18n/useT";

/**
 * The hidden CSRF field every POST form carries (checked by readForm on the server): the deepest token the
 * page's loaders gave (a page an anonymous visitor may post from issues its own, formToken), else the signed-in
 * session's from the root loader.
 */
export function CsrfInput() {
  return <input type="hidden" name="_csrf" value={useCsrfToken()} />;
}

export function useCsrfToken(): string {
  const matches = useMatches();
  for (let i = matches.length - 1; i >= 0; i--) {
    const csrf = (matches[i]!.data as { csrf?: unknown } | undefined)?.csrf;
    if (typeof csrf === "string" && csrf) return csrf;
  }
  return "";
}

export interface FieldError {
  field: string;
  message: string;
}

/**
 * GOV.UK error summary: at the top, takes focus on render so screen readers announce it, each error links
 * to its field.
 */
export function ErrorSummary({ errors }: { errors: FieldError[] }) {
  const t = useT();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors.length) ref.current?.focus();
  }, [errors]);
  if (!errors.length) return null;
  return (
    <div
      className="alert alert-danger error-summary"
      role="alert"
      aria-labelledby="error-summary-title"
      tabIndex={-1}
      ref={ref}
    >
      <h2 className="h5" id="error-summary-title">
        {errors.length === 1 ? t("errors.summaryOne") : t("errors.summary", { count: errors.length })}
      </h2>
      <ul className="mb-0">
        {errors.map((e) => (
          <li key={`${e.field}-${e.message}`}>
            {e.field ? <a href={`#${e.field}`}>{e.message}</a> : e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function TextField(props: {
  name: string;
  label: string;
  type?: string;
  defaultValue?: string;
  error?: string;
  hint?: string;
  autoComplete?: string;
  required?: boolean;
  children?: ReactNode;
}) {
  const { name, label, type = "text", defaultValue, error, hint, autoComplete, required } = props;
  const describedBy = [hint ? `${name}-hint` : null, error ? `${name}-error` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className="form-group mb-4">
      <label htmlFor={name} className="active">
        {label}
      </label>
      {hint ? (
        <small id={`${name}-hint`} className="form-text d-block">
          {hint}
        </small>
      ) : null}
      {error ? (
        <div id={`${name}-error`} className="form-feedback just-validate-error-label d-block text-danger">
          {error}
        </div>
      ) : null}
      <input
        id={name}
        name={name}
        type={type}
        className={`form-control${error ? " is-invalid" : ""}`}
        defaultValue={defaultValue}
        autoComplete={autoComplete}
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
    </div>
  );
}

export function fieldError(errors: FieldError[] | undefined, field: string) {
  return errors?.find((e) => e.field === field)?.message;
}
