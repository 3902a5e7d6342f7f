import type { Kysely } from "kysely";
import type { Catalogue, Proceeding } from "~/domain/catalogue";
import type { Database } from "../db/schema.server";
import { singleton } from "../singleton.server";
import type { CatalogueReference } from "../../domain/catalogue/rows";

export interface CatalogueVersionInfo {
  id: number;
  catalogueId: string;
  version: string;
  contentHash: string;
  importedAt: string;
}

/**
 * Read side of the catalogue. Versions are immutable, so a parsed document or reference cached by version id
 * never goes stale; only "which version is current" is asked of the database on every request (one indexed
 * row), so a version imported by another process shows up at once.
 */
// Keyed by the Kysely instance too: two databases in one process (tests) may both have a version 1.
const caches = singleton(
  "catalogue-cache",
  () =>
    new WeakMap<
      object,
      { documents: Map<number, Promise<Catalogue>>; references: Map<number, Promise<CatalogueReference>> }
    >(),
);
function cacheFor(db: Kysely<Database>) {
  let c = caches.get(db);
  if (!c) {
    c = { documents: new Map(), references: new Map() };
    caches.set(db, c);
  }
  return c;
}

export class NoCatalogueError extends Error {
  constructor() {
    super("Nessun catalogo importato: esegui npm run catalogue:import o riavvia il portale.");
  }
}

export async function currentVersion(db: Kysely<Database>): Promise<CatalogueVersionInfo> {
  const row = await db
    .selectFrom("catalogue_versions")
    .select(["id", "catalogue_id", "version", "content_hash", "imported_at"])
    .where("is_current", "=", true)
    .orderBy("imported_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) throw new NoCatalogueError();
  return {
    id: row.id,
    catalogueId: row.catalogue_id,
    version: row.version,
    contentHash: row.content_hash,
    importedAt: new Date(row.imported_at).toISOString(),
  };
}

export async function versionById(db: Kysely<Database>, id: number): Promise<CatalogueVersionInfo | null> {
  const row = await db
    .selectFrom("catalogue_versions")
    .select(["id", "catalogue_id", "version", "content_hash", "imported_at"])
    .where("id", "=", id)
    .executeTakeFirst();
  return row
    ? {
        id: row.id,
        catalogueId: row.catalogue_id,
        version: row.version,
        contentHash: row.content_hash,
        importedAt: new Date(row.imported_at).toISOString(),
      }
    : null;
}

/** The whole catalogue of a version (validated at import), parsed once per process. */
export function catalogueDocument(db: Kysely<Database>, versionId: number): Promise<Catalogue> {
  const cache = cacheFor(db);
  const k = versionId;
  let p = cache.documents.get(k);
  if (!p) {
    p = db
      .selectFrom("catalogue_versions")
      .select("document")
      .where("id", "=", versionId)
      .executeTakeFirstOrThrow()
      .then((r) => r.document as Catalogue);
    p.catch(() => cache.documents.delete(k));
    cache.documents.set(k, p);
  }
  return p;
}

/** Reference data of a version (no proceedings): cheap even for a very large catalogue. */
export function catalogueReference(db: Kysely<Database>, versionId: number): Promise<CatalogueReference> {
  const cache = cacheFor(db);
  const k = versionId;
  let p = cache.references.get(k);
  if (!p) {
    p = db
      .selectFrom("catalogue_versions")
      .select("reference")
      .where("id", "=", versionId)
      .executeTakeFirstOrThrow()
      .then((r) => r.reference as CatalogueReference);
    p.catch(() => cache.references.delete(k));
    cache.references.set(k, p);
  }
  return p;
}

export async function currentCatalogue(db: Kysely<Database>) {
  const version = await currentVersion(db);
  return { version, catalogue: await catalogueDocument(db, version.id) };
}

/** One proceeding of a catalogue version by code. */
export async function proceedingByCode(
  db: Kysely<Database>,
  versionId: number,
  code: string,
): Promise<Proceeding | null> {
  const row = await db
    .selectFrom("proceedings")
    .select("data")
    .where("catalogue_version_id", "=", versionId)
    .where("code", "=", code)
    .executeTakeFirst();
  return row ? (row.data as Proceeding) : null;
}

/**
 * A proceeding by code and version in any imported catalogue version (the SSU addresses proceedings by
 * id + version), the newest catalogue version first.
 */
export async function proceedingByCodeAndVersion(
  db: Kysely<Database>,
  code: string,
  version: string,
): Promise<{ proceeding: Proceeding; versionId: number } | null> {
  const row = await db
    .selectFrom("proceedings")
    .select(["data", "catalogue_version_id"])
    .where("code", "=", code)
    .where("version", "=", version)
    .orderBy("catalogue_version_id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { proceeding: row.data as Proceeding, versionId: row.catalogue_version_id } : null;
}

export async function proceedingExists(db: Kysely<Database>, code: string): Promise<boolean> {
  const row = await db
    .selectFrom("proceedings")
    .select("id")
    .where("code", "=", code)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
