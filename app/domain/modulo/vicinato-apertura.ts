import { parseDate } from "../forms/dates";
import type { Answers } from "../forms/types";

/**
 * The AgID unified form "esercizio di vicinato - apertura" (mod_esercizio_vicinato_apertura_v1.0.0, namespace
 * http://agid.it/suap/forms/esercizio_vicinato_apertura) built from a pratica's answers. Pure: the answers and
 * the uploaded attachments in, the XML text out (same input, same bytes: the cache and the SSU hash rely on it).
 *
 * Where the portal's form collects less than AgID's (birthplace and citizenship as text rather than ISTAT codes,
 * addresses as one line, no separate legal representative when an intermediary files), the builder carries what
 * was answered; the AgID checks that need the missing code lists are reported as not verifiable (ADR 0027).
 */

export const VICINATO_APERTURA = {
  xsd: {
    code: "mod_esercizio_vicinato_apertura",
    version: "1.0.0",
    path: "04_forms/mod_esercizio_vicinato_apertura_v1.0.0.xsd",
  },
  schematron: {
    code: "mod_esercizio_vicinato_apertura",
    version: "1.0.0",
    path: "04_forms/mod_esercizio_vicinato_apertura_v1.0.0.sch",
  },
} as const;

export type ModuloAttachment = { code: string; filename: string; contentType: string; sha256: string };

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
  eiscrea: "http://agid.it/suap/entities/iscrizione_rea",
  edaca: "http://agid.it/suap/entities/dati_catastali",
  emodven: "http://agid.it/suap/entities/modalita_vendita",
  ecarese: "http://agid.it/suap/entities/carattere_esercizio",
  esetmer: "http://agid.it/suap/entities/settori_merceologici",
  ereqono: "http://agid.it/suap/entities/requisiti_onorabilita",
  efile: "http://agid.it/suap/entities/file",
  xsi: "http://www.w3.org/2001/XMLSchema-instance",
};

type Node = { name: string; type?: string; text?: string; children?: Node[] };

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function render(n: Node, depth: number): string {
  const pad = "  ".repeat(depth);
  const type = n.type ? ` xsi:type="${n.type}"` : "";
  if (n.children) {
    const kids = n.children.filter(Boolean);
    if (!kids.length) return `${pad}<${n.name}${type}/>\n`;
    return `${pad}<${n.name}${type}>\n${kids.map((c) => render(c, depth + 1)).join("")}${pad}</${n.name}>\n`;
  }
  return `${pad}<${n.name}${type}>${esc(n.text ?? "")}</${n.name}>\n`;
}

const str = (a: Answers, k: string) => {
  const v = a[k];
  return (Array.isArray(v) ? v.join(", ") : (v ?? "")).trim();
};
const leaf = (name: string, text: string): Node => ({ name, text });
const opt = (name: string, text: string): Node[] => (text ? [leaf(name, text)] : []);

/** "Via Roma 12/A" -> street and house number; the number is what follows the last space when it has a digit. */
export function splitStreet(line: string): { toponimo: string; civico: string } {
  const m = line.trim().match(/^(.*?)[,\s]+(\d+\S*)$/);
  if (m?.[1]) return { toponimo: m[1].trim(), civico: m[2]! };
  return { toponimo: line.trim(), civico: "snc" };
}

/** A one-line Italian address "Via Roma 1, 00184 Roma" -> the AgID parts (comune as written). */
export function splitAddress(line: string): {
  toponimo: string;
  civico: string;
  cap: string;
  comune: string;
} {
  const cap = line.match(/\b(\d{5})\b/)?.[1] ?? "";
  const [street, ...rest] = line.split(",");
  const where = rest
    .join(",")
    .replace(cap, "")
    .replace(/\(\s*[A-Za-z]{2}\s*\)/, "")
    .trim();
  const { toponimo, civico } = splitStreet(street ?? "");
  return { toponimo, civico, cap, comune: where };
}

/**
 * What AgID's form needs that the answers do not give in the shape it wants (the residence is one line in the
 * portal's form, AgID wants street, number, CAP and Comune). Each is a blocking problem on the answer to fix.
 */
