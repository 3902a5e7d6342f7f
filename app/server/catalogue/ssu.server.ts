import { type Kysely, sql } from "kysely";
import { isValidOn, type Proceeding, scopeMunicipalities, type TerritorialScope } from "~/domain/catalogue";
import type { Database } from "../db/schema.server";
import { catalogueReference, currentVersion, proceedingByCodeAndVersion } from "./repository.server";
import type { CatalogueReference } from "../../domain/catalogue/rows";

/**
 * The national Catalogo SSU read API (openAPI/catalogo-ssu_meta.yaml, AgID, CC BY 4.0) over this catalogue.
 * Each operation answers `{ status, body }`; errors use the spec's `Error` schema `{ code, message }`.
 * Versions travel in the spec's "NN.NN.NN" shape (our "1.0.0" is "01.00.00"); paths accept either.
 */

export interface SsuAnswer {
  status: number;
  body: unknown;
  contentHash?: string;
}

export function ssuError(status: number, code: string, message: string): SsuAnswer {
  return { status, body: { code, message } };
}

/** "1.0.0" -> "01.00.00" (the SSU pattern [0-9]{2}.[0-9]{2}.[0-9]{2}). */
export function toSsuVersion(version: string): string {
  return version
    .split(".")
    .map((n) => n.padStart(2, "0"))
    .join(".");
}

/** "01.00.00" or "1.0.0" -> "1.0.0"; null when it is neither. */
export function fromSsuVersion(version: string): string | null {
  if (!/^\d{1,2}\.\d{1,2}\.\d{1,2}$/.test(version)) return null;
  return version
    .split(".")
    .map((n) => String(Number(n)))
    .join(".");
}

