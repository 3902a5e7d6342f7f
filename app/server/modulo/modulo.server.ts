import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { UsecaseRef } from "~/domain/catalogue/query";
import type { Answers, FieldError } from "~/domain/forms/types";
import {
  ASSERT_FIELD,
  buildVicinatoApertura,
  fieldForPath,
  missingForModulo,
  type ModuloAttachment,
  VICINATO_APERTURA,
} from "~/domain/modulo/vicinato-apertura";
import type { Database } from "../db/schema.server";
import { agidSchematron, xsdBundle } from "./agid.server";
import { type SchematronUnchecked, validateSchematron } from "./schematron.server";
import { validateXsd } from "./xsd.server";

/**
 * The unified form of a pratica (issue 16, ADR 0027): which usecases carry an AgID XML modulo (the catalogue
 * names the form and the Schematron phases), building it from the answers, validating it (XSD, then the
 * phases), and the cache that keeps the validation out of the submit request.
 */

type Db = Kysely<Database> | Transaction<Database>;

/** Bumped when the builder or the engine changes what a modulo is: every cached check becomes stale. */
const ENGINE_VERSION = "1";

export type ModuloSpec = {
  usecase: string;
  xsd: { code: string; version: string; path: string };
  schematron: { code: string; version: string; path: string; phase: string[] };
  build: (answers: Answers, attachments: readonly ModuloAttachment[]) => string;
  missing: (answers: Answers) => ModuloProblem[];
};

/** The forms this portal can build, by AgID code and version. */
const BUILDERS: Record<
  string,
  { xsdPath: string; schPath: string; build: ModuloSpec["build"]; missing: ModuloSpec["missing"] }
> = {
  [`${VICINATO_APERTURA.xsd.code}@${VICINATO_APERTURA.xsd.version}`]: {
    xsdPath: VICINATO_APERTURA.xsd.path,
    schPath: VICINATO_APERTURA.schematron.path,
    build: buildVicinatoApertura,
    missing: missingForModulo,
  },
};

/** The usecases of a bundle whose catalogue entry names a modulo this portal builds. */
export function moduloSpecs(refs: readonly Pick<UsecaseRef, "usecase">[]): ModuloSpec[] {
  return refs.flatMap(({ usecase }) => {
    const m = usecase.modulo;
    if (!m) return [];
    const builder = BUILDERS[`${m.xsd.code}@${m.xsd.version}`];
    if (!builder)
      throw new Error(`Modulo ${m.xsd.code} ${m.xsd.version} (${usecase.code}): nessun costruttore`);
    return [
      {
        usecase: usecase.code,
        xsd: { ...m.xsd, path: builder.xsdPath },
        schematron: { ...m.schematron, path: builder.schPath },
        build: builder.build,
        missing: builder.missing,
      },
    ];
  });
}

export type ModuloProblem = { field: string; section: string; message: { it: string; en: string } };
export type ModuloCheck = {
  usecase: string;
  inputHash: string;
  xml: string;
  sha256: string;
  valid: boolean;
  problems: ModuloProblem[];
  unchecked: SchematronUnchecked[];
};

const sha256 = (s: string | Buffer) => createHash("sha256").update(s).digest("hex");

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value ?? null);
}

export function inputHash(spec: ModuloSpec, answers: Answers, attachments: readonly ModuloAttachment[]) {
  return sha256(
    canonical({
      engine: ENGINE_VERSION,
      xsd: spec.xsd,
      schematron: spec.schematron,
      answers,
      attachments: [...attachments].sort((a, b) => (a.sha256 + a.code).localeCompare(b.sha256 + b.code)),
    }),
  );
}

type Labels = (field: string) => string | null;

/** One Italian sentence per field, however many AgID rules or XSD facets complain about it. */
function sentence(field: string, label: string | null, detail: string | null): { it: string; en: string } {
  const name = label ? `«${label}»` : "questo dato";
  if (field.startsWith("file-"))
    return {
      it: `Il modulo unificato richiede l'allegato ${label ? `«${label}»` : "indicato"}: caricalo tra gli allegati.`,
      en: `The unified form needs this attachment${label ? ` ("${label}")` : ""}: upload it with the attachments.`,
    };
  return {
    it: `Controlla ${name}: il modulo unificato nazionale non lo accetta così${detail ? ` (${detail})` : ""}. Correggilo e torna al riepilogo.`,
    en: `Check ${label ? `"${label}"` : "this answer"}: the national unified form does not accept it as it is. Correct it and come back to the summary.`,
  };
}

/** The element an xmllint message is about: "Element '{ns}name': ..." */
const xsdElement = (message: string) => message.match(/Element '\{[^}]*\}([^']+)'/)?.[1] ?? null;

