/** SPID/CIE levels of assurance as OpenID Connect `acr` values (SPID technical rules; CIE id uses the same). */
export const ACR = {
  1: "https://www.spid.gov.it/SpidL1",
  2: "https://www.spid.gov.it/SpidL2",
  3: "https://www.spid.gov.it/SpidL3",
} as const;

export function loaOfAcr(acr: unknown): number | null {
  for (const [level, value] of Object.entries(ACR)) if (acr === value) return Number(level);
  return null;
}

/** `TINIT-RSSMRA80A41M126H` -> `RSSMRA80A41M126H` (the SPID fiscal_number claim carries the TIN prefix). */
export function fiscalCodeOfClaim(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const match = /^TINIT-([A-Z0-9]{16}|[0-9]{11})$/i.exec(value.trim());
  return match ? match[1]!.toUpperCase() : null;
}