/** ISTAT code of the scope: a Comune (6 digits), the region code, or 000000 for national. */
export function ssuTerritorialScope(scope: TerritorialScope, municipality?: string): string {
  if (scope.kind === "NATIONAL") return "000000";
  if (scope.kind === "REGIONAL") return scope.region;
  if (municipality && scope.municipalities.includes(municipality)) return municipality;
  return scope.municipalities.join(",");
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

function same(a: string, b: string) {
  return a.toUpperCase() === b.toUpperCase();
}

export async function typologiesLifeEvents(
  db: Kysely<Database>,
  q: { typology?: string | null; lifeevent?: string | null; municipality?: string | null },
): Promise<SsuAnswer> {
  const version = await currentVersion(db);
  const ref = await catalogueReference(db, version.id);
  const rows = await db
    .selectFrom("proceedings")
    .select(["typology", "life_event", "municipalities"])
    .where("catalogue_version_id", "=", version.id)
    .execute();
  const all = ref.municipalities.map((m) => m.istat);
  if (q.municipality && !all.includes(q.municipality)) {
    return ssuError(404, "MUNICIPALITY_NOT_FOUND", `Comune ${q.municipality} non servito da questo catalogo`);
  }
  const seen = new Set<string>();
  const out: { typology: string; lifeevent: string; municipality: string }[] = [];
  for (const r of rows) {
    if (q.typology && !same(r.typology, q.typology)) continue;
    if (q.lifeevent && !same(r.life_event, q.lifeevent)) continue;
    for (const m of r.municipalities.length > 0 ? r.municipalities : all) {
      if (q.municipality && m !== q.municipality) continue;
      const k = `${r.typology}|${r.life_event}|${m}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ typology: r.typology, lifeevent: r.life_event, municipality: m });
    }
  }
  out.sort((a, b) =>
    `${a.typology}|${a.lifeevent}|${a.municipality}`.localeCompare(
      `${b.typology}|${b.lifeevent}|${b.municipality}`,
    ),
  );
  return { status: 200, body: out, contentHash: version.contentHash };
}

export async function proceedings(
  db: Kysely<Database>,
  q: { typology?: string | null; lifeevent?: string | null; municipality?: string | null },
): Promise<SsuAnswer> {
  if (!q.municipality) {
    return ssuError(
      400,
      "MUNICIPALITY_REQUIRED",
      "Il parametro municipality (codice ISTAT del Comune) è obbligatorio",
    );
  }
  const version = await currentVersion(db);
  const ref = await catalogueReference(db, version.id);
  if (!ref.municipalities.some((m) => m.istat === q.municipality)) {
    return ssuError(404, "MUNICIPALITY_NOT_FOUND", `Comune ${q.municipality} non servito da questo catalogo`);
  }
  let query = db
    .selectFrom("proceedings")
    .select([
      "code",
      "version",
      "title_it",
      "typology",
      "life_event",
      sql<TerritorialScope>`data->'territorialScope'`.as("scope"),
      sql<string>`data->>'validFrom'`.as("valid_from"),
      sql<string | null>`data->>'validTo'`.as("valid_to"),
    ])
    .where("catalogue_version_id", "=", version.id)
    .where(sql<boolean>`(cardinality(municipalities) = 0 or ${q.municipality} = any(municipalities))`);
  if (q.typology) query = query.where(sql<boolean>`upper(typology) = ${q.typology.toUpperCase()}`);
  if (q.lifeevent) query = query.where(sql<boolean>`upper(life_event) = ${q.lifeevent.toUpperCase()}`);
  const rows = await query.orderBy("code").execute();
  const day = today();
  return {
    status: 200,
    contentHash: version.contentHash,
    body: rows.map((r) => ({
      id: r.code,
      version: toSsuVersion(r.version),
      description: r.title_it,
      typology: r.typology,
      lifeevent: r.life_event,
      territorial_scope: ssuTerritorialScope(r.scope, q.municipality ?? undefined),
      status: isValidOn({ validFrom: r.valid_from, validTo: r.valid_to }, day) ? "Active" : "Not Active",
    })),
  };
}

async function findProceeding(
  db: Kysely<Database>,
  id: string,
  versionParam: string,
): Promise<{ proceeding: Proceeding; versionId: number; contentHash: string } | SsuAnswer> {
  const version = fromSsuVersion(versionParam);
  if (!version) {
    return ssuError(400, "INVALID_VERSION", `Versione "${versionParam}" non valida: usa il formato NN.NN.NN`);
  }
  const found = await proceedingByCodeAndVersion(db, id, version);
  if (!found) {
    return ssuError(
      404,
      "PROCEEDING_NOT_FOUND",
      `Procedimento ${id} versione ${versionParam} non presente nel catalogo`,
    );
  }
  const hash = await db
    .selectFrom("catalogue_versions")
    .select("content_hash")
    .where("id", "=", found.versionId)
    .executeTakeFirstOrThrow();
  return { ...found, contentHash: hash.content_hash };
}

function isAnswer(x: unknown): x is SsuAnswer {
  return typeof x === "object" && x !== null && "status" in x && "body" in x;
}

export async function usecaseProceedings(
  db: Kysely<Database>,
  id: string,
  version: string,
): Promise<SsuAnswer> {
  const found = await findProceeding(db, id, version);
  if (isAnswer(found)) return found;
  const p = found.proceeding;
  return {
    status: 200,
    contentHash: found.contentHash,
    body: p.usecases.map((u) => ({
      id: u.code,
      version: toSsuVersion(u.version),
      description: u.title.it,
      proceeding_id: p.code,
      proceeding_version: toSsuVersion(p.version),
    })),
  };
}

/**
 * Attachments of a proceeding across its usecases, each once; `mandatory` when every usecase requires it
 * unconditionally (what is always needed to file this proceeding).
 */
export async function attachments(db: Kysely<Database>, id: string, version: string): Promise<SsuAnswer> {
  const found = await findProceeding(db, id, version);
  if (isAnswer(found)) return found;
  const p = found.proceeding;
  const byCode = new Map<string, { title: string; mandatory: boolean }>();
  for (const u of p.usecases) {
    for (const a of u.attachments) {
      const prev = byCode.get(a.code);
      byCode.set(a.code, { title: a.title.it, mandatory: (prev?.mandatory ?? true) && a.mandatory });
    }
  }
  for (const [code, a] of byCode) {
    if (!p.usecases.every((u) => u.attachments.some((x) => x.code === code))) a.mandatory = false;
  }
  return {
    status: 200,
    contentHash: found.contentHash,
    body: [...byCode].map(([code, a]) => ({
      attachment: { id: code, version: toSsuVersion(p.version), description: a.title, type: "unstructured" },
      mandatory: a.mandatory,
    })),
  };
}

function administrationOf(ref: CatalogueReference, cls: string, municipality: string) {
  const code = ref.competentAdministrations.find((c) => c.municipality === municipality)?.byClass[cls];
  return code === undefined ? undefined : ref.entities.find((e) => e.code === code);
}

export async function competentAdministration(
  db: Kysely<Database>,
  id: string,
  version: string,
  municipality: string,
): Promise<SsuAnswer> {
  const found = await findProceeding(db, id, version);
  if (isAnswer(found)) return found;
  const ref = await catalogueReference(db, found.versionId);
  if (!ref.municipalities.some((m) => m.istat === municipality)) {
    return ssuError(404, "MUNICIPALITY_NOT_FOUND", `Comune ${municipality} non servito da questo catalogo`);
  }
  if (!scopeMunicipalities(ref, found.proceeding.territorialScope).includes(municipality)) {
    return ssuError(404, "NOT_IN_SCOPE", `Il procedimento ${id} non si applica nel Comune ${municipality}`);
  }
  const cls = found.proceeding.competentAdministrationClass;
  const entity = administrationOf(ref, cls, municipality);
  if (!entity) {
    return ssuError(
      404,
      "ADMINISTRATION_NOT_FOUND",
      `Nessuna amministrazione ${cls} per il Comune ${municipality}`,
    );
  }
  return {
    status: 200,
    contentHash: found.contentHash,
    body: {
      // The catalogue has no IPA code for every entity yet: the entity's own code stands in until it does.
      ipacode: entity.ipaCode ?? entity.code,
      officecode: cls,
      version: toSsuVersion(found.proceeding.version),
      description: entity.name,
    },
  };
}

export async function suapForMunicipality(db: Kysely<Database>, municipality: string): Promise<SsuAnswer> {
  const version = await currentVersion(db);
  const ref = await catalogueReference(db, version.id);
  const day = today();
  const desk =
    ref.singleDesks.find((d) => d.municipalities.includes(municipality) && isValidOn(d, day)) ??
    ref.singleDesks.find((d) => d.municipalities.includes(municipality));
  if (!desk) {
    return ssuError(404, "SUAP_NOT_FOUND", `Nessuno sportello SUAP per il Comune ${municipality}`);
  }
  return {
    status: 200,
    contentHash: version.contentHash,
    body: { id: desk.code, version: toSsuVersion("1.0.0"), description: desk.name },
  };
}