/** The element path open on each line of the builder's output (one element per line), for xmllint's line numbers. */
function elementPathsByLine(xml: string): string[][] {
  const stack: string[] = [];
  return xml.split("\n").map((line) => {
    const open = line.match(/^\s*<([A-Za-z_][\w.-]*:)?([\w.-]+)[\s>/]/);
    const path = open ? [...stack, open[2]!] : [...stack];
    if (open && !/\/>\s*$/.test(line) && !/<\/[^>]+>\s*$/.test(line)) stack.push(open[2]!);
    else if (!open && /^\s*<\//.test(line)) stack.pop();
    return path;
  });
}

/** AgID's message text, when it is a readable Italian sentence (no internal ids). */
const agidDetail = (message: string) => {
  const m = message.replace(/\s*\([^)]*\)\s*$/, "").trim();
  return m && !/_|\$|\{/.test(m) ? m.charAt(0).toLowerCase() + m.slice(1) : null;
};

/** Builds and validates one modulo (CPU: about a second the first time in a process, then a few hundred ms). */
export async function checkModulo(
  spec: ModuloSpec,
  answers: Answers,
  attachments: readonly ModuloAttachment[],
  labels: Labels = () => null,
): Promise<ModuloCheck> {
  const xml = spec.build(answers, attachments);
  const byField = new Map<string, ModuloProblem>();
  const add = (target: { field: string; section: string } | null, detail: string | null) => {
    const t = target ?? { field: "modulo", section: "" };
    if (byField.has(t.field)) return;
    byField.set(t.field, { ...t, message: sentence(t.field, labels(t.field), detail) });
  };
  for (const m of spec.missing(answers)) byField.set(m.field, m);
  const xsd = await validateXsd(xml, xsdBundle(spec.xsd.path));
  const paths = elementPathsByLine(xml);
  for (const p of xsd.problems) {
    const el = xsdElement(p.message);
    const at = p.line ? paths[p.line - 1] : undefined;
    add(at?.length ? fieldForPath(at) : el ? fieldForPath([el]) : null, null);
  }
  let unchecked: SchematronUnchecked[] = [];
  if (xsd.valid) {
    const sch = validateSchematron(agidSchematron(spec.schematron.path), xml, spec.schematron.phase);
    for (const f of sch.failures)
      add((f.id ? ASSERT_FIELD[f.id] : undefined) ?? fieldForPath(f.path), agidDetail(f.message));
    unchecked = sch.unchecked;
  }
  const problems = [...byField.values()];
  return {
    usecase: spec.usecase,
    inputHash: inputHash(spec, answers, attachments),
    xml,
    sha256: sha256(Buffer.from(xml, "utf8")),
    valid: problems.length === 0,
    problems,
    unchecked,
  };
}

/** The attachments a modulo lists, as the draft has them. */
export async function moduloAttachments(db: Db, praticaId: string): Promise<ModuloAttachment[]> {
  const rows = await db
    .selectFrom("attachments")
    .select(["code", "filename", "content_type", "sha256"])
    .where("pratica_id", "=", praticaId)
    .where("purpose", "=", "filing")
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    code: r.code ?? "",
    filename: r.filename,
    contentType: r.content_type,
    sha256: r.sha256,
  }));
}

async function cached(db: Db, praticaId: string, usecase: string) {
  return db
    .selectFrom("moduli")
    .selectAll()
    .where("pratica_id", "=", praticaId)
    .where("usecase", "=", usecase)
    .executeTakeFirst();
}

async function store(db: Db, praticaId: string, c: ModuloCheck, now: Date) {
  const row = {
    pratica_id: praticaId,
    usecase: c.usecase,
    input_hash: c.inputHash,
    xml: c.xml,
    sha256: c.sha256,
    valid: c.valid,
    problems: JSON.stringify(c.problems),
    unchecked: JSON.stringify(c.unchecked),
    checked_at: now,
  };
  await db
    .insertInto("moduli")
    .values(row)
    .onConflict((oc) => oc.columns(["pratica_id", "usecase"]).doUpdateSet(row))
    .execute();
}

export type ModuloStatus = {
  usecase: string;
  valid: boolean;
  problems: ModuloProblem[];
  fresh: boolean;
  sha256: string;
};

/**
 * The moduli of a draft, from the cache when its input hash is the current one, otherwise built, validated and
 * stored. Called when the summary is shown (so the check is done while the applicant reads) and by the
 * submission (which then finds the stored result). A pratica with no modulo costs one array scan.
 */
export async function ensureModuli(
  db: Db,
  draft: { praticaId: string; refs: readonly Pick<UsecaseRef, "usecase">[]; answers: Answers },
  labels?: Labels,
  now = new Date(),
): Promise<ModuloStatus[]> {
  const specs = moduloSpecs(draft.refs);
  if (!specs.length) return [];
  const attachments = await moduloAttachments(db, draft.praticaId);
  const out: ModuloStatus[] = [];
  for (const spec of specs) {
    const hash = inputHash(spec, draft.answers, attachments);
    const hit = await cached(db, draft.praticaId, spec.usecase);
    if (hit && hit.input_hash === hash) {
      out.push({
        usecase: spec.usecase,
        valid: hit.valid,
        problems: hit.problems as ModuloProblem[],
        fresh: false,
        sha256: hit.sha256,
      });
      continue;
    }
    const check = await checkModulo(spec, draft.answers, attachments, labels);
    await store(db, draft.praticaId, check, now);
    out.push({
      usecase: spec.usecase,
      valid: check.valid,
      problems: check.problems,
      fresh: true,
      sha256: check.sha256,
    });
  }
  return out;
}

/** The problems of a draft's moduli as the submission's field errors (links to where each is fixed). */
export function moduloFieldErrors(
  base: string,
  statuses: readonly ModuloStatus[],
): (FieldError & { href: string })[] {
  return statuses.flatMap((s) =>
    s.problems.map((p) => ({
      field: p.field,
      message: p.message,
      href:
        p.section === "allegati"
          ? `${base}/allegati#${p.field}`
          : p.section
            ? `${base}/sezioni/${p.section}?ritorno=riepilogo#${p.field}`
            : `${base}/riepilogo`,
    })),
  );
}

/** The stored modulo of a filed pratica (what the SSU instance carries), or null. */
export async function storedModulo(db: Db, praticaId: string, usecase: string) {
  const row = await cached(db, praticaId, usecase);
  return row ? { xml: row.xml, sha256: row.sha256, valid: row.valid } : null;
}

export async function storedModuli(db: Db, praticaId: string) {
  return db
    .selectFrom("moduli")
    .select(["usecase", "xml", "sha256", "valid"])
    .where("pratica_id", "=", praticaId)
    .orderBy("usecase")
    .execute();
}