export function missingForModulo(
  answers: Answers,
): { field: string; section: string; message: { it: string; en: string } }[] {
  const parts = splitAddress(str(answers, "dich_residenza"));
  if (parts.cap && parts.comune) return [];
  return [
    {
      field: "dich_residenza",
      section: "dichiarante",
      message: {
        it: "Scrivi la residenza con via, numero civico, CAP e Comune, ad esempio «Via Roma 1, 00184 Roma»: il modulo unificato nazionale li chiede separati.",
        en: 'Write the residence with street, number, postcode and municipality, for example "Via Roma 1, 00184 Roma": the national unified form asks for them separately.',
      },
    },
  ];
}

/** The sex the codice fiscale encodes (day of birth + 40 for women), as AgID's vocabulary names it. */
export function sexFromFiscalCode(cf: string): "maschio" | "femmina" | null {
  const m = cf.toUpperCase().match(/^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST]([0-9LMNPQRSTUV]{2})/);
  if (!m) return null;
  const digits = m[1]!.replace(/[LMNPQRSTUV]/g, (c) => String("LMNPQRSTUV".indexOf(c)));
  return Number(digits) > 40 ? "femmina" : "maschio";
}

const ITALY_ISTAT = "100";
const citizenship = (text: string) => (/^(it|ital)/i.test(text.trim()) ? ITALY_ISTAT : text.trim());

const ROLE: Record<string, string> = {
  TITOLARE: "Titolare di impresa individuale",
  LEGALE_RAPPRESENTANTE: "Legale rappresentante di Organizzazione",
  INTERMEDIARIO: "Procuratore/Delegato interno ad Organizzazione",
};

/** The attachments AgID's apertura form lists, from the portal's attachment codes. */
const ATTACHMENT_ELEMENT: Record<string, string> = {
  PROCURA_SPECIALE: "sallegati:procura_delega",
  RICEVUTA_DIRITTI: "sallegati:attestazione_versamenti",
  BOLLO: "sallegati:assolvimento_imposta_bollo",
};
/** xsd nome_file_stype: [a-zA-Z0-9_.- ]{1,255} */
const safeName = (name: string) =>
  name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-zA-Z0-9_. -]/g, "_")
    .slice(0, 255) || "allegato";

function person(a: Answers): Node[] {
  const cf = str(a, "dich_codice_fiscale").toUpperCase();
  const sex = sexFromFiscalCode(cf);
  return [
    leaf("epers:codice_fiscale", cf),
    leaf("epers:nome", str(a, "dich_nome")),
    leaf("epers:cognome", str(a, "dich_cognome")),
    ...(sex ? [leaf("epers:sesso", sex)] : []),
    ...opt("epers:data_nascita", parseDate(str(a, "dich_data_nascita")) ?? str(a, "dich_data_nascita")),
    ...opt("epers:luogo_nascita_italiano", str(a, "dich_luogo_nascita")),
  ];
}

function italianAddress(prefix: string, line: string, cap?: string, comune?: string): Node[] {
  const parts = splitAddress(line);
  return [
    leaf(`${prefix}toponimo`, parts.toponimo),
    leaf(`${prefix}numero_civico`, parts.civico),
    leaf(`${prefix}cap`, cap ?? parts.cap),
    leaf(`${prefix}comune`, comune ?? parts.comune),
  ];
}

function contacts(pec: string, phone: string): Node[] {
  return [
    ...(phone
      ? [
          leaf(
            /^\+?3\d{8,}/.test(phone.replace(/\s/g, "")) ? "econt:cellulare" : "econt:telefono_fisso",
            phone,
          ),
        ]
      : []),
    ...opt("econt:domicilio_digitale", pec),
  ];
}

