import { type Kysely, sql } from "kysely";
import { LIFE_EVENTS, type LifeEvent, REGIMES, type Regime, searchQueryTokens } from "~/domain/catalogue";
import type { LocalisedText } from "~/domain/forms/types";
import type { Database } from "../db/schema.server";
import { likeEscape } from "../../domain/catalogue/rows";

export interface CatalogueSearchParams {
  q?: string;
  sector?: string;
  lifeEvent?: string;
  municipality?: string;
  regime?: string;
  page?: number;
}

export interface CatalogueSearchHit {
  code: string;
  version: string;
  title: LocalisedText;
  description: LocalisedText;
  sector: string;
  typology: string;
  lifeEvent: LifeEvent;
  regimes: Regime[];
  municipalities: string[];
}

export interface CatalogueSearchResult {
  tokens: string[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
  hits: CatalogueSearchHit[];
}

export const PAGE_SIZE = 20;

/** Reads the catalogue filters from a URL's query string, dropping values that are not codes. */
export function searchParamsFrom(url: URL): CatalogueSearchParams {
  const get = (name: string) => {
    const v = url.searchParams.get(name)?.trim();
    return v ? v : undefined;
  };
  const code = (v: string | undefined) => (v && /^[A-Z0-9_-]{1,64}$/.test(v) ? v : undefined);
  const lifeEvent = get("evento");
  const regime = get("regime");
  const municipality = get("comune");
  const page = Number.parseInt(get("pagina") ?? "1", 10);
  return {
    q: get("q")?.slice(0, 200),
    sector: code(get("settore")),
    lifeEvent: lifeEvent && (LIFE_EVENTS as readonly string[]).includes(lifeEvent) ? lifeEvent : undefined,
    regime: regime && (REGIMES as readonly string[]).includes(regime) ? regime : undefined,
    municipality: municipality && /^\d{6}$/.test(municipality) ? municipality : undefined,
    page: Number.isFinite(page) && page > 0 ? Math.min(page, 10_000) : 1,
  };
}

/**
 * Proceedings of a catalogue version matching the free text and the filters, best first. Each query token
 * (light Italian stem, accents folded) must be a prefix of a token of the proceeding: "somministrazioni"
 * finds "somministrazione", "attivita" finds "attività". The same SQL on PGlite and Postgres.
 */
export async function searchCatalogue(
  db: Kysely<Database>,
  versionId: number,
  params: CatalogueSearchParams,
): Promise<CatalogueSearchResult> {
  const tokens = params.q ? searchQueryTokens(params.q).slice(0, 8) : [];
  const page = params.page ?? 1;
  let query = db
    .selectFrom("proceedings")
    .select([
      "code",
      "version",
      "title_it",
      "title_en",
      "sector",
      "typology",
      "life_event",
      "regimes",
      "municipalities",
      sql<number>`count(*) over ()`.as("total"),
    ])
    .where("catalogue_version_id", "=", versionId);
  for (const token of tokens) {
    const pattern = `% ${likeEscape(token)}%`;
    query = query.where(sql<boolean>`(' ' || search_document) like ${pattern}`);
  }
  if (params.sector) query = query.where("sector", "=", params.sector);
  if (params.lifeEvent) query = query.where("life_event", "=", params.lifeEvent);
  if (params.regime) query = query.where(sql<boolean>`${params.regime} = any(regimes)`);
  if (params.municipality) {
    query = query.where(
      sql<boolean>`(cardinality(municipalities) = 0 or ${params.municipality} = any(municipalities))`,
    );
  }
  // Hits in the titles and keywords first; without words, alphabetical.
  if (tokens.length > 0) {
    const score = sql<number>`(${sql.join(
      tokens.map(
        (t) => sql`case when (' ' || title_document) like ${`% ${likeEscape(t)}%`} then 1 else 0 end`,
      ),
      sql` + `,
    )})`;
    query = query.orderBy(score, "desc");
  }
  const rows = await query
    .orderBy("title_it")
    .limit(PAGE_SIZE)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  const total = rows.length > 0 ? Number(rows[0].total) : page > 1 ? await countOnly() : 0;
  async function countOnly() {
    // Past the last page the window count is not there: ask once more without paging.
    const r = await searchCatalogue(db, versionId, { ...params, page: 1 });
    return r.total;
  }
  // Descriptions only for the page shown: reading the jsonb of every match would dominate the query.
  const descriptions = new Map<string, LocalisedText>();
  if (rows.length > 0) {
    const described = await db
      .selectFrom("proceedings")
      .select(["code", sql<LocalisedText>`data->'description'`.as("description")])
      .where("catalogue_version_id", "=", versionId)
      .where(
        "code",
        "in",
        rows.map((r) => r.code),
      )
      .execute();
    for (const d of described) descriptions.set(d.code, d.description);
  }
  return {
    tokens,
    total,
    page,
    pageSize: PAGE_SIZE,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    hits: rows.map((r) => ({
      code: r.code,
      version: r.version,
      title: { it: r.title_it, en: r.title_en },
      description: descriptions.get(r.code) ?? { it: "", en: "" },
      sector: r.sector,
      typology: r.typology,
      lifeEvent: r.life_event as LifeEvent,
      regimes: r.regimes as Regime[],
      municipalities: r.municipalities,
    })),
  };
}
