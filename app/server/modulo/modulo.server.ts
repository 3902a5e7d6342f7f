import { DOMParser } from "@xmldom/xmldom";
import type { Catalogue } from "~/domain/catalogue";
import type { FieldError } from "~/domain/forms";
import {
  type Answers,
  buildVicinatoApertura,
  type Lookups,
  type ModuloAttachment,
  VICINATO_APERTURA,
  vicinatoPhase,
} from "~/domain/modulo/vicinato-apertura";
import { agidRoot, fixedReader, loadAgidForm, validateModulo } from "./agid.server";
import type { SchematronFailure } from "./schematron.server";

/**
 * The unified form as XML (issue 16, ADR 0027): which usecases carry AgID's modulo, how it is built from the
 * answers, validated (XSD + the usecase's Schematron phase) and explained to the applicant when it fails.
 * The mapping is keyed by usecase code here, not in the catalogue file (its data are another team's today):
 * `MODULO_BY_USECASE` is what a catalogue field `agidForm: { form, phase }` will carry.
 */

interface ModuloSpec {
  form: string;
  build(answers: Answers, attachments: ModuloAttachment[], lookups: Lookups): string;
  phase(answers: Answers): string;
}

const APERTURA: ModuloSpec = {
  form: VICINATO_APERTURA.form,
  build: buildVicinatoApertura,
  phase: vicinatoPhase,
};

export const MODULO_BY_USECASE: Record<string, ModuloSpec> = {
  VICINATO_APERTURA_NON_ALIMENTARE: APERTURA,
  VICINATO_APERTURA_ALIMENTARE: APERTURA,
};

export function moduloSpecFor(usecaseCodes: readonly string[]) {
  for (const code of usecaseCodes) {
    const spec = MODULO_BY_USECASE[code];
    if (spec) return { usecase: code, spec };
  }
  return null;
}

function genericodeRows(file: string): Record<string, string>[] {
  const { read } = fixedReader(agidRoot());
  const text = read(file);
  if (!text) return [];
  const doc = new DOMParser().parseFromString(text, "text/xml");
  const rows: Record<string, string>[] = [];
  const list = doc.getElementsByTagName("Row");
  for (let i = 0; i < list.length; i++) {
    const row: Record<string, string> = {};
    const values = list[i].getElementsByTagName("Value");
    for (let j = 0; j < values.length; j++) {
      row[values[j].getAttribute("ColumnRef") ?? ""] = (values[j].textContent ?? "").trim();
    }
    rows.push(row);
  }
  return rows;
}

let vocabularies: { comuni: Record<string, string>[]; stati: Record<string, string>[] } | null = null;

