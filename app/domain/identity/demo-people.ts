/**
 * The demo people the development identity provider (/dev/idp) offers, each with a valid test fiscal code
 * (the check character is right; the people do not exist). Listed in the README.
 */
export interface DemoPerson {
  id: string;
  fiscalCode: string;
  givenName: string;
  familyName: string;
  email: string;
  description: string;
}

export const DEMO_PEOPLE = {
  maria: {
    id: "maria",
    fiscalCode: "RSSMRA80A41M126H",
    givenName: "Maria",
    familyName: "Rossi",
    email: "impresa@demo.test",
    description: "titolare della Bottega Rossi (impresa individuale)",
  },
  giovanni: {
    id: "giovanni",
    fiscalCode: "VRDGNN75C12M126F",
    givenName: "Giovanni",
    familyName: "Verdi",
    email: "giovanni.verdi@example.test",
    description: "legale rappresentante di Forno Verdi S.r.l., non ancora registrato",
  },
  franco: {
    id: "franco",
    fiscalCode: "MRRFNC70E15G702I",
    givenName: "Franco",
    familyName: "Marroni",
    email: "associazione@demo.test",
    description: "operatore dell'associazione di categoria",
  },
  luca: {
    id: "luca",
    fiscalCode: "BNCLCU85M10G702W",
    givenName: "Luca",
    familyName: "Bianchi",
    email: "operatore@demo.test",
    description: "operatore del SUAP",
  },
} satisfies Record<string, DemoPerson>;

export const DEMO_PEOPLE_LIST: DemoPerson[] = Object.values(DEMO_PEOPLE);
