/**
 * Reference data for the Alta Val di Cecina: the five Comuni (ISTAT codes), the associated SUAP desk and the
 * enti terzi. ISTAT codes as in the national list of municipalities (province of Pisa, 050xxx); the PEC
 * addresses are placeholders on the reserved .test domain until each body confirms its own.
 */
export interface SeedEntity {
  code: string;
  kind: "comune" | "suap" | "ente_terzo" | "organisation";
  name: string;
  istatCode?: string;
  agencyClass?: string;
  pec?: string;
  /** free data of the entity: for the desk, how the portal names itself (`site`) and who runs it (`owner`) */
  data?: Record<string, unknown>;
}

export const COMUNI: SeedEntity[] = [
  { code: "050011", kind: "comune", name: "Castelnuovo di Val di Cecina", istatCode: "050011" },
  { code: "050019", kind: "comune", name: "Montecatini Val di Cecina", istatCode: "050019" },
  { code: "050021", kind: "comune", name: "Monteverdi Marittimo", istatCode: "050021" },
  { code: "050027", kind: "comune", name: "Pomarance", istatCode: "050027" },
  { code: "050039", kind: "comune", name: "Volterra", istatCode: "050039" },
].map((c) => ({ ...c, kind: "comune" as const, pec: `protocollo.${c.code}@pec.comuni.test` }));

export const DESK: SeedEntity = {
  code: "SUAP-AVC",
  kind: "suap",
  name: "SUAP Associato Alta Val di Cecina",
  pec: "suap.altavaldicecina@pec.suap.test",
  data: { site: "SUAP Alta Val di Cecina", owner: "Unione Montana Alta Val di Cecina" },
};

export const ENTI_TERZI: SeedEntity[] = (
  [
    { code: "ASL-TNO", kind: "ente_terzo", name: "Azienda USL Toscana Nord Ovest", agencyClass: "ASL" },
    {
      code: "VVF-PI",
      kind: "ente_terzo",
      name: "Comando Provinciale Vigili del Fuoco di Pisa",
      agencyClass: "VVF",
    },
    {
      code: "ARPAT",
      kind: "ente_terzo",
      name: "ARPAT - Agenzia regionale per la protezione ambientale della Toscana",
      agencyClass: "ARPAT",
    },
    {
      code: "SABAP-PI",
      kind: "ente_terzo",
      name: "Soprintendenza Archeologia Belle Arti e Paesaggio per le province di Pisa e Livorno",
      agencyClass: "SOPRINTENDENZA",
    },
    { code: "RT", kind: "ente_terzo", name: "Regione Toscana", agencyClass: "REGIONE" },
  ] as SeedEntity[]
).map((e) => ({ ...e, pec: `${e.code.toLowerCase()}@pec.enti.test` }));

export const DEMO_ORGANISATION: SeedEntity = {
  code: "CONFCOMMERCIO-PI",
  kind: "organisation",
  name: "Confcommercio Pisa - sede di Volterra",
  pec: "confcommercio.pisa@pec.associazioni.test",
};

/** One shared password for every demo account (never created in production). */
export const DEMO_PASSWORD = "demo-suap-2026";

export const DEMO_ACCOUNTS = [
  { email: "impresa@demo.test", name: "Maria Rossi", role: "business", entity: null },
  { email: "operatore@demo.test", name: "Luca Bianchi", role: "officer", entity: "SUAP-AVC" },
  { email: "responsabile@demo.test", name: "Giulia Verdi", role: "manager", entity: "SUAP-AVC" },
  { email: "asl@demo.test", name: "Paolo Neri", role: "agency_reviewer", entity: "ASL-TNO" },
  { email: "vvf@demo.test", name: "Sara Gialli", role: "agency_reviewer", entity: "VVF-PI" },
  { email: "arpat@demo.test", name: "Andrea Blu", role: "agency_reviewer", entity: "ARPAT" },
  { email: "soprintendenza@demo.test", name: "Elena Viola", role: "agency_reviewer", entity: "SABAP-PI" },
  {
    email: "associazione@demo.test",
    name: "Franco Marroni",
    role: "association_operator",
    entity: "CONFCOMMERCIO-PI",
  },
  { email: "admin@demo.test", name: "Amministratore Demo", role: "admin", entity: null },
] as const;

export const DEMO_BUSINESS = {
  name: "Bottega Rossi di Maria Rossi",
  legalForm: "Impresa individuale",
  fiscalCode: "RSSMRA80A41M126H",
  vatNumber: "01234567897",
  rea: "PI-123456",
  pec: "bottegarossi@pec.imprese.test",
};
