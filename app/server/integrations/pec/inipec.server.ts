import type { DomicilioLookup } from "./port.server";

/**
 * INI-PEC (Indice nazionale dei domicili digitali delle imprese e dei professionisti, art. 6-bis CAD):
 * the domicilio digitale of a business by codice fiscale. The development double answers from a fixed
 * register (the demo businesses); the real service (InfoCamere's INI-PEC web service, under convention) is
 * not wired yet: in production no lookup is made and the business's declared PEC is used.
 */
export function developmentInipec(register: Record<string, string>): DomicilioLookup {
  if (process.env.NODE_ENV === "production")
    throw new Error("Il registro INI-PEC di sviluppo non si usa in produzione.");
  const byCf = new Map(Object.entries(register).map(([cf, pec]) => [cf.toUpperCase(), pec]));
  return {
    async lookup(codiceFiscale: string) {
      return byCf.get(codiceFiscale.trim().toUpperCase()) ?? null;
    },
  };
}
