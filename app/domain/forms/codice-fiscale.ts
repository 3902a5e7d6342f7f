import { partitaIvaProblem } from "./partita-iva";

// Values of characters in odd positions (1st, 3rd, ... 15th), DM 23/12/1976 allegato.
const ODD: Record<string, number> = {
  "0": 1,
  "1": 0,
  "2": 5,
  "3": 7,
  "4": 9,
  "5": 13,
  "6": 15,
  "7": 17,
  "8": 19,
  "9": 21,
  A: 1,
  B: 0,
  C: 5,
  D: 7,
  E: 9,
  F: 13,
  G: 15,
  H: 17,
  I: 19,
  J: 21,
  K: 2,
  L: 4,
  M: 18,
  N: 20,
  O: 11,
  P: 3,
  Q: 6,
  R: 8,
  S: 12,
  T: 14,
  U: 16,
  V: 10,
  W: 22,
  X: 25,
  Y: 24,
  Z: 23,
};

/** Omocodia: the Agenzia delle Entrate replaces digits with these letters, right to left, on collision. */
const OMOCODIA = "LMNPQRSTUV";
const MONTHS = "ABCDEHLMPRST";
const DIGIT_OR_OMOCODIA = "[0-9LMNPQRSTUV]";
const PERSON_CF = new RegExp(
  `^[A-Z]{6}${DIGIT_OR_OMOCODIA}{2}[${MONTHS}]${DIGIT_OR_OMOCODIA}{2}[A-Z]${DIGIT_OR_OMOCODIA}{3}[A-Z]$`,
);

function evenValue(ch: string): number {
  const code = ch.charCodeAt(0);
  return code >= 48 && code <= 57 ? code - 48 : code - 65;
}

/** Check character of a 16-character personal codice fiscale, from its first 15 characters. */
export function codiceFiscaleCheckChar(first15: string): string {
  const s = first15.toUpperCase();
  if (!/^[A-Z0-9]{15}$/.test(s)) throw new Error("codiceFiscaleCheckChar needs 15 alphanumeric characters");
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    // positions are 1-based in the rule: index 0 is position 1, an odd one
    sum += i % 2 === 0 ? ODD[s[i]] : evenValue(s[i]);
  }
  return String.fromCharCode(65 + (sum % 26));
}

/** Replace omocodia letters with the digits they stand for (positions 7,8,10,11,13,14,15). */
export function decodeOmocodia(cf: string): string {
  const chars = cf.toUpperCase().split("");
  for (const i of [6, 7, 9, 10, 12, 13, 14]) {
    const k = OMOCODIA.indexOf(chars[i]);
    if (k >= 0) chars[i] = String(k);
  }
  return chars.join("");
}

export type CodiceFiscaleProblem = "format" | "date" | "check_char" | "company_format" | "company_check";

export function normaliseCodiceFiscale(input: string): string {
  return input.replace(/\s+/g, "").toUpperCase();
}

/**
 * Null when valid. `kind`: "person" accepts only the 16-character code, "company" only the 11-digit one,
 * "any" both (a sole trader's business is identified by the owner's personal code).
 */
export function codiceFiscaleProblem(
  input: string,
  kind: "person" | "company" | "any" = "any",
): CodiceFiscaleProblem | null {
  const v = normaliseCodiceFiscale(input);
  if (/^\d{11}$/.test(v) && kind !== "person") {
    return partitaIvaProblem(v) === null ? null : "company_check";
  }
  if (kind === "company") return "company_format";
  if (!PERSON_CF.test(v)) return "format";
  const decoded = decodeOmocodia(v);
  const day = Number(decoded.slice(9, 11));
  // women have 40 added to the day of birth
  const d = day > 40 ? day - 40 : day;
  if (d < 1 || d > 31) return "date";
  return codiceFiscaleCheckChar(v.slice(0, 15)) === v[15] ? null : "check_char";
}

export function isValidCodiceFiscale(input: string, kind: "person" | "company" | "any" = "any"): boolean {
  return codiceFiscaleProblem(input, kind) === null;
}
