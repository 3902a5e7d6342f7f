import { codiceFiscaleProblem, normaliseCodiceFiscale } from "./codice-fiscale";
import { conditionHolds, rawAnswer } from "./conditions";
import { formatItalianDate, parseDate } from "./dates";
import { normalisePartitaIva, partitaIvaProblem } from "./partita-iva";
import type {
  Answers,
  Field,
  FieldError,
  FormDefinition,
  FormValue,
  LocalisedText,
  ValidateOptions,
  ValidationResult,
} from "./types";

type Outcome = { value: FormValue } | { error: LocalisedText };

// Pragmatic e-mail syntax: one @, no spaces, a dotted domain with a 2+ letter TLD.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;
const TRUE_VALUES = new Set(["true", "si", "sì", "on", "1", "yes"]);
const FALSE_VALUES = new Set(["false", "no", "off", "0"]);

const q = (label: LocalisedText) => ({ it: `«${label.it}»`, en: `"${label.en}"` });

function msg(it: string, en: string): { error: LocalisedText } {
  return { error: { it, en } };
}

function emptyMessage(field: Field): LocalisedText {
  const l = q(field.label);
  switch (field.type) {
    case "select":
    case "radio":
    case "boolean":
      return { it: `Seleziona una risposta per ${l.it}`, en: `Select an answer for ${l.en}` };
    case "checkboxes":
      return { it: `Seleziona almeno una voce per ${l.it}`, en: `Select at least one option for ${l.en}` };
    case "declaration":
      return {
        it: `Per proseguire conferma la dichiarazione ${l.it}`,
        en: `To continue, confirm the declaration ${l.en}`,
      };
    case "codice_fiscale":
      return field.cfKind === "company"
        ? {
            it: `Inserisci ${l.it}: 11 cifre, ad esempio 00743110157`,
            en: `Enter ${l.en}: 11 digits, for example 00743110157`,
          }
        : {
            it: `Inserisci ${l.it} nel formato RSSMRA85T10A562S`,
            en: `Enter ${l.en} in the format RSSMRA85T10A562S`,
          };
    case "date":
      return { it: `Inserisci ${l.it}, ad esempio 31/12/2026`, en: `Enter ${l.en}, for example 31/12/2026` };
    default:
      return { it: `Inserisci ${l.it}`, en: `Enter ${l.en}` };
  }
}

function checkCodiceFiscale(field: Field, raw: string): Outcome {
  const l = q(field.label);
  const kind = field.cfKind ?? "any";
  const problem = codiceFiscaleProblem(raw, kind);
  switch (problem) {
    case null:
      return { value: normaliseCodiceFiscale(raw) };
    case "format":
      return kind === "any"
        ? msg(
            `Inserisci ${l.it} nel formato RSSMRA85T10A562S (16 caratteri per una persona) oppure 11 cifre per una società`,
            `Enter ${l.en} in the format RSSMRA85T10A562S (16 characters for a person) or 11 digits for a company`,
          )
        : msg(
            `Inserisci ${l.it} nel formato RSSMRA85T10A562S: 16 caratteri tra lettere e numeri`,
            `Enter ${l.en} in the format RSSMRA85T10A562S: 16 letters and numbers`,
          );
    case "date":
      return msg(
        `Il codice fiscale in ${l.it} contiene un giorno di nascita impossibile: controlla il 10° e l'11° carattere`,
        `The tax code in ${l.en} contains an impossible day of birth: check the 10th and 11th characters`,
      );
    case "check_char":
      return msg(
        `Il codice fiscale in ${l.it} non è corretto: l'ultimo carattere non corrisponde agli altri, controlla di averlo copiato senza errori`,
        `The tax code in ${l.en} is not correct: the last character does not match the others, check it was copied without mistakes`,
      );
    case "company_format":
      return msg(
        `Inserisci ${l.it} della società: 11 cifre, ad esempio 00743110157`,
        `Enter ${l.en} of the company: 11 digits, for example 00743110157`,
      );
    case "company_check":
      return msg(
        `Il codice fiscale numerico in ${l.it} non è valido: controlla le 11 cifre`,
        `The numeric tax code in ${l.en} is not valid: check the 11 digits`,
      );
  }
}

