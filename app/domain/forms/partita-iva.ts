/**
 * Italian partita IVA (and the 11-digit numeric codice fiscale of companies, which uses the same rule):
 * 7 digits of serial number, 3 of office, 1 check digit. Digits in odd positions (1st, 3rd, ...) are added
 * as they are; digits in even positions are doubled, subtracting 9 when the double exceeds 9 (Luhn-like);
 * the check digit makes the total a multiple of 10.
 */
export function partitaIvaCheckDigit(first10: string): number {
  if (!/^\d{10}$/.test(first10)) throw new Error("partitaIvaCheckDigit needs exactly 10 digits");
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const d = first10.charCodeAt(i) - 48;
    if (i % 2 === 0) sum += d;
    else sum += d * 2 > 9 ? d * 2 - 9 : d * 2;
  }
  return (10 - (sum % 10)) % 10;
}

export type PartitaIvaProblem = "format" | "zero" | "check_digit";

/** Returns null when valid. Whitespace is ignored, an "IT" prefix (VAT number in EU form) is accepted. */
export function partitaIvaProblem(input: string): PartitaIvaProblem | null {
  const v = normalisePartitaIva(input);
  if (!/^\d{11}$/.test(v)) return "format";
  if (/^0{7}/.test(v)) return "zero";
  return partitaIvaCheckDigit(v.slice(0, 10)) === v.charCodeAt(10) - 48 ? null : "check_digit";
}

export function isValidPartitaIva(input: string): boolean {
  return partitaIvaProblem(input) === null;
}

export function normalisePartitaIva(input: string): string {
  return input.replace(/\s+/g, "").toUpperCase().replace(/^IT/, "");
}
