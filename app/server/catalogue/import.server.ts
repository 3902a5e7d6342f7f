import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Kysely, sql, type Transaction } from "kysely";
import {
  type Catalogue,
  type CatalogueError,
  catalogueHash,
  diffCatalogue,
  parseCatalogue,
  publicationProblems,
  searchDocument,
} from "~/domain/catalogue";
import type { Database } from "../db/schema.server";
import { compareCatalogueVersions, referenceOf, titleDocument } from "../../domain/catalogue/rows";

/** Why an import was refused: the file is invalid, or it would alter a version already published. */
export class CatalogueImportError extends Error {
  constructor(
    message: string,
    readonly kind: "invalid" | "conflict",
    readonly errors: CatalogueError[] = [],
  ) {
    super(message);
    this.name = "CatalogueImportError";
  }
}

export interface ImportResult {
  status: "imported" | "unchanged";
  versionId: number;
  catalogueId: string;
  version: string;
  contentHash: string;
  proceedings: number;
  current: boolean;
}

// One import at a time across processes (two web processes booting together, or boot and the script).
const IMPORT_LOCK = 74_210_003;
const BATCH = 250;

export function sourceHash(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/**
 * Imports one catalogue file's text. Refused whole (nothing changes) when the JSON or the catalogue is
 * invalid, every error listed by path; refused when the same catalogue version exists with different content
 * (a published version is never altered); a no-op when it exists with the same content. A new version becomes
 * current when it is newer than the current one.
 */
export async function importCatalogueText(db: Kysely<Database>, text: string): Promise<ImportResult> {
  const source = sourceHash(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = `il file non è JSON valido: ${(error as Error).message}`;
    throw new CatalogueImportError(`Catalogo rifiutato: ${message}`, "invalid", [{ path: "", message }]);
  }
  return importCatalogue(db, json, { sourceHash: source });
}

export async function importCatalogue(
  db: Kysely<Database>,
  json: unknown,
  opts: { sourceHash?: string } = {},
): Promise<ImportResult> {
  const parsed = parseCatalogue(json);
  if (!parsed.ok) {
    throw new CatalogueImportError(
      `Catalogo rifiutato, nessuna modifica applicata (${parsed.errors.length} errori):\n${parsed.errors
        .map((e) => `  ${e.path || "(file)"}: ${e.message}`)
        .join("\n")}`,
      "invalid",
      parsed.errors,
    );
  }
  const catalogue = parsed.catalogue;
  const contentHash = catalogueHash(catalogue);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${IMPORT_LOCK})`.execute(trx);
    const existing = await trx
      .selectFrom("catalogue_versions")
      .select(["id", "content_hash", "is_current"])
      .where("catalogue_id", "=", catalogue.id)
      .where("version", "=", catalogue.version)
      .executeTakeFirst();
    if (existing) {
      if (existing.content_hash !== contentHash) {
        throw new CatalogueImportError(
          `Il catalogo ${catalogue.id} versione ${catalogue.version} è già stato importato con un contenuto diverso, e una versione pubblicata non si modifica mai (le pratiche vi fanno riferimento). Aumenta il numero di versione (ad esempio ${nextVersion(catalogue.version)}) e importa di nuovo.`,
          "conflict",
          [{ path: "version", message: `version ${catalogue.version} already exists with other content` }],
        );
      }
      if (opts.sourceHash) {
        await trx
          .updateTable("catalogue_versions")
          .set({ source_hash: opts.sourceHash })
          .where("id", "=", existing.id)
          .where("source_hash", "is", null)
          .execute();
      }
      const current = await promoteIfNewest(trx, catalogue.id);
      return result("unchanged", existing.id, catalogue, contentHash, current === existing.id);
    }

    // A changed proceeding must carry a new proceeding version (ADR 0004): compare with the closest older one.
    const previous = await previousVersion(trx, catalogue);
    if (previous) {
      const problems = publicationProblems(diffCatalogue(previous, catalogue));
      if (problems.length > 0) {
        throw new CatalogueImportError(
          `Catalogo ${catalogue.id} ${catalogue.version} rifiutato rispetto alla versione ${previous.version}, nessuna modifica applicata:\n${problems.map((p) => `  ${p}`).join("\n")}\nAumenta il numero di versione dei procedimenti modificati e importa di nuovo.`,
          "conflict",
          problems.map((message) => ({ path: "proceedings", message })),
        );
      }
    }

    const inserted = await trx
      .insertInto("catalogue_versions")
      .values({
        catalogue_id: catalogue.id,
        version: catalogue.version,
        content_hash: contentHash,
        source_hash: opts.sourceHash ?? null,
        document: JSON.stringify(catalogue),
        reference: JSON.stringify(referenceOf(catalogue)),
        is_current: false,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await insertProceedings(trx, inserted.id, catalogue);
    const current = await promoteIfNewest(trx, catalogue.id);
    return result("imported", inserted.id, catalogue, contentHash, current === inserted.id);
  });
}

function result(
  status: ImportResult["status"],
  versionId: number,
  catalogue: Catalogue,
  contentHash: string,
  current: boolean,
): ImportResult {
  return {
    status,
    versionId,
    catalogueId: catalogue.id,
    version: catalogue.version,
    contentHash,
    proceedings: catalogue.proceedings.length,
    current,
  };
}

function nextVersion(version: string): string {
  const [year, n] = version.split(".");
  return `${year}.${Number(n) + 1}`;
}

async function previousVersion(trx: Transaction<Database>, catalogue: Catalogue): Promise<Catalogue | null> {
  const rows = await trx
    .selectFrom("catalogue_versions")
    .select(["id", "version"])
    .where("catalogue_id", "=", catalogue.id)
    .execute();
  const older = rows
    .filter((r) => compareCatalogueVersions(r.version, catalogue.version) < 0)
    .sort((a, b) => compareCatalogueVersions(b.version, a.version))[0];
  if (!older) return null;
  const row = await trx
    .selectFrom("catalogue_versions")
    .select("document")
    .where("id", "=", older.id)
    .executeTakeFirstOrThrow();
  return row.document as Catalogue;
}

async function insertProceedings(trx: Transaction<Database>, versionId: number, catalogue: Catalogue) {
  const rows = catalogue.proceedings.map((p) => {
    const document = searchDocument(p);
    return {
      catalogue_version_id: versionId,
      code: p.code,
      version: p.version,
      title_it: p.title.it,
      title_en: p.title.en,
      sector: p.sector,
      typology: p.typology,
      life_event: p.lifeEvent,
      regimes: [...new Set(p.usecases.map((u) => u.regime))],
      municipalities: p.territorialScope.kind === "MUNICIPALITIES" ? p.territorialScope.municipalities : [],
      search_tokens: document.split(" ").filter((t) => t !== ""),
      search_document: document,
      title_document: titleDocument(p),
      data: JSON.stringify(p),
    };
  });
  for (let i = 0; i < rows.length; i += BATCH) {
    await trx
      .insertInto("proceedings")
      .values(rows.slice(i, i + BATCH))
      .execute();
  }
}

/** Makes the newest version of a catalogue current (one current version in the whole portal). */
async function promoteIfNewest(trx: Transaction<Database>, catalogueId: string): Promise<number> {
  const rows = await trx
    .selectFrom("catalogue_versions")
    .select(["id", "version", "is_current"])
    .where("catalogue_id", "=", catalogueId)
    .execute();
  const newest = rows.sort((a, b) => compareCatalogueVersions(b.version, a.version))[0];
  if (!newest.is_current) {
    await trx
      .updateTable("catalogue_versions")
      .set({ is_current: false })
      .where("is_current", "=", true)
      .execute();
    await trx
      .updateTable("catalogue_versions")
      .set({ is_current: true })
      .where("id", "=", newest.id)
      .execute();
  }
  return newest.id;
}

export interface BundledImport {
  file: string;
  status: ImportResult["status"] | "skipped";
  version?: string;
}

/**
 * Imports the catalogue files shipped in `dir` (boot). A file whose exact bytes were imported before is
 * skipped without parsing, so an unchanged boot costs one query per file.
 */
export async function importBundledCatalogues(
  db: Kysely<Database>,
  dir = path.resolve("catalogue"),
): Promise<BundledImport[]> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort();
  } catch {
    return [];
  }
  const out: BundledImport[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), "utf8");
    const known = await db
      .selectFrom("catalogue_versions")
      .select(["version"])
      .where("source_hash", "=", sourceHash(text))
      .executeTakeFirst();
    if (known) {
      out.push({ file, status: "skipped", version: known.version });
      continue;
    }
    const r = await importCatalogueText(db, text);
    out.push({ file, status: r.status, version: r.version });
  }
  return out;
}
