import { readFileSync } from "node:fs";
import path from "node:path";
import { validateXML } from "xmllint-wasm";
import {
  type CompiledSchematron,
  compileSchematron,
  runSchematron,
  type SchematronFailure,
} from "./schematron.server";

/**
 * AgID's unified forms (suap-gt-specifiche, to_moduli): XSD + Schematron per form, kept unchanged in
 * specs/agid-moduli/to_moduli. The files have defects (a wrong-case import, two vocabularies in one namespace,
 * a Schematron parameter in the wrong namespace, two vocabularies missing): each is fixed here, at load
 * time, by an entry of KNOWN_FIXES, and every loaded form reports the fixes it needed. A fix that no longer
 * finds what it fixes stops the load, so a corrected upstream file is noticed, not patched twice.
 * specs/agid-moduli/README.md lists the same fixes. ADR 0027.
 */

export interface AgidFix {
  id: string;
  /** The upstream file it touches (relative to to_moduli). */
  file: string;
  what: string;
}

interface TextFix extends AgidFix {
  from: string;
  to: string;
}

interface SubstituteFix extends AgidFix {
  /** Our file, relative to specs/agid-moduli. */
  substitute: string;
}

interface VirtualFix extends AgidFix {
  contents: string;
}

const ROLE_NS = "http://agid.it/suap/vocabularies/ruolo_richiedente";
const ROLE_BOTH = "01_vocabularies/voc_ruolo_richiedente_e_rappresentante.virtual.xsd";

const TEXT_FIXES: TextFix[] = [
  {
    id: "xsd-iscrizione-rea-case",
    file: "02_entities/ent_impresa_v1.0.0.xsd",
    what: "importa ent_iscrizione_rea_v1.0.0.xsd, il file si chiama ent_iscrizione_REA_v1.0.0.xsd (funziona solo su file system che ignorano le maiuscole)",
    from: 'schemaLocation="../02_entities/ent_iscrizione_rea_v1.0.0.xsd"',
    to: 'schemaLocation="../02_entities/ent_iscrizione_REA_v1.0.0.xsd"',
  },
  {
    id: "xsd-iscrizione-rea-case",
    file: "02_entities/ent_requisiti_professionali_v1.0.0.xsd",
    what: "importa ent_iscrizione_rea_v1.0.0.xsd, il file si chiama ent_iscrizione_REA_v1.0.0.xsd",
    from: 'schemaLocation="ent_iscrizione_rea_v1.0.0.xsd"',
    to: 'schemaLocation="ent_iscrizione_REA_v1.0.0.xsd"',
  },
  {
    id: "xsd-ruolo-one-namespace",
    file: "02_entities/ent_rappresentanza_v1.0.0.xsd",
    what: "voc_ruolo_rappresentante dichiara lo spazio dei nomi di voc_ruolo_richiedente: due import dello stesso namespace da file diversi, il validatore tiene solo il primo; entrambi gli import puntano a uno schema che include i due vocabolari",
    from: `namespace="${ROLE_NS}" schemaLocation="../01_vocabularies/voc_ruolo_rappresentante_v1.0.0.xsd"`,
    to: `namespace="${ROLE_NS}" schemaLocation="../${ROLE_BOTH}"`,
  },
  {
    id: "xsd-ruolo-one-namespace",
    file: "03_sections/sez_dati_anagrafici_v1.0.0.xsd",
    what: "come sopra: l'import di voc_ruolo_richiedente punta allo schema che include i due vocabolari",
    from: `namespace="${ROLE_NS}" schemaLocation="../01_vocabularies/voc_ruolo_richiedente_v1.0.0.xsd"`,
    to: `namespace="${ROLE_NS}" schemaLocation="../${ROLE_BOTH}"`,
  },
  {
    id: "sch-requisiti-professionali-namespace",
    file: "04_forms/mod_esercizio_vicinato_apertura_v1.0.0.sch",
    what: "il pattern requisiti_professionali cerca sreqono:requisiti_professionali (sezione requisiti di onorabilità), l'elemento è nella sezione requisiti professionali (sreqpro): il controllo non scattava mai",
    from: 'value="sreqono:requisiti_professionali"',
    to: 'value="sreqpro:requisiti_professionali"',
  },
  {
    id: "sch-requisiti-professionali-namespace",
    file: "04_forms/mod_esercizio_vicinato_trasferimento_v1.0.0.sch",
    what: "come per l'apertura: sreqono:requisiti_professionali al posto di sreqpro:requisiti_professionali",
    from: 'value="sreqono:requisiti_professionali"',
    to: 'value="sreqpro:requisiti_professionali"',
  },
  {
    id: "sch-rappresentanza-optional-dates",
    file: "02_entities/ent_rappresentanza_v1.0.0.sch",
    what: "le date di inizio e fine della rappresentanza sono facoltative nello XSD, ma il controllo le confronta sempre: senza date fallisce; il confronto vale solo quando ci sono entrambe",
    from: 'test="($dataFine &gt;= $dataInizio)"',
    to: 'test="(empty($dataFine) or empty($dataInizio) or $dataFine &gt;= $dataInizio)"',
  },
];

const VIRTUAL_FIXES: VirtualFix[] = [
  {
    id: "xsd-ruolo-one-namespace",
    file: ROLE_BOTH,
    what: "schema aggiunto: include voc_ruolo_richiedente e voc_ruolo_rappresentante (stesso namespace)",
    contents: `<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="${ROLE_NS}" elementFormDefault="qualified">
  <xsd:include schemaLocation="voc_ruolo_richiedente_v1.0.0.xsd"/>
  <xsd:include schemaLocation="voc_ruolo_rappresentante_v1.0.0.xsd"/>
</xsd:schema>
`,
  },
];

