/**
 * The "modulo unificato" of AgID for opening a neighbourhood shop (mod_esercizio_vicinato_apertura v1.0.0),
 * built from the pratica's answers (catalogue form F_VICINATO) and its attachments. Pure: the vocabulary look-ups
 * (Comune and State names to ISTAT codes) come in as arguments. Where our form asks less than AgID's model
 * (the residence is one line of text, the shop's character and selling mode are not asked), the choices are
 * written here and in ADR 0027; what cannot be coded is written as given, so the validation refuses it and
 * the applicant is told which answer to fix. AgID's cadastral data require a subalterno, which our form leaves
 * optional: none given is written 0 ("no subalterno").
 */

export type Answers = Record<string, unknown>;

export interface ModuloAttachment {
  /** catalogue attachment code, e.g. PROCURA_SPECIALE */
  code: string;
  filename: string;
}

export interface Lookups {
  /** ISTAT code of a Comune by its name (case-insensitive), or null. */
  comuneByName(name: string): string | null;
  /** The postcode of a Comune when it has exactly one, or null. */
  capOfComune(istat: string): string | null;
  /** ISTAT code of a State by its Italian name or citizenship adjective, or null. */
  statoByName(name: string): string | null;
}

export const VICINATO_APERTURA = {
  form: "mod_esercizio_vicinato_apertura",
  namespace: "http://agid.it/suap/forms/esercizio_vicinato_apertura",
} as const;

const NS: Record<string, string> = {
  mesviap: "http://agid.it/suap/forms/esercizio_vicinato_apertura",
  sscheana: "http://agid.it/suap/sections/scheda_anagrafica",
  srifatt: "http://agid.it/suap/sections/riferimento_attivita",
  sapesvi: "http://agid.it/suap/sections/apertura_esercizio_vicinato",
  sreqono: "http://agid.it/suap/sections/requisiti_onorabilita",
  sreqpro: "http://agid.it/suap/sections/requisiti_professionali",
  saltdic: "http://agid.it/suap/sections/altre_dichiarazioni",
  sallegati: "http://agid.it/suap/sections/allegati",
  epers: "http://agid.it/suap/entities/persona",
  ecitt: "http://agid.it/suap/entities/cittadinanza",
  eindita: "http://agid.it/suap/entities/indirizzo_italiano",
  econt: "http://agid.it/suap/entities/contatti",
  erapp: "http://agid.it/suap/entities/rappresentanza",
  eimpresa: "http://agid.it/suap/entities/impresa",
  edaca: "http://agid.it/suap/entities/dati_catastali",
  emodven: "http://agid.it/suap/entities/modalita_vendita",
  ecarese: "http://agid.it/suap/entities/carattere_esercizio",
  esetmer: "http://agid.it/suap/entities/settori_merceologici",
  ereqono: "http://agid.it/suap/entities/requisiti_onorabilita",
  ereqpro: "http://agid.it/suap/entities/requisiti_professionali",
  efile: "http://agid.it/suap/entities/file",
  xsi: "http://www.w3.org/2001/XMLSchema-instance",
};

/** Our forma_giuridica options -> AgID's vocabulary (voc_forme_giuridiche, "code" column). */
const FORME_GIURIDICHE: Record<string, string> = {
  IMPRESA_INDIVIDUALE: "1.1.20",
  SNC: "1.2.20",
  SAS: "1.2.30",
  SRL: "1.3.20",
  SPA: "1.3.10",
  COOPERATIVA: "1.4.20",
};

/** Which Schematron phase a usecase is checked with (AgID names two per vicinato form). */
export function vicinatoPhase(answers: Answers): "alimentare_ph" | "non_alimentare_ph" {
  const settore = String(answers.settore_merceologico ?? "");
  return settore === "ALIMENTARE" || settore === "MISTO" ? "alimentare_ph" : "non_alimentare_ph";
}

function esc(value: string) {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function str(answers: Answers, key: string) {
  const v = answers[key];
  return typeof v === "string" ? v.trim() : v === undefined || v === null ? "" : String(v).trim();
}

/** dd/mm/yyyy (the form's date format) -> yyyy-mm-dd; anything else is passed on and refused by the XSD. */
function isoDate(value: string) {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
  return m ? `${m[3]}-${m[2]}-${m[1]}` : value;
}

/** The fiscal code's day of birth is raised by 40 for women (DM 23/12/1976): the form does not ask the sex. */
function sexFromFiscalCode(cf: string) {
  const m = /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z]([0-9LMNPQRSTUV]{2})/i.exec(cf);
  if (!m) return "";
  const digits = m[1].toUpperCase().replace(/[LMNPQRSTUV]/g, (c) => String("LMNPQRSTUV".indexOf(c)));
  const day = Number(digits);
  return el("epers:sesso", day > 40 ? "femmina" : "maschio");
}

function el(name: string, value: string) {
  return `<${name}>${esc(value)}</${name}>`;
}

