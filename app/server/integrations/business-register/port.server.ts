/**
 * The business register port (Registro delle imprese): who the legal representatives of a business are.
 * The portal asks it when someone links a business, and trusts a person to act for the business only when
 * their SPID/CIE fiscal code is among the representatives it returns.
 *
 * Real adapter (to come): the InfoCamere "Registro Imprese" e-service through PDND Interoperabilità. The
 * portal, as a PDND consumer, signs a client assertion (private_key_jwt, RFC 7523) with its PDND key, gets a
 * voucher from the PDND authorization server for the e-service's purpose, and calls the e-service with the
 * voucher (plus the Agid-JWT-Signature/TrackingEvidence headers the e-service asks). It maps the e-service's
 * "impresa" (codice fiscale, denominazione, forma giuridica, sede, PEC, persone con carica di legale
 * rappresentante) to `RegisteredBusiness`. Configuration it will need: PDND_CLIENT_ID, PDND_KID,
 * PDND_PRIVATE_KEY_FILE, PDND_PURPOSE_ID, REGISTRO_IMPRESE_URL.
 */
export interface LegalRepresentative {
  fiscalCode: string;
  fullName: string;
}

export interface RegisteredBusiness {
  fiscalCode: string;
  vatNumber: string | null;
  name: string;
  legalForm: string;
  rea: string | null;
  pec: string | null;
  office: { address: string; cap: string; municipality: string; province: string };
  legalRepresentatives: LegalRepresentative[];
}

export interface BusinessRegister {
  readonly kind: "development" | "pdnd";
  /** The business with this fiscal code (or VAT number), or null when the register has none. */
  lookup(fiscalCode: string): Promise<RegisteredBusiness | null>;
}

/** True when the person (by fiscal code) is a legal representative of the business in the register. */
export function isLegalRepresentative(business: RegisteredBusiness | null, personFiscalCode: string | null) {
  if (!business || !personFiscalCode) return false;
  const wanted = personFiscalCode.toUpperCase();
  return business.legalRepresentatives.some((r) => r.fiscalCode.toUpperCase() === wanted);
}
