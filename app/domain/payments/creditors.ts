import type { Creditor } from "./positions";

/**
 * pagoPA creditor data of the Comuni (ente creditore): fiscal code, segregation code, treasury IBAN.
 * DEMO VALUES: the fiscal codes below are well-formed (valid check digit) but are NOT the Comuni's real ones,
 * and the IBANs are placeholders; replace them with the data from IPA / the pagoPA back office before going
 * live. A Comune absent from `enabled` has no pagoPA configuration: the uploaded payment proof stays the way
 * to pay its fees.
 */
export const CREDITOR_DATA: Record<string, Omit<Creditor, "entityCode" | "name">> = {
  "050011": { fiscalCode: "00180000507", segregationCode: "01", iban: "IT60X0542811101000000123456" },
  "050019": { fiscalCode: "00180000515", segregationCode: "01", iban: "IT60X0542811101000000123457" },
  "050021": { fiscalCode: "00180000523", segregationCode: "01", iban: "IT60X0542811101000000123458" },
  "050027": { fiscalCode: "00180000531", segregationCode: "01", iban: "IT60X0542811101000000123459" },
  "050039": { fiscalCode: "00180000549", segregationCode: "01", iban: "IT60X0542811101000000123460" },
  // Agencies collecting their own diritti di istruttoria (issue 15, ADR 0017): DEMO VALUES as above.
  "ASL-TNO": { fiscalCode: "02198590503", segregationCode: "02", iban: "IT60X0542811101000000223456" },
  ARPAT: { fiscalCode: "04686190481", segregationCode: "02", iban: "IT60X0542811101000000323456" },
  "VVF-PI": { fiscalCode: "80006450508", segregationCode: "02", iban: "IT60X0542811101000000423456" },
};

/** Sigla of the province of each Comune (the @e.bollo stamp's provincialResidence). */
export const PROVINCE_OF: Record<string, string> = {
  "050011": "PI",
  "050019": "PI",
  "050021": "PI",
  "050027": "PI",
  "050039": "PI",
};

/** Parses "050011,050019" into the set of Comuni whose fees go through pagoPA. */
export function parseEnabledCreditors(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
