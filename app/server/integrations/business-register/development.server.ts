import { DEMO_PEOPLE } from "~/domain/identity/demo-people";
import type { BusinessRegister, RegisteredBusiness } from "./port.server";

/**
 * The development register: the demo businesses, so linking and the legal representative check run
 * without PDND. Refuses to exist in production.
 */
export const DEMO_REGISTER: RegisteredBusiness[] = [
  {
    fiscalCode: "RSSMRA80A41M126H",
    vatNumber: "01234567897",
    name: "Bottega Rossi di Maria Rossi",
    legalForm: "Impresa individuale",
    rea: "PI-123456",
    pec: "bottegarossi@pec.imprese.test",
    office: { address: "Via dei Sarti 12", cap: "56048", municipality: "Volterra", province: "PI" },
    legalRepresentatives: [{ fiscalCode: DEMO_PEOPLE.maria.fiscalCode, fullName: "Maria Rossi" }],
  },
  {
    fiscalCode: "09876543217",
    vatNumber: "09876543217",
    name: "Forno Verdi S.r.l.",
    legalForm: "Società a responsabilità limitata",
    rea: "PI-654321",
    pec: "fornoverdi@pec.imprese.test",
    office: { address: "Piazza dei Priori 3", cap: "56048", municipality: "Volterra", province: "PI" },
    legalRepresentatives: [{ fiscalCode: DEMO_PEOPLE.giovanni.fiscalCode, fullName: "Giovanni Verdi" }],
  },
];

export function developmentBusinessRegister(env: { isProduction: boolean }): BusinessRegister {
  if (env.isProduction) throw new Error("The development business register cannot run in production");
  return {
    kind: "development",
    async lookup(fiscalCode) {
      const wanted = fiscalCode.trim().toUpperCase();
      return DEMO_REGISTER.find((b) => b.fiscalCode === wanted || b.vatNumber === wanted) ?? null;
    },
  };
}