function checkPartitaIva(field: Field, raw: string): Outcome {
  const l = q(field.label);
  const problem = partitaIvaProblem(raw);
  if (problem === null) return { value: normalisePartitaIva(raw) };
  if (problem === "format") {
    return msg(
      `Inserisci ${l.it} di 11 cifre, ad esempio 00743110157`,
      `Enter ${l.en} as 11 digits, for example 00743110157`,
    );
  }
  return msg(
    `La partita IVA in ${l.it} non esiste: controlla di aver copiato le 11 cifre senza errori`,
    `The VAT number in ${l.en} does not exist: check the 11 digits were copied without mistakes`,
  );
}

function checkCap(field: Field, raw: string, answers: Answers, opts: ValidateOptions): Outcome {
  const l = q(field.label);
  const v = raw.replace(/\s+/g, "");
  if (!/^\d{5}$/.test(v)) {
    return msg(
      `Inserisci ${l.it} di 5 cifre, ad esempio 56048`,
      `Enter ${l.en} as 5 digits, for example 56048`,
    );
  }
  if (field.municipalityField && opts.postcodes) {
    const istat = rawAnswer(answers, field.municipalityField);
    const allowed = typeof istat === "string" ? opts.postcodes[istat] : undefined;
    if (allowed && !allowed.includes(v)) {
      const list = allowed.join(" o ");
      return msg(
        `Il CAP ${v} non appartiene al Comune scelto: inserisci ${list}`,
        `Postcode ${v} is not in the chosen municipality: enter ${allowed.join(" or ")}`,
      );
    }
  }
  return { value: v };
}

function checkNumber(field: Field, raw: string): Outcome {
  const l = q(field.label);
  const unit = field.unit ? ` ${field.unit}` : "";
  const v = raw.replace(/\s+/g, "");
  if (/^-?\d{1,3}(\.\d{3})+$/.test(v)) {
    return msg(
      `Scrivi ${l.it} senza separatore delle migliaia, ad esempio 1500`,
      `Write ${l.en} without a thousands separator, for example 1500`,
    );
  }
  if (!/^-?\d+([.,]\d+)?$/.test(v)) {
    return msg(
      `Inserisci ${l.it} come numero, ad esempio 45 oppure 45,5`,
      `Enter ${l.en} as a number, for example 45 or 45.5`,
    );
  }
  const n = Number(v.replace(",", "."));
  if (field.integer && !Number.isInteger(n)) {
    return msg(
      `Inserisci ${l.it} come numero intero, ad esempio 3`,
      `Enter ${l.en} as a whole number, for example 3`,
    );
  }
  if (field.min !== undefined && n < field.min) {
    return msg(
      `Il valore di ${l.it} deve essere almeno ${field.min}${unit}`,
      `The value of ${l.en} must be ${field.min}${unit} or more`,
    );
  }
  if (field.max !== undefined && n > field.max) {
    return msg(
      `Il valore di ${l.it} deve essere al massimo ${field.max}${unit}`,
      `The value of ${l.en} must be ${field.max}${unit} or less`,
    );
  }
  return { value: n };
}

function checkDate(field: Field, raw: string, opts: ValidateOptions): Outcome {
  const l = q(field.label);
  const iso = parseDate(raw);
  if (!iso) {
    return msg(
      `Inserisci ${l.it} come data reale nel formato gg/mm/aaaa, ad esempio 31/12/2026`,
      `Enter ${l.en} as a real date in the format dd/mm/yyyy, for example 31/12/2026`,
    );
  }
  if (field.notAfterToday && opts.today && iso > opts.today) {
    return msg(
      `La data in ${l.it} deve essere di oggi o passata (${formatItalianDate(iso)} è nel futuro)`,
      `The date in ${l.en} must be today or in the past (${formatItalianDate(iso)} is in the future)`,
    );
  }
  return { value: iso };
}

function checkOption(field: Field, raw: string): Outcome {
  const l = q(field.label);
  if (field.options?.some((o) => o.value === raw)) return { value: raw };
  return msg(
    `Seleziona una delle risposte proposte per ${l.it}`,
    `Select one of the answers offered for ${l.en}`,
  );
}