/** "Via dei Sarti 12, 56048 Volterra" -> toponimo, civico, cap, comune; missing parts stay empty (and are refused). */
export function splitAddress(text: string, lookups: Lookups) {
  const [street = "", ...rest] = text.split(",");
  const place = rest.join(",").trim();
  const m = /^(.*?)(?:\s+(\d+\w*(?:\/\w+)?))?$/.exec(street.trim());
  const toponimo = (m?.[1] ?? street).trim();
  const civico = m?.[2] ?? "";
  const capMatch = /\b(\d{5})\b/.exec(place);
  const comuneName = place.replace(/\b\d{5}\b/, "").trim();
  const comune = comuneName ? lookups.comuneByName(comuneName) : null;
  const cap = capMatch?.[1] ?? (comune ? lookups.capOfComune(comune) : null) ?? "";
  return { toponimo, civico, cap, comune: comune ?? comuneName };
}

function address(tag: string, a: { toponimo: string; civico: string; cap: string; comune: string }) {
  return `<${tag}>${el("eindita:toponimo", a.toponimo)}${el("eindita:numero_civico", a.civico)}${el("eindita:cap", a.cap)}${el("eindita:comune", a.comune)}</${tag}>`;
}

const ROLE: Record<string, string> = {
  TITOLARE: "Titolare di impresa individuale",
  LEGALE_RAPPRESENTANTE: "Legale rappresentante di Organizzazione",
  INTERMEDIARIO: "Procuratore/Delegato interno ad Organizzazione",
};

const ATTACHMENTS: Record<string, string> = {
  PROCURA_SPECIALE: "procura_delega",
  RICEVUTA_DIRITTI: "attestazione_versamenti",
};

function fileName(name: string) {
  const clean = name.replace(/[^a-zA-Z0-9_. -]/g, "_").slice(0, 255);
  return clean || "allegato";
}

function contentType(name: string) {
  const ext = name.toLowerCase().split(".").pop() ?? "";
  return ext === "p7m" ? "pkcs7-mime" : ext === "xml" ? "xml" : "pdf";
}

