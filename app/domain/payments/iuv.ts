/**
 * pagoPA codes, as "Specifiche attuative dei codici identificativi di versamento" (SACI 3.x, section
 * "Generazione dell'Identificativo Univoco di Versamento", https://docs.pagopa.it/saci) define them for
 * <aux digit> = 3, the structure for a creditor with several generation points, each with its segregation
 * code assigned by PagoPA S.p.A.:
 *
 *   numero avviso (18) = <aux digit 3> <IUV (17)>
 *   IUV (17)           = <codice segregazione (2)> <IUV base (13)> <check digit (2)>
 *   check digit        = remainder of the division by 93 of the number <aux digit><codice segregazione><IUV base>
 *
 * Pure: no I/O.
 */

export const AUX_DIGIT = "3";

const DIGITS = /^\d+$/;

function assertDigits(value: string, length: number, name: string) {
  if (value.length !== length || !DIGITS.test(value)) {
    throw new Error(`${name} must be ${length} digits, got "${value}"`);
  }
}

/** The two check digits of an IUV: (<aux digit><segregation code><IUV base>) mod 93, zero-padded. */
export function iuvCheckDigits(segregationCode: string, iuvBase: string, auxDigit = AUX_DIGIT): string {
  assertDigits(segregationCode, 2, "segregation code");
  assertDigits(iuvBase, 13, "IUV base");
  const n = BigInt(`${auxDigit}${segregationCode}${iuvBase}`);
  return (n % 93n).toString().padStart(2, "0");
}

/** The IUV base (13 digits) for the n-th position of a creditor: a per-creditor progressive. */
export function iuvBase(progressive: number): string {
  if (!Number.isSafeInteger(progressive) || progressive < 1 || progressive >= 10 ** 13) {
    throw new Error(`IUV progressive out of range: ${progressive}`);
  }
  return String(progressive).padStart(13, "0");
}

export function buildIuv(segregationCode: string, progressive: number): string {
  const base = iuvBase(progressive);
  return `${segregationCode}${base}${iuvCheckDigits(segregationCode, base)}`;
}

export function isValidIuv(iuv: string): boolean {
  if (iuv.length !== 17 || !DIGITS.test(iuv)) return false;
  return iuvCheckDigits(iuv.slice(0, 2), iuv.slice(2, 15)) === iuv.slice(15);
}

/** Numero avviso: aux digit + IUV (which starts with the segregation code). */
export function noticeNumber(iuv: string): string {
  if (!isValidIuv(iuv)) throw new Error(`not a valid IUV: "${iuv}"`);
  return `${AUX_DIGIT}${iuv}`;
}

export function iuvOfNotice(notice: string): string | null {
  if (notice.length !== 18 || !notice.startsWith(AUX_DIGIT)) return null;
  const iuv = notice.slice(1);
  return isValidIuv(iuv) ? iuv : null;
}

/** The notice number as printed on the avviso: groups of four (e.g. "3011 2345 6789 0123 45"). */
export function formatNoticeNumber(notice: string): string {
  return notice.replace(/(\d{4})(?=\d)/g, "$1 ");
}

/** Fiscal code of a legal person (11 digits) with the Luhn-like check digit of the Agenzia delle Entrate. */
export function isValidOrganisationFiscalCode(cf: string): boolean {
  if (!/^\d{11}$/.test(cf)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    let d = Number(cf[i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10 === Number(cf[10]);
}

/**
 * The QR code payload of a pagoPA payment notice (Avviso pagoPA, "Linee guida per l'emissione dell'avviso"):
 * PAGOPA|002|<notice number>|<creditor fiscal code>|<amount in cents>.
 */
export function qrPayload(notice: string, creditorFiscalCode: string, amountCents: number): string {
  assertDigits(notice, 18, "notice number");
  assertDigits(creditorFiscalCode, 11, "creditor fiscal code");
  if (!Number.isSafeInteger(amountCents) || amountCents < 1) throw new Error(`amount must be positive cents`);
  return `PAGOPA|002|${notice}|${creditorFiscalCode}|${amountCents}`;
}

/** Cents to "1.234,56" (Italian grouping, no currency sign). */
export function formatEuro(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return `${sign}${units},${String(abs % 100).padStart(2, "0")}`;
}