function checkField(field: Field, raw: string, answers: Answers, opts: ValidateOptions): Outcome {
  const l = q(field.label);
  switch (field.type) {
    case "text":
    case "textarea": {
      const v = field.type === "text" ? raw.replace(/\s+/g, " ") : raw;
      if (field.maxLength !== undefined && v.length > field.maxLength) {
        return msg(
          `Il campo ${l.it} può contenere al massimo ${field.maxLength} caratteri: ora ne contiene ${v.length}`,
          `${l.en} must be ${field.maxLength} characters or fewer: it now has ${v.length}`,
        );
      }
      return { value: v };
    }
    case "email":
    case "pec": {
      const v = raw.toLowerCase();
      if (!EMAIL.test(v)) {
        const example = field.type === "pec" ? "nome@pec.it" : "nome@esempio.it";
        return msg(`Inserisci ${l.it} nel formato ${example}`, `Enter ${l.en} in the format ${example}`);
      }
      return { value: v };
    }
    case "codice_fiscale":
      return checkCodiceFiscale(field, raw);
    case "partita_iva":
      return checkPartitaIva(field, raw);
    case "cap":
      return checkCap(field, raw, answers, opts);
    case "date":
      return checkDate(field, raw, opts);
    case "number":
      return checkNumber(field, raw);
    case "select":
    case "radio":
      return checkOption(field, raw);
    case "boolean":
    case "declaration": {
      const v = raw.toLowerCase();
      if (TRUE_VALUES.has(v)) return { value: true };
      if (FALSE_VALUES.has(v)) return { value: false };
      return msg(`Seleziona sì o no per ${l.it}`, `Select yes or no for ${l.en}`);
    }
    case "checkboxes":
      // handled by the caller (multi-value)
      return { value: raw };
  }
}

/**
 * The one validator of form answers, run by the server (authoritative) and by the browser (early feedback).
 * Hidden sections and fields (showWhen false) are neither validated nor returned; empty optional fields are
 * left out of `values`. Messages say how to fix the input, in Italian and English.
 */
export function validateForm(
  def: FormDefinition,
  answers: Answers,
  opts: ValidateOptions = {},
): ValidationResult {
  const values: Record<string, FormValue> = {};
  const errors: FieldError[] = [];
  for (const section of def.sections) {
    if (!conditionHolds(section.showWhen, answers)) continue;
    for (const field of section.fields) {
      if (!conditionHolds(field.showWhen, answers)) continue;
      const required =
        field.required || (field.requiredWhen !== undefined && conditionHolds(field.requiredWhen, answers));
      const raw = rawAnswer(answers, field.name);

      if (field.type === "checkboxes") {
        const list = Array.isArray(raw) ? raw : raw === "" ? [] : [raw];
        if (list.length === 0) {
          if (required) errors.push({ field: field.name, message: emptyMessage(field) });
          continue;
        }
        const unknown = list.filter((v) => !field.options?.some((o) => o.value === v));
        if (unknown.length > 0) {
          const outcome = checkOption(field, unknown[0]);
          if ("error" in outcome) errors.push({ field: field.name, message: outcome.error });
          continue;
        }
        values[field.name] = [...new Set(list)];
        continue;
      }

      // A scalar field posted twice (hidden "false" + checkbox "true") counts by its last value.
      const scalar = Array.isArray(raw) ? (raw.at(-1) ?? "") : raw;
      if (scalar === "") {
        if (required) errors.push({ field: field.name, message: emptyMessage(field) });
        continue;
      }
      const outcome = checkField(field, scalar, answers, opts);
      if ("error" in outcome) {
        errors.push({ field: field.name, message: outcome.error });
        continue;
      }
      if (field.type === "declaration" && required && outcome.value !== true) {
        errors.push({ field: field.name, message: emptyMessage(field) });
        continue;
      }
      values[field.name] = outcome.value;
    }
  }
  return { ok: errors.length === 0, values, errors };
}

/** All fields of a form in order, for summaries ("Riepilogo") and cross-reference checks. */
export function formFields(def: FormDefinition): Field[] {
  return def.sections.flatMap((s) => s.fields);
}