const SUBSTITUTES: SubstituteFix[] = [
  {
    id: "vocabulary-comuni-missing",
    file: "01_vocabularies/voc_comuni_italiani.xml",
    what: "vocabolario dei Comuni assente dalle copie disponibili (oltre 4 MiB): sostituito da un estratto con i Comuni serviti dal portale e quello degli esempi AgID",
    substitute: "substitutes/voc_comuni_italiani.xml",
  },
  {
    id: "vocabulary-comuni-missing",
    file: "01_vocabularies/voc_comuni_italiani_storico.xml",
    what: "vocabolario storico dei Comuni assente: sostituito da un estratto con gli stessi Comuni, validi senza limiti di data",
    substitute: "substitutes/voc_comuni_italiani_storico.xml",
  },
];

export const KNOWN_FIXES: readonly AgidFix[] = [...TEXT_FIXES, ...VIRTUAL_FIXES, ...SUBSTITUTES].map(
  ({ id, file, what }) => ({
    id,
    file,
    what,
  }),
);

export class AgidLoadError extends Error {}

export function agidRoot(): string {
  return path.resolve(process.cwd(), "specs/agid-moduli");
}

/** A reader over to_moduli with the fixes applied; `applied` collects the fixes that were used. */
export function fixedReader(root = agidRoot()) {
  const applied = new Map<string, AgidFix>();
  const note = (f: AgidFix) => applied.set(`${f.id}:${f.file}`, { id: f.id, file: f.file, what: f.what });
  function read(file: string): string | undefined {
    const rel = path.posix.normalize(file);
    const virtual = VIRTUAL_FIXES.find((v) => v.file === rel);
    if (virtual) {
      note(virtual);
      return virtual.contents;
    }
    const sub = SUBSTITUTES.find((s) => s.file === rel);
    let text: string;
    try {
      text = readFileSync(path.join(root, "to_moduli", rel), "utf8");
    } catch {
      if (!sub) return undefined;
      note(sub);
      return readFileSync(path.join(root, sub.substitute), "utf8");
    }
    for (const fix of TEXT_FIXES.filter((f) => f.file === rel)) {
      if (!text.includes(fix.from)) {
        throw new AgidLoadError(
          `${rel}: la correzione ${fix.id} non si applica più (file cambiato?) / fix no longer applies`,
        );
      }
      text = text.split(fix.from).join(fix.to);
      note(fix);
    }
    return text;
  }
  return { read, applied };
}

/** Every XSD the main one reaches (imports/includes), as xmllint-wasm preload entries. */
function xsdClosure(main: string, read: (f: string) => string | undefined) {
  const out = new Map<string, string>();
  const visit = (file: string) => {
    if (out.has(file)) return;
    const text = read(file);
    if (text === undefined) throw new AgidLoadError(`${file}: schema non trovato / XSD not found`);
    out.set(file, text);
    for (const m of text.matchAll(/schemaLocation="([^"]+)"/g)) {
      visit(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])));
    }
  };
  visit(main);
  return out;
}

export interface AgidForm {
  /** Form name as AgID calls it, e.g. mod_esercizio_vicinato_apertura */
  name: string;
  namespace: string;
  rootElement: string;
  schematron: CompiledSchematron;
  phases: string[];
  xsd: { main: string; files: Map<string, string> };
  /** The fixes this form needed, as listed in KNOWN_FIXES. */
  fixes: AgidFix[];
}

const cache = new Map<string, AgidForm>();

export function loadAgidForm(name: string, root = agidRoot()): AgidForm {
  const key = `${root}:${name}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const { read, applied } = fixedReader(root);
  const main = `04_forms/${name}_v1.0.0.xsd`;
  const files = xsdClosure(main, read);
  const mainText = files.get(main) ?? "";
  const namespace = /targetNamespace="([^"]+)"/.exec(mainText)?.[1] ?? "";
  const rootElement = [...mainText.matchAll(/<xsd:element name="([^"]+)"/g)].at(-1)?.[1] ?? "";
  const schematron = compileSchematron({ main: `04_forms/${name}_v1.0.0.sch`, read });
  const form: AgidForm = {
    name,
    namespace,
    rootElement,
    schematron,
    phases: [...schematron.phases.keys()],
    xsd: { main, files },
    fixes: [...applied.values()],
  };
  cache.set(key, form);
  return form;
}

export interface XsdError {
  message: string;
  line: number | null;
}

export async function validateAgainstXsd(form: AgidForm, xml: string): Promise<XsdError[]> {
  const { main, files } = form.xsd;
  const result = await validateXML({
    xml: [{ fileName: "modulo.xml", contents: xml }],
    schema: [{ fileName: main, contents: files.get(main) ?? "" }],
    preload: [...files].filter(([f]) => f !== main).map(([fileName, contents]) => ({ fileName, contents })),
  });
  return result.valid
    ? []
    : result.errors.map((e) => ({ message: e.message, line: e.loc?.lineNumber ?? null }));
}

export interface ModuloValidation {
  xsd: XsdError[];
  schematron: SchematronFailure[];
}

/** XSD first; the Schematron phase runs only on a document the XSD accepts (its rules assume the structure). */
export async function validateModulo(form: AgidForm, xml: string, phase: string): Promise<ModuloValidation> {
  const xsd = await validateAgainstXsd(form, xml);
  if (xsd.length > 0) return { xsd, schematron: [] };
  return { xsd, schematron: runSchematron(form.schematron, xml, { phase }) };
}