export function buildVicinatoApertura(
  answers: Answers,
  attachments: ModuloAttachment[],
  lookups: Lookups,
): string {
  const luogo = str(answers, "dich_luogo_nascita");
  const nascita = lookups.comuneByName(luogo);
  const statoNascita = nascita ? null : lookups.statoByName(luogo);
  const cittadinanza =
    lookups.statoByName(str(answers, "dich_cittadinanza")) ?? str(answers, "dich_cittadinanza");
  const residenza = splitAddress(str(answers, "dich_residenza"), lookups);
  const ruolo = str(answers, "ruolo_dichiarante");
  const settore = str(answers, "settore_merceologico");
  const superficie = str(answers, "superficie_vendita").replace(",", ".").replace(/\.0+$/, "");
  const forma = str(answers, "forma_giuridica");
  const cfImpresa = str(answers, "impresa_codice_fiscale").toUpperCase();
  const piva = str(answers, "impresa_partita_iva");
  const food = settore === "ALIMENTARE" || settore === "MISTO";

  const persona = [
    el("epers:codice_fiscale", str(answers, "dich_codice_fiscale").toUpperCase()),
    el("epers:nome", str(answers, "dich_nome")),
    el("epers:cognome", str(answers, "dich_cognome")),
    sexFromFiscalCode(str(answers, "dich_codice_fiscale")),
    el("epers:data_nascita", isoDate(str(answers, "dich_data_nascita"))),
    nascita ? el("epers:luogo_nascita_italiano", nascita) : "",
    statoNascita ? el("epers:stato_estero", statoNascita) : "",
  ].join("");

  const identificativo = /^\d{11}$/.test(cfImpresa)
    ? `<eimpresa:identificativo_societa>${el("eimpresa:codice_fiscale_pg", cfImpresa)}${piva ? el("eimpresa:partita_iva", piva) : ""}</eimpresa:identificativo_societa>`
    : `<eimpresa:identificativo_impresa_inviduale>${el("eimpresa:codice_fiscale_pf", cfImpresa)}${el("eimpresa:partita_iva", piva)}</eimpresa:identificativo_impresa_inviduale>`;

  const intermediario =
    ruolo === "INTERMEDIARIO"
      ? `<sscheana:intermediario><sscheana:persona>${persona}</sscheana:persona><sscheana:residenza>${address("sscheana:indirizzo_italiano", residenza)}</sscheana:residenza><sscheana:contatti>${el("econt:domicilio_digitale", str(answers, "interm_pec"))}</sscheana:contatti>${el("sscheana:denominazione_agenzia_imprese", str(answers, "interm_denominazione"))}</sscheana:intermediario>`
      : "";

  const sede = {
    toponimo: splitAddress(str(answers, "sede_indirizzo"), lookups).toponimo,
    civico: splitAddress(str(answers, "sede_indirizzo"), lookups).civico,
    cap: str(answers, "sede_cap"),
    comune: str(answers, "sede_comune"),
  };

  const settori = [
    food ? el("esetmer:alimentare", superficie) : "",
    settore === "NON_ALIMENTARE" || settore === "MISTO" ? el("esetmer:non_alimentare", superficie) : "",
  ].join("");

  const requisiti = food
    ? `<sreqpro:requisiti_professionali>${professionalRequirement(answers)}</sreqpro:requisiti_professionali>`
    : "";

  const files = attachments
    .filter((a) => ATTACHMENTS[a.code])
    .map((a) => {
      const name = fileName(a.filename);
      return `<sallegati:${ATTACHMENTS[a.code]}>${el("efile:nome_file", name)}${el("efile:content_type", contentType(name))}</sallegati:${ATTACHMENTS[a.code]}>`;
    })
    .join("");

  const xmlns = Object.entries(NS)
    .map(([p, u]) => ` xmlns:${p}="${u}"`)
    .join("");

  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<mesviap:esercizio_vicinato_apertura${xmlns}>`,
    `<sscheana:scheda_anagrafica>`,
    `<sscheana:rappresentante>`,
    `<sscheana:persona>${persona}</sscheana:persona>`,
    `<sscheana:cittadinanza>${el("ecitt:stato_cittadinanza", cittadinanza)}</sscheana:cittadinanza>`,
    `<sscheana:residenza>${address("sscheana:indirizzo_italiano", residenza)}</sscheana:residenza>`,
    `<sscheana:contatti>${el("econt:domicilio_digitale", str(answers, "dich_pec"))}</sscheana:contatti>`,
    `<sscheana:rappresentanza>${el("erapp:ruolo", ROLE[ruolo] ?? ruolo)}</sscheana:rappresentanza>`,
    `</sscheana:rappresentante>`,
    `<sscheana:impresa>${el("eimpresa:denominazione", str(answers, "impresa_denominazione"))}${el("eimpresa:forma_giuridica", FORME_GIURIDICHE[forma] ?? forma)}${identificativo}<eimpresa:iscrizione_registro_cc>${el("eimpresa:necessita_di_iscrizione", "false")}</eimpresa:iscrizione_registro_cc></sscheana:impresa>`,
    intermediario,
    `</sscheana:scheda_anagrafica>`,
    `<srifatt:riferimento_attivita>${address("srifatt:indirizzo", sede)}<srifatt:contatti/>`,
    `<srifatt:dati_catastali xsi:type="edaca:dati_catastali_ctype_italia">${el("edaca:foglio", str(answers, "catasto_foglio"))}${el("edaca:mappa", str(answers, "catasto_particella"))}${el("edaca:subalterno", str(answers, "catasto_subalterno") || "0")}${el("edaca:fabbricati", "true")}</srifatt:dati_catastali>`,
    `</srifatt:riferimento_attivita>`,
    `<sapesvi:apertura_esercizio_vicinato>`,
    `<sapesvi:segnalazione_avvio>${el("sapesvi:esercizio_vicinato", "true")}</sapesvi:segnalazione_avvio>`,
    `<sapesvi:modalita_vendita xsi:type="emodven:modalita_vendita_ctype_italia">${el("emodven:vendita_dettaglio", superficie)}</sapesvi:modalita_vendita>`,
    `<sapesvi:carattere_esercizio xsi:type="ecarese:carattere_esercizio_ctype_italia">${el("ecarese:permanente", "true")}</sapesvi:carattere_esercizio>`,
    `<sapesvi:settori_merceologici xsi:type="esetmer:settori_merceologici_ctype_italia">${settori}</sapesvi:settori_merceologici>`,
    `</sapesvi:apertura_esercizio_vicinato>`,
    `<sreqono:requisiti_onorabilita>${el("ereqono:possesso_requisiti_onorabilita", str(answers, "dich_onorabilita") === "true" ? "true" : "false")}${el("ereqono:no_cause_divieto", str(answers, "dich_antimafia") === "true" ? "true" : "false")}</sreqono:requisiti_onorabilita>`,
    requisiti,
    `<saltdic:altre_dichiazioni xsi:type="saltdic:altre_dichiarazioni_ctype_italia">${el("saltdic:rispetto_regolamenti_locali", "true")}${el("saltdic:impegno_comunicazioni_variazioni", "true")}</saltdic:altre_dichiazioni>`,
    `<sallegati:allegati xsi:type="sallegati:allegati_ctype_italia">${files}</sallegati:allegati>`,
    `</mesviap:esercizio_vicinato_apertura>`,
    "",
  ].join("\n");
}

/**
 * The food sector's professional requirement (vic_req_prof_*) in AgID's terms. Only the diploma maps: a course
 * needs its place as a coded address and a practice or an appointed manager need data our form does not ask,
 * so those stay empty and the alimentare phase refuses them with a sentence (ADR 0027, not finished).
 */
function professionalRequirement(answers: Answers) {
  const tipo = str(answers, "vic_req_prof_tipo");
  const estremi = str(answers, "vic_req_prof_estremi");
  const year = /\b(?:19|20)\d{2}\b/.exec(estremi)?.[0] ?? "";
  const istituto = estremi.replace(/,?\s*\b(?:19|20)\d{2}\b/, "").trim();
  if (tipo === "TITOLO")
    return `<ereqpro:possesso_diploma>${el("ereqpro:istituto", istituto)}${el("ereqpro:anno_conclusione", year)}${el("ereqpro:materie_attinenti", istituto)}</ereqpro:possesso_diploma>`;
  return "";
}