const norm = (s: string) =>
  s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/[^A-Z ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();

/** Name look-ups over AgID's vocabularies (and our substitute extract of the Comuni) and the catalogue's postcodes. */
export function lookupsFor(catalogue: Catalogue): Lookups {
  vocabularies ??= {
    comuni: genericodeRows("01_vocabularies/voc_comuni_italiani.xml"),
    stati: genericodeRows("01_vocabularies/voc_stati.xml"),
  };
  const { comuni, stati } = vocabularies;
  return {
    comuneByName(name) {
      const n = norm(name);
      if (!n) return null;
      const m = catalogue.municipalities.find((x) => norm(x.name) === n);
      if (m) return m.istat;
      return comuni.find((r) => norm(r.denominazione ?? "") === n)?.codice_istat ?? null;
    },
    capOfComune(istat) {
      const m = catalogue.municipalities.find((x) => x.istat === istat);
      return m && m.postcodes.length === 1 ? m.postcodes[0].cap : null;
    },
    statoByName(name) {
      const n = norm(name);
      if (!n) return null;
      // The form asks the citizenship in words: "italiana" is the common answer.
      const key = /^ITALIAN[AOEI]$/.test(n) ? "ITALIA" : n;
      return (
        stati.find((r) => norm(r.denominazione ?? "") === key || norm(r.denominazione_istat ?? "") === key)
          ?.codice_istat ?? null
      );
    },
  };
}

/** Where the applicant fixes what a failed check is about: the section of our form and a sentence. */
interface Explanation {
  section: string;
  field?: string;
  it: string;
  en: string;
}

const BY_ASSERTION: Record<string, Explanation> = {
  "cittadinanza_ab-ass_stato_cl_check": {
    section: "dichiarante",
    field: "dich_cittadinanza",
    it: "Scrivi la cittadinanza con il nome dello Stato (per esempio «italiana» o «Francia»): così com'è non corrisponde a uno Stato dell'elenco ISTAT",
    en: "Write the citizenship as the name of the State (for example «italiana» or «Francia»): as written it matches no State of the ISTAT list",
  },
  "indirizzo_italiano_ab-ass_comune_cl_check": {
    section: "dichiarante",
    field: "dich_residenza",
    it: "Scrivi la residenza come «Via e numero civico, CAP Comune» (per esempio «Via dei Sarti 12, 56048 Volterra»): il Comune indicato non è stato riconosciuto",
    en: "Write the residence as «Street and number, postcode Comune» (for example «Via dei Sarti 12, 56048 Volterra»): the Comune was not recognised",
  },
  "persona_ab-ass_comune_nascita_cl_check": {
    section: "dichiarante",
    field: "dich_luogo_nascita",
    it: "Il Comune di nascita non esisteva alla data di nascita indicata: controlla luogo e data di nascita",
    en: "The Comune of birth did not exist on the date of birth given: check place and date of birth",
  },
  "impresa_ab-forma_giuridica": {
    section: "impresa",
    field: "forma_giuridica",
    it: "Scegli la forma giuridica dell'impresa tra quelle dell'elenco",
    en: "Choose the legal form of the business from the list",
  },
  ass_vendita_alimentare: {
    section: "vicinato",
    field: "vic_req_prof_tipo",
    it: "Per il settore alimentare indica il requisito professionale: il modulo unificato AgID oggi accoglie il diploma o la laurea con materie attinenti, con gli estremi (istituto e anno)",
    en: "For the food sector give the professional requirement: AgID's unified form today takes a relevant diploma or degree, with its details (school and year)",
  },
  "requisiti_professionali_ab-almeno_un_titolo": {
    section: "vicinato",
    field: "vic_req_prof_tipo",
    it: "Indica almeno un requisito professionale per il settore alimentare (diploma o laurea con materie attinenti, con istituto e anno)",
    en: "Give at least one professional requirement for the food sector (relevant diploma or degree, with school and year)",
  },
  ass_non_alimentare: {
    section: "vicinato",
    field: "settore_merceologico",
    it: "Per il settore non alimentare indica la superficie di vendita e non indicare requisiti professionali",
    en: "For the non-food sector give the sales area and no professional requirement",
  },
  ass_check_allegato_procura: {
    section: "allegati",
    it: "Chi presenta la pratica per conto dell'impresa deve allegare la procura speciale",
    en: "Whoever files on behalf of the business must attach the special power of attorney",
  },
  "files_ab-mime_type": {
    section: "allegati",
    it: "Un allegato ha un formato che il modulo unificato non accetta: caricalo in PDF",
    en: "An attachment has a format the unified form does not accept: upload it as PDF",
  },
};

/** Asserts AgID left without an id, by their message. */
const BY_MESSAGE: [RegExp, Explanation][] = [
  [
    /^Luogo di nascita italiano o stato estero/,
    {
      section: "dichiarante",
      field: "dich_luogo_nascita",
      it: "Scrivi il luogo di nascita con il nome del Comune italiano o dello Stato estero (per esempio «Volterra» o «Francia»): così com'è non è stato riconosciuto",
      en: "Write the place of birth as the name of the Italian Comune or of the foreign State (for example «Volterra» or «Francia»): as written it was not recognised",
    },
  ],
  [
    /^Almeno un contatto/,
    {
      section: "dichiarante",
      field: "dich_pec",
      it: "Indica l'indirizzo PEC del dichiarante",
      en: "Give the filer's PEC address",
    },
  ],
];

/** XSD refusals, by the element the validator names: the answer it comes from. */
const BY_ELEMENT: Record<string, Explanation> = {
  codice_fiscale: {
    section: "dichiarante",
    field: "dich_codice_fiscale",
    it: "Controlla il codice fiscale del dichiarante: 16 caratteri, lettere maiuscole e cifre",
    en: "Check the filer's fiscal code: 16 characters, capital letters and digits",
  },
  data_nascita: {
    section: "dichiarante",
    field: "dich_data_nascita",
    it: "Scrivi la data di nascita come gg/mm/aaaa",
    en: "Write the date of birth as dd/mm/yyyy",
  },
  stato_cittadinanza: BY_ASSERTION["cittadinanza_ab-ass_stato_cl_check"],
  toponimo: BY_ASSERTION["indirizzo_italiano_ab-ass_comune_cl_check"],
  numero_civico: BY_ASSERTION["indirizzo_italiano_ab-ass_comune_cl_check"],
  cap: BY_ASSERTION["indirizzo_italiano_ab-ass_comune_cl_check"],
  comune: BY_ASSERTION["indirizzo_italiano_ab-ass_comune_cl_check"],
  domicilio_digitale: {
    section: "dichiarante",
    field: "dich_pec",
    it: "Controlla l'indirizzo PEC (per esempio nome@pec.it)",
    en: "Check the PEC address (for example name@pec.it)",
  },
  denominazione: {
    section: "impresa",
    field: "impresa_denominazione",
    it: "Scrivi la denominazione dell'impresa (al massimo 255 caratteri)",
    en: "Write the business name (255 characters at most)",
  },
  codice_fiscale_pf: {
    section: "impresa",
    field: "impresa_codice_fiscale",
    it: "Controlla il codice fiscale dell'impresa",
    en: "Check the business's fiscal code",
  },
  codice_fiscale_pg: {
    section: "impresa",
    field: "impresa_codice_fiscale",
    it: "Controlla il codice fiscale dell'impresa",
    en: "Check the business's fiscal code",
  },
  partita_iva: {
    section: "impresa",
    field: "impresa_partita_iva",
    it: "Per un'impresa individuale indica la partita IVA (11 cifre)",
    en: "For a sole trader give the VAT number (11 digits)",
  },
  foglio: {
    section: "sede_attivita",
    field: "catasto_foglio",
    it: "Il foglio catastale è un numero: scrivi solo le cifre",
    en: "The cadastral sheet is a number: write the digits only",
  },
  mappa: {
    section: "sede_attivita",
    field: "catasto_particella",
    it: "La particella catastale è un numero: scrivi solo le cifre",
    en: "The cadastral parcel is a number: write the digits only",
  },
  subalterno: {
    section: "sede_attivita",
    field: "catasto_subalterno",
    it: "Il subalterno è un numero: scrivi solo le cifre",
    en: "The subordinate unit is a number: write the digits only",
  },
  vendita_dettaglio: {
    section: "vicinato",
    field: "superficie_vendita",
    it: "Scrivi la superficie di vendita in metri quadrati, come numero intero",
    en: "Write the sales area in square metres, as a whole number",
  },
  alimentare: {
    section: "vicinato",
    field: "superficie_vendita",
    it: "Scrivi la superficie di vendita in metri quadrati, come numero intero",
    en: "Write the sales area in square metres, as a whole number",
  },
  non_alimentare: {
    section: "vicinato",
    field: "superficie_vendita",
    it: "Scrivi la superficie di vendita in metri quadrati, come numero intero",
    en: "Write the sales area in square metres, as a whole number",
  },
  anno_conclusione: {
    section: "vicinato",
    field: "vic_req_prof_estremi",
    it: "Negli estremi del requisito professionale indica l'anno (per esempio «Istituto alberghiero di Volterra, 2004»)",
    en: "In the details of the professional requirement give the year (for example «Istituto alberghiero di Volterra, 2004»)",
  },
};

const SECTION_OF_LOCATION: [RegExp, string][] = [
  [/sscheana:intermediario/, "intermediario"],
  [/sscheana:impresa/, "impresa"],
  [/sscheana:/, "dichiarante"],
  [/srifatt:/, "sede_attivita"],
  [/sapesvi:|sreqpro:/, "vicinato"],
  [/sreqono:/, "dichiarazioni_requisiti"],
  [/sallegati:/, "allegati"],
];

export type ModuloProblem = FieldError & { href: string };

function problem(base: string, e: Explanation): ModuloProblem {
  const href =
    e.section === "allegati"
      ? `${base}/allegati`
      : `${base}/sezioni/${e.section}?ritorno=riepilogo${e.field ? `#${e.field}` : ""}`;
  return { field: e.field ?? `modulo-${e.section}`, href, message: { it: e.it, en: e.en } };
}

function explainFailure(f: SchematronFailure): Explanation {
  const known = (f.id ? BY_ASSERTION[f.id] : undefined) ?? BY_MESSAGE.find(([re]) => re.test(f.message))?.[1];
  if (known) return known;
  const section = SECTION_OF_LOCATION.find(([re]) => re.test(f.location))?.[1] ?? "dichiarante";
  return {
    section,
    it: `Il modulo unificato AgID non accetta queste risposte: «${f.message}». Controlla la sezione e correggi`,
    en: `AgID's unified form does not accept these answers: «${f.message}». Check the section and correct it`,
  };
}

export interface PreparedModulo {
  form: string;
  usecase: string;
  phase: string;
  xml: string;
  problems: ModuloProblem[];
}

/** Builds and validates the modulo of a draft; null when none of its usecases has one. */
export async function prepareModulo(input: {
  praticaId: string;
  usecases: readonly string[];
  answers: Answers;
  attachments: ModuloAttachment[];
  catalogue: Catalogue;
}): Promise<PreparedModulo | null> {
  const found = moduloSpecFor(input.usecases);
  if (!found) return null;
  const { spec, usecase } = found;
  const form = loadAgidForm(spec.form);
  const xml = spec.build(input.answers, input.attachments, lookupsFor(input.catalogue));
  const phase = spec.phase(input.answers);
  const result = await validateModulo(form, xml, phase);
  const base = `/pratiche/${input.praticaId}`;
  const explanations: Explanation[] = [];
  for (const e of result.xsd) {
    // "Element '{ns}x': This element is not expected. Expected is ( {ns}y )": the missing y is the answer to give.
    const expected = /Expected is \( \{[^}]*\}([A-Za-z_]+) \)/.exec(e.message)?.[1];
    const element = expected ?? /Element '\{[^}]*\}([A-Za-z_]+)'/.exec(e.message)?.[1] ?? "";
    explanations.push(
      BY_ELEMENT[element] ?? {
        section: "dichiarante",
        it: "Il modulo unificato AgID non accetta una delle risposte: controlla i dati del dichiarante e dell'impresa",
        en: "AgID's unified form does not accept one of the answers: check the filer's and the business's data",
      },
    );
  }
  for (const f of result.schematron) explanations.push(explainFailure(f));
  // One sentence per answer to fix, in the order found.
  const seen = new Set<string>();
  const problems = explanations
    .filter((e) => {
      const key = e.field ? `${e.section}:${e.field}` : `${e.section}:${e.it}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((e) => problem(base, e));
  return { form: spec.form, usecase, phase, xml, problems };
}

/** The stored file name of a pratica's modulo. */
export function moduloFileName(form: string) {
  return `${form}.xml`;
}
