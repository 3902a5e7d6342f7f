import { type Catalogue, findUsecase, resolveForm } from "~/domain/catalogue/index";
import { italianDate } from "~/domain/dates";
import { conditionHolds, mergeForms } from "~/domain/forms/index";
import type { Answers, Field, LocalisedText } from "~/domain/forms/types";

/**
 * A filed pratica's answers as people read them: the catalogue's label for each field and for each chosen
 * option ("Comune" → "Volterra", not `sede_comune` → `050039`), "Sì"/"No" for yes/no questions, dates in
 * Italian. Pure: the caller passes the catalogue version the pratica is pinned to.
 */

export interface AnswerRow {
  name: string;
  section: LocalisedText;
  label: LocalisedText;
  value: LocalisedText;
}

const same = (s: string): LocalisedText => ({ it: s, en: s });

export function answerValue(field: Field, value: unknown): LocalisedText | null {
  if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length))
    return null;
  const list = Array.isArray(value) ? value.map(String) : [String(value)];
  if (field.options) {
    const labels = list.map((v) => field.options?.find((o) => o.value === v)?.label ?? same(v));
    return { it: labels.map((l) => l.it).join(", "), en: labels.map((l) => l.en).join(", ") };
  }
  if (field.type === "boolean" || field.type === "declaration")
    return list[0] === "true" ? { it: "Sì", en: "Yes" } : { it: "No", en: "No" };
  if (field.type === "date" && /^\d{4}-\d{2}-\d{2}$/.test(list[0]!)) return same(italianDate(list[0]!));
  const unit = field.unit ? ` ${field.unit}` : "";
  return same(list.join(", ") + unit);
}

/**
 * The stored catalogue document when it has the shape these helpers read (a version row may hold its JSON
 * as text, or be a bare test version): null otherwise, so the words fall back rather than the act fail.
 */
export function asCatalogue(document: unknown): Catalogue | null {
  const doc = typeof document === "string" ? safeParse(document) : document;
  const c = doc as Partial<Catalogue> | null;
  return c && Array.isArray(c.proceedings) && Array.isArray(c.forms) && Array.isArray(c.sections)
    ? (c as Catalogue)
    : null;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The answers of the visible sections, in the form's order; fields without an answer are left out. */
export function answerRows(catalogue: Catalogue, usecases: readonly string[], answers: Answers): AnswerRow[] {
  const refs = usecases.map((c) => findUsecase(catalogue, c)).filter((r) => r !== undefined);
  if (!refs.length) return [];
  let form: ReturnType<typeof mergeForms>;
  try {
    form = mergeForms(
      [...new Set(refs.map((r) => r.proceeding.form))].map((id) => resolveForm(catalogue, id)),
    );
  } catch {
    return [];
  }
  const rows: AnswerRow[] = [];
  for (const section of form.sections) {
    if (!conditionHolds(section.showWhen, answers)) continue;
    for (const field of section.fields) {
      if (!conditionHolds(field.showWhen, answers)) continue;
      const value = answerValue(field, answers[field.name]);
      if (value) rows.push({ name: field.name, section: section.title, label: field.label, value });
    }
  }
  return rows;
}

/** The catalogue's title of each attachment type of these usecases (code → title). */
export function attachmentTitles(
  catalogue: Catalogue,
  usecases: readonly string[],
): Record<string, LocalisedText> {
  const out: Record<string, LocalisedText> = {};
  for (const code of usecases) {
    for (const a of findUsecase(catalogue, code)?.usecase.attachments ?? []) out[a.code] ??= a.title;
  }
  return out;
}

/** Files the applicant sends with an act after filing (app/server/filing/acts.server.ts codes). */
export const ACT_ATTACHMENTS: Record<string, LocalisedText> = {
  INTEGRAZIONE: { it: "Integrazione documentale", en: "Additional document" },
  OSSERVAZIONI: {
    it: "Osservazioni al preavviso di rigetto",
    en: "Observations on the notice before refusal",
  },
  CONFORMAZIONE: { it: "Misure di conformazione", en: "Conformation measures" },
  REGOLARIZZAZIONE: { it: "Regolarizzazione", en: "Correction" },
};

/** An attachment's type in words: its catalogue title, or a neutral word for a type the catalogue lacks. */
export function attachmentTitle(
  titles: Record<string, LocalisedText>,
  code: string,
  locale: "it" | "en",
): string {
  const t = titles[code];
  if (t) return t[locale];
  const act = ACT_ATTACHMENTS[code];
  if (act) return act[locale];
  return locale === "it" ? "Documento allegato" : "Attached document";
}
