import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { type CompiledSchematron, compileSchematron, type LoadFix } from "./schematron.server";

/**
 * AgID's unified-form files (specs/agid-moduli, from AgID/suap-gt-specifiche `to_moduli/`, CC BY 4.0), loaded with
 * their known defects fixed in memory. The files on disk are never edited; every fix is named here and in
 * specs/agid-moduli/README.md, and `appliedFixes()` says which ones a load actually needed (a test checks that
 * each still applies, so a corrected upstream file is noticed).
 */

export const AGID_ROOT_DEFAULT = "specs/agid-moduli/to_moduli";
const root = () => path.resolve(process.env.AGID_MODULI_DIR ?? AGID_ROOT_DEFAULT);

export const FIXES = {
  importCase: {
    id: "import-case",
    description:
      "ent_impresa e ent_requisiti_professionali importano ent_iscrizione_rea_v1.0.0.xsd, il file si chiama ent_iscrizione_REA_v1.0.0.xsd: il percorso si risolve senza distinguere maiuscole e minuscole.",
  },
  missingImport: {
    id: "missing-import",
    description:
      "sez_mod_esercizio_vicinato_apertura (unica versione nell'indice) importa ent_segnalazione_avvio_v1.0.0.xsd, rimosso dal repository e mai usato: l'import si elimina.",
  },
  sameNamespace: {
    id: "same-namespace-two-files",
    description:
      "voc_ruolo_richiedente e voc_ruolo_rappresentante hanno lo stesso targetNamespace (ruolo_richiedente) e sono importati separatamente: libxml2 ignora il secondo import e il tipo ruolo_rappresentante_voc non si risolve. Entrambi gli import puntano a uno schema aggregatore che include i due file.",
  },
  optionalDates: {
    id: "rappresentanza-optional-dates",
    description:
      "rappresentanza_ab confronta data_fine >= data_inizio anche quando le date mancano (l'XSD le dichiara facoltative, il titolare di impresa individuale indica solo il ruolo): senza una delle due date il controllo non si applica.",
  },
  xsPrefix: {
    id: "xs-prefix",
    description:
      "I test usano xs:date senza dichiarare il prefisso xs con sch:ns: il prefisso si lega a XML Schema.",
  },
} satisfies Record<string, LoadFix>;

const applied = new Set<string>();
export const appliedFixes = () => [...applied];

function listFiles(dir: string, base = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    const rel = base ? `${base}/${f}` : f;
    return statSync(p).isDirectory() ? listFiles(p, rel) : [rel];
  });
}

/** Reads a vendored file by its path under to_moduli (case-insensitive fallback: fix import-case). */
export function readAgid(rel: string): string | null {
  const dir = root();
  const exact = path.join(dir, rel);
  if (existsSync(exact)) return readFileSync(exact, "utf8");
  const lower = rel.toLowerCase();
  const hit = listFiles(dir).find((f) => f.toLowerCase() === lower);
  if (!hit) return null;
  applied.add(FIXES.importCase.id);
  return readFileSync(path.join(dir, hit), "utf8");
}

const AGGREGATOR = "01_vocabularies/__ruolo_richiedente_aggregato.xsd";
const RUOLO_NS = "http://agid.it/suap/vocabularies/ruolo_richiedente";

/** Every XSD the form needs, keyed by path under to_moduli, with the load-time fixes applied. */
export function xsdBundle(entry: string): { entry: string; files: Map<string, string> } {
  const files = new Map<string, string>();
  const visit = (rel: string) => {
    if (files.has(rel)) return;
    const text = readAgid(rel);
    if (text === null) throw new Error(`Modulo AgID: schema non trovato ${rel}`);
    let fixed = text.replace(
      /<xsd:import\s+namespace="([^"]+)"\s+schemaLocation="([^"]+)"\s*\/>/g,
      (whole, ns: string, loc: string) => {
        if (ns === RUOLO_NS) {
          applied.add(FIXES.sameNamespace.id);
          return `<xsd:import namespace="${ns}" schemaLocation="${path.posix.relative(path.posix.dirname(rel), AGGREGATOR)}"/>`;
        }
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), loc));
        if (readAgid(target) === null) {
          applied.add(FIXES.missingImport.id);
          return `<!-- ${FIXES.missingImport.id}: ${loc.replace(/--/g, "")} -->`;
        }
        const actual = listFiles(root()).find((f) => f.toLowerCase() === target.toLowerCase()) ?? target;
        if (actual !== target) {
          applied.add(FIXES.importCase.id);
          return `<xsd:import namespace="${ns}" schemaLocation="${path.posix.relative(path.posix.dirname(rel), actual)}"/>`;
        }
        return whole;
      },
    );
    if (fixed !== text) fixed = fixed.replace(/^\uFEFF/, "");
    files.set(rel, fixed);
    for (const m of fixed.matchAll(/schemaLocation="([^"]+)"/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]));
      if (target !== AGGREGATOR) visit(target);
    }
  };
  visit(entry);
  if ([...files.values()].some((t) => t.includes("__ruolo_richiedente_aggregato.xsd"))) {
    files.set(
      AGGREGATOR,
      `<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="${RUOLO_NS}" elementFormDefault="qualified" attributeFormDefault="qualified">
  <xsd:include schemaLocation="voc_ruolo_richiedente_v1.0.0.xsd"/>
  <xsd:include schemaLocation="voc_ruolo_rappresentante_v1.0.0.xsd"/>
</xsd:schema>
`,
    );
    visit("01_vocabularies/voc_ruolo_richiedente_v1.0.0.xsd");
    visit("01_vocabularies/voc_ruolo_rappresentante_v1.0.0.xsd");
  }
  return { entry, files };
}

function rewriteSchematron(rel: string, text: string): string {
  let out = text;
  if (rel.endsWith("ent_rappresentanza_v1.0.0.sch")) {
    const before = out;
    out = out.replace(
      'test="($dataFine &gt;= $dataInizio)"',
      'test="empty($dataFine) or empty($dataInizio) or ($dataFine &gt;= $dataInizio)"',
    );
    if (out !== before) applied.add(FIXES.optionalDates.id);
  }
  if (/\bxs:/.test(out) && !/prefix="xs"/.test(out)) applied.add(FIXES.xsPrefix.id);
  return out;
}

const compiled = new Map<string, CompiledSchematron>();

/** The form's Schematron, compiled once per process (it is pure data once loaded). */
export function agidSchematron(entry: string): CompiledSchematron {
  const hit = compiled.get(entry);
  if (hit) return hit;
  const schema = compileSchematron(entry, {
    load: readAgid,
    rewrite: rewriteSchematron,
    namespaces: { xs: "http://www.w3.org/2001/XMLSchema" },
  });
  compiled.set(entry, schema);
  return schema;
}

/** The code lists the Schematron reads with document() that are not vendored (see the README). */
export function missingVocabularies(entry: string): string[] {
  return agidSchematron(entry)
    .vocabularies.filter((v) => v.doc === null)
    .map((v) => v.href);
}
