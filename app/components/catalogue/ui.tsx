import { Link } from "@remix-run/react";
import type { LocalisedText } from "~/domain/forms/types";
import { useLocale, useT } from "~/i18n/useT";

/** Small shared pieces of the public catalogue pages. */

export function useText() {
  const locale = useLocale();
  return (text: LocalisedText | null | undefined) => (text ? text[locale] : "");
}

export function useMoney() {
  const locale = useLocale();
  const format = new Intl.NumberFormat(locale === "it" ? "it-IT" : "en-GB", {
    style: "currency",
    currency: "EUR",
  });
  return (cents: number) => format.format(cents / 100);
}

export function Breadcrumbs({ items }: { items: { to?: string; label: string }[] }) {
  const t = useT();
  return (
    <nav className="breadcrumb-container" aria-label={t("catalogue.breadcrumb")}>
      <ol className="breadcrumb p-0 mb-3">
        <li className="breadcrumb-item">
          <Link to="/">{t("catalogue.home")}</Link>
          <span className="separator" aria-hidden="true">
            /
          </span>
        </li>
        {items.map((item, i) => {
          const last = i === items.length - 1;
          return (
            <li
              key={item.label}
              className={`breadcrumb-item${last ? " active" : ""}`}
              aria-current={last ? "page" : undefined}
            >
              {item.to && !last ? <Link to={item.to}>{item.label}</Link> : item.label}
              {last ? null : (
                <span className="separator" aria-hidden="true">
                  /
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

/** A native select with its label (bootstrap-italia markup), for GET filter forms. */
export function SelectField(props: {
  name: string;
  label: string;
  value: string | undefined;
  options: { value: string; label: string }[];
  emptyLabel: string;
  hint?: string;
}) {
  const { name, label, value, options, emptyLabel, hint } = props;
  const id = `f-${name}`;
  return (
    <div className="select-wrapper mb-4">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <small id={`${id}-hint`} className="form-text d-block">
          {hint}
        </small>
      ) : null}
      <select
        id={id}
        name={name}
        defaultValue={value ?? ""}
        aria-describedby={hint ? `${id}-hint` : undefined}
      >
        <option value="">{emptyLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