/** The XML modulo of a vicinato apertura (non alimentare) from the pratica's answers and attachments. */
export function buildVicinatoApertura(answers: Answers, attachments: readonly ModuloAttachment[]): string {
  const a = answers;
  const role = str(a, "ruolo_dichiarante");
  const individual = str(a, "forma_giuridica") === "IMPRESA_INDIVIDUALE";
  const rea = str(a, "impresa_rea");
  const reaMatch = rea.match(/^([A-Za-z]{2})\s*[-/ ]?\s*(\S+)$/);
  const sector = str(a, "settore_merceologico");
  const surface = String(Math.max(1, Math.round(Number(str(a, "superficie_vendita")) || 0)));
  const impresa: Node = {
    name: "sscheana:impresa",
    children: [
      leaf("eimpresa:denominazione", str(a, "impresa_denominazione")),
      leaf("eimpresa:forma_giuridica", str(a, "forma_giuridica")),
      individual
        ? {
            name: "eimpresa:identificativo_impresa_inviduale",
            children: [
              leaf("eimpresa:codice_fiscale_pf", str(a, "impresa_codice_fiscale").toUpperCase()),
              leaf("eimpresa:partita_iva", str(a, "impresa_partita_iva")),
            ],
          }
        : {
            name: "eimpresa:identificativo_societa",
            children: [
              leaf("eimpresa:codice_fiscale_pg", str(a, "impresa_codice_fiscale")),
              ...opt("eimpresa:partita_iva", str(a, "impresa_partita_iva")),
            ],
          },
      {
        name: "eimpresa:iscrizione_registro_cc",
        children: [
          leaf("eimpresa:necessita_di_iscrizione", rea ? "true" : "false"),
          ...(rea
            ? [
                {
                  name: "eimpresa:iscrizione_registro",
                  children: [
                    leaf("eiscrea:CCIAA", (reaMatch?.[1] ?? "").toUpperCase() || "n.d."),
                    leaf("eiscrea:numero_REA", reaMatch?.[2] ?? rea),
                  ],
                },
              ]
            : []),
        ],
      },
    ],
  };
  const rappresentante: Node = {
    name: "sscheana:rappresentante",
    children: [
      { name: "sscheana:persona", children: person(a) },
      {
        name: "sscheana:cittadinanza",
        children: [leaf("ecitt:stato_cittadinanza", citizenship(str(a, "dich_cittadinanza")))],
      },
      {
        name: "sscheana:residenza",
        children: [
          {
            name: "sscheana:indirizzo_italiano",
            children: italianAddress("eindita:", str(a, "dich_residenza")),
          },
        ],
      },
      { name: "sscheana:contatti", children: contacts(str(a, "dich_pec"), str(a, "dich_telefono")) },
      {
        name: "sscheana:rappresentanza",
        children: [leaf("erapp:ruolo", ROLE[role] ?? ROLE.LEGALE_RAPPRESENTANTE!)],
      },
    ],
  };
  const intermediario: Node[] =
    role === "INTERMEDIARIO"
      ? [
          {
            name: "sscheana:intermediario",
            children: [
              { name: "sscheana:persona", children: person(a) },
              {
                name: "sscheana:residenza",
                children: [
                  {
                    name: "sscheana:indirizzo_italiano",
                    children: italianAddress("eindita:", str(a, "dich_residenza")),
                  },
                ],
              },
              { name: "sscheana:contatti", children: contacts(str(a, "interm_pec"), "") },
              ...opt("sscheana:denominazione_agenzia_imprese", str(a, "interm_denominazione")),
            ],
          },
        ]
      : [];
  const street = splitStreet(str(a, "sede_indirizzo"));
  const allegati: Node[] = [];
  for (const element of [
    "sallegati:procura_delega",
    "sallegati:attestazione_versamenti",
    "sallegati:assolvimento_imposta_bollo",
  ]) {
    const files = attachments.filter((f) => ATTACHMENT_ELEMENT[f.code] === element);
    // the XSD allows one procura, one payment proof and one stamp-duty proof
    for (const f of files.slice(0, 1))
      allegati.push({
        name: element,
        children: [
          leaf("efile:nome_file", safeName(f.filename)),
          leaf("efile:content_type", f.contentType),
          leaf("efile:hash", f.sha256),
          leaf("efile:hash-alg", "SHA-256"),
        ],
      });
  }
  const body: Node[] = [
    { name: "sscheana:scheda_anagrafica", children: [rappresentante, impresa, ...intermediario] },
    {
      name: "srifatt:riferimento_attivita",
      children: [
        {
          name: "srifatt:indirizzo",
          children: [
            leaf("eindita:toponimo", street.toponimo),
            leaf("eindita:numero_civico", street.civico),
            leaf("eindita:cap", str(a, "sede_cap")),
            leaf("eindita:comune", str(a, "sede_comune")),
          ],
        },
        { name: "srifatt:contatti", children: contacts(str(a, "impresa_pec"), "") },
        {
          name: "srifatt:dati_catastali",
          type: "edaca:dati_catastali_ctype_italia",
          children: [
            leaf("edaca:foglio", str(a, "catasto_foglio")),
            leaf("edaca:mappa", str(a, "catasto_particella")),
            // the portal's form makes the subalterno optional, AgID's XSD requires a number: 0 = no subalterno
            leaf("edaca:subalterno", str(a, "catasto_subalterno") || "0"),
            // a shop's premises are in the catasto fabbricati
            leaf("edaca:fabbricati", "true"),
          ],
        },
      ],
    },
    {
      name: "sapesvi:apertura_esercizio_vicinato",
      children: [
        { name: "sapesvi:segnalazione_avvio", children: [leaf("sapesvi:esercizio_vicinato", "true")] },
        {
          name: "sapesvi:modalita_vendita",
          type: "emodven:modalita_vendita_ctype_italia",
          children: [leaf("emodven:vendita_dettaglio", surface)],
        },
        {
          name: "sapesvi:carattere_esercizio",
          type: "ecarese:carattere_esercizio_ctype_italia",
          children: [leaf("ecarese:permanente", "true")],
        },
        {
          name: "sapesvi:settori_merceologici",
          type: "esetmer:settori_merceologici_ctype_italia",
          children: [
            leaf(sector === "NON_ALIMENTARE" ? "esetmer:non_alimentare" : "esetmer:alimentare", surface),
          ],
        },
      ],
    },
    {
      name: "sreqono:requisiti_onorabilita",
      children: [
        leaf(
          "ereqono:possesso_requisiti_onorabilita",
          str(a, "dich_onorabilita") === "true" ? "true" : "false",
        ),
        leaf("ereqono:no_cause_divieto", str(a, "dich_antimafia") === "true" ? "true" : "false"),
      ],
    },
    {
      name: "saltdic:altre_dichiazioni",
      type: "saltdic:altre_dichiarazioni_ctype_italia",
      // the portal's final declaration (dich_veridicita) stands for both: see ADR 0027
      children: [
        leaf("saltdic:rispetto_regolamenti_locali", str(a, "dich_veridicita") === "true" ? "true" : "false"),
        leaf(
          "saltdic:impegno_comunicazioni_variazioni",
          str(a, "dich_veridicita") === "true" ? "true" : "false",
        ),
      ],
    },
    { name: "sallegati:allegati", type: "sallegati:allegati_ctype_italia", children: allegati },
  ];
  const decls = Object.entries(NS)
    .map(([p, uri]) => `\n  xmlns:${p}="${uri}"`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<mesviap:esercizio_vicinato_apertura${decls}>\n${body
    .map((n) => render(n, 1))
    .join("")}</mesviap:esercizio_vicinato_apertura>\n`;
}

/**
 * Which answer each element of the modulo comes from: an XSD or Schematron problem on an element is shown on the
 * field the applicant changes to fix it.
 */
export const ELEMENT_FIELD: Record<string, { field: string; section: string }> = {
  codice_fiscale: { field: "dich_codice_fiscale", section: "dichiarante" },
  nome: { field: "dich_nome", section: "dichiarante" },
  cognome: { field: "dich_cognome", section: "dichiarante" },
  sesso: { field: "dich_codice_fiscale", section: "dichiarante" },
  data_nascita: { field: "dich_data_nascita", section: "dichiarante" },
  luogo_nascita_italiano: { field: "dich_luogo_nascita", section: "dichiarante" },
  stato_cittadinanza: { field: "dich_cittadinanza", section: "dichiarante" },
  residenza: { field: "dich_residenza", section: "dichiarante" },
  domicilio_digitale: { field: "dich_pec", section: "dichiarante" },
  telefono_fisso: { field: "dich_telefono", section: "dichiarante" },
  cellulare: { field: "dich_telefono", section: "dichiarante" },
  denominazione: { field: "impresa_denominazione", section: "impresa" },
  forma_giuridica: { field: "forma_giuridica", section: "impresa" },
  codice_fiscale_pf: { field: "impresa_codice_fiscale", section: "impresa" },
  codice_fiscale_pg: { field: "impresa_codice_fiscale", section: "impresa" },
  partita_iva: { field: "impresa_partita_iva", section: "impresa" },
  iscrizione_registro: { field: "impresa_rea", section: "impresa" },
  CCIAA: { field: "impresa_rea", section: "impresa" },
  numero_REA: { field: "impresa_rea", section: "impresa" },
  denominazione_agenzia_imprese: { field: "interm_denominazione", section: "intermediario" },
  toponimo: { field: "sede_indirizzo", section: "sede_attivita" },
  numero_civico: { field: "sede_indirizzo", section: "sede_attivita" },
  cap: { field: "sede_cap", section: "sede_attivita" },
  comune: { field: "sede_comune", section: "sede_attivita" },
  foglio: { field: "catasto_foglio", section: "sede_attivita" },
  mappa: { field: "catasto_particella", section: "sede_attivita" },
  subalterno: { field: "catasto_subalterno", section: "sede_attivita" },
  vendita_dettaglio: { field: "superficie_vendita", section: "vicinato" },
  alimentare: { field: "settore_merceologico", section: "vicinato" },
  non_alimentare: { field: "settore_merceologico", section: "vicinato" },
  settori_merceologici: { field: "settore_merceologico", section: "vicinato" },
  possesso_requisiti_onorabilita: { field: "dich_onorabilita", section: "dichiarazioni_requisiti" },
  no_cause_divieto: { field: "dich_antimafia", section: "dichiarazioni_requisiti" },
  rispetto_regolamenti_locali: { field: "dich_veridicita", section: "dichiarazioni_finali" },
  impegno_comunicazioni_variazioni: { field: "dich_veridicita", section: "dichiarazioni_finali" },
  altre_dichiazioni: { field: "dich_veridicita", section: "dichiarazioni_finali" },
  procura_delega: { field: "file-PROCURA_SPECIALE", section: "allegati" },
  allegati: { field: "file-PROCURA_SPECIALE", section: "allegati" },
  nome_file: { field: "file-PROCURA_SPECIALE", section: "allegati" },
};

/** Rules whose context is the whole modulo: the field they are about, by the assert's id. */
export const ASSERT_FIELD: Record<string, { field: string; section: string }> = {
  ass_check_allegato_procura: { field: "file-PROCURA_SPECIALE", section: "allegati" },
  ass_non_alimentare: { field: "settore_merceologico", section: "vicinato" },
  ass_vendita_alimentare: { field: "settore_merceologico", section: "vicinato" },
  check_altre_dichiarazioni: { field: "dich_veridicita", section: "dichiarazioni_finali" },
  check_allegati: { field: "file-PROCURA_SPECIALE", section: "allegati" },
};

/** The residence is written under scheda_anagrafica/.../residenza: its parts map to the residence field. */
export function fieldForPath(path: readonly string[]): { field: string; section: string } | null {
  if (path.includes("residenza")) return ELEMENT_FIELD.residenza!;
  if (path.includes("intermediario")) return { field: "interm_pec", section: "intermediario" };
  if (path.includes("riferimento_attivita") && path.at(-1) === "contatti")
    return { field: "impresa_pec", section: "impresa" };
  if (path.includes("dati_catastali") && path.at(-1) === "dati_catastali") return ELEMENT_FIELD.foglio!;
  for (let i = path.length - 1; i >= 0; i--) {
    const hit = ELEMENT_FIELD[path[i]!];
    if (hit) return hit;
  }
  return null;
}
