import { type ReactNode, useEffect, useRef } from "react";
import { conditionHolds } from "~/domain/forms/conditions";
import type { Answers, Condition, Field } from "~/domain/forms/types";
import type { Locale } from "~/i18n";
import { useT } from "~/i18n/useT";
import { italianDate } from "~/domain/dates";

/**
 * Renders a catalogue form field as plain HTML controls (works without JavaScript). Fields with a
 * `showWhen` condition are always in the page; with JavaScript on, `ConditionalForm` hides those whose
 * condition does not hold (the server ignores them either way, through the same validator).
 */
export function CatalogueField({
  field,
  value,
  error,
  locale,
}: {
  field: Field;
  value: string | string[] | undefined;
  error?: string;
  locale: Locale;
}) {
  const t = useT();
  const label = field.label[locale];
  const hint = field.hint?.[locale];
  const hintId = hint ? `${field.name}-hint` : null;
  const errorId = error ? `${field.name}-error` : null;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  const scalar = Array.isArray(value) ? (value.at(-1) ?? "") : (value ?? "");
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const wrap = (children: ReactNode) => (
    <div
      className="form-group mb-4"
      data-show-when={field.showWhen ? JSON.stringify(field.showWhen) : undefined}
    >
      {children}
    </div>
  );
  const hintEl = hint ? (
    <small id={hintId ?? undefined} className="form-text d-block mb-1">
      {hint}
    </small>
  ) : null;
  const conditionalHint = field.showWhen ? (
    <small className="form-text d-block mb-1 text-muted">{t("filing.section.onlyIf")}</small>
  ) : null;
  const errorEl = error ? (
    <div id={errorId ?? undefined} className="text-danger fw-semibold mb-1">
      {error}
    </div>
  ) : null;
  const required = field.required ? " *" : "";

  if (field.type === "radio" || field.type === "boolean" || field.type === "checkboxes") {
    const options =
      field.type === "boolean"
        ? [
            { value: "true", label: t("filing.section.yes") },
            { value: "false", label: t("filing.section.no") },
          ]
        : (field.options ?? []).map((o) => ({ value: o.value, label: o.label[locale] }));
    const multiple = field.type === "checkboxes";
    return wrap(
      <fieldset aria-describedby={describedBy}>
        <legend className="fs-6 fw-semibold mb-2">
          {label}
          {required}
        </legend>
        {conditionalHint}
        {hintEl}
        {errorEl}
        {options.map((o, i) => {
          const id = i === 0 ? field.name : `${field.name}-${i}`;
          const checked = multiple ? list.includes(o.value) : scalar === o.value;
          return (
            <div className="form-check" key={o.value}>
              <input
                className="form-check-input"
                type={multiple ? "checkbox" : "radio"}
                id={id}
                name={field.name}
                value={o.value}
                defaultChecked={checked}
                aria-invalid={error ? true : undefined}
              />
              <label className="form-check-label" htmlFor={id}>
                {o.label}
              </label>
            </div>
          );
        })}
      </fieldset>,
    );
  }
  if (field.type === "declaration") {
    return wrap(
      <div className="form-check">
        {errorEl}
        <input
          className="form-check-input"
          type="checkbox"
          id={field.name}
          name={field.name}
          value="true"
          defaultChecked={scalar === "true"}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
        />
        <label className="form-check-label" htmlFor={field.name}>
          {label}
          {required}
        </label>
      </div>,
    );
  }
  const labelEl = (
    <label htmlFor={field.name} className="active fw-semibold">
      {label}
      {required}
    </label>
  );
  if (field.type === "select") {
    return wrap(
      <>
        {labelEl}
        {conditionalHint}
        {hintEl}
        {errorEl}
        <select
          id={field.name}
          name={field.name}
          className={`form-select${error ? " is-invalid" : ""}`}
          defaultValue={scalar}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
        >
          <option value="">{t("filing.section.select")}</option>
          {(field.options ?? []).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label[locale]}
            </option>
          ))}
        </select>
      </>,
    );
  }
  const inputType =
    field.type === "email" || field.type === "pec" ? "email" : field.type === "number" ? "text" : "text";
  const inputMode = field.type === "number" || field.type === "cap" ? "decimal" : undefined;
  const display =
    field.type === "date" && /^\d{4}-\d{2}-\d{2}$/.test(scalar)
      ? scalar.split("-").reverse().join("/")
      : scalar;
  return wrap(
    <>
      {labelEl}
      {conditionalHint}
      {hintEl}
      {errorEl}
      {field.type === "textarea" ? (
        <textarea
          id={field.name}
          name={field.name}
          className={`form-control${error ? " is-invalid" : ""}`}
          defaultValue={display}
          rows={4}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
        />
      ) : (
        <input
          id={field.name}
          name={field.name}
          type={inputType}
          inputMode={inputMode}
          className={`form-control${error ? " is-invalid" : ""}`}
          defaultValue={display}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          autoComplete="off"
        />
      )}
      {field.unit ? <small className="form-text d-block">{field.unit}</small> : null}
    </>,
  );
}

/** Progressive enhancement: hides fields whose condition does not hold as the user answers. */
export function ConditionalForm({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const root = ref.current;
    const form = root?.closest("form");
    if (!root || !form) return;
    const update = () => {
      const data = new FormData(form);
      const answers: Answers = {};
      for (const key of new Set(data.keys())) {
        const all = data.getAll(key).map(String);
        answers[key] = all.length > 1 ? all : all[0];
      }
      for (const el of root.querySelectorAll<HTMLElement>("[data-show-when]")) {
        const condition = JSON.parse(el.dataset.showWhen ?? "null") as Condition | null;
        el.hidden = condition ? !conditionHolds(condition, answers) : false;
      }
    };
    update();
    form.addEventListener("change", update);
    return () => form.removeEventListener("change", update);
  }, []);
  return <div ref={ref}>{children}</div>;
}

export function StatusTag({ status, label }: { status: string; label: string }) {
  const tone =
    status === "draft"
      ? "bg-secondary"
      : status === "completed" ||
          status === "granted" ||
          status === "effective" ||
          status === "silent_consent"
        ? "bg-success"
        : status === "denied" || status === "inadmissible" || status === "cancelled"
          ? "bg-danger"
          : status === "cannot_start"
            ? "bg-light text-dark border"
            : "bg-primary";
  return <span className={`badge ${tone}`}>{label}</span>;
}

export function itDate(iso: string | null | undefined) {
  return iso ? italianDate(iso) : "";
}

/** The GOV.UK error summary with links that may lead to another page (the riepilogo's problems). */
export function LinkedErrorSummary({
  errors,
  title,
}: {
  errors: { href: string; message: string }[];
  title: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors.length) ref.current?.focus();
  }, [errors]);
  if (!errors.length) return null;
  return (
    <div
      className="alert alert-danger error-summary"
      role="alert"
      aria-labelledby="linked-error-title"
      tabIndex={-1}
      ref={ref}
    >
      <h2 className="h5" id="linked-error-title">
        {title}
      </h2>
      <ul className="mb-0">
        {errors.map((e) => (
          <li key={`${e.href}-${e.message}`}>
            <a href={e.href}>{e.message}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}
