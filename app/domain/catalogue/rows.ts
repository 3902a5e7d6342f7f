import { type Catalogue, normaliseItalian, type Proceeding } from "~/domain/catalogue/index";

/** Pure helpers shared by the import, the repository and the benchmark. */

/** The catalogue without proceedings, sections and forms: Comuni, entities, classes, desks, codes. */
export type CatalogueReference = Omit<Catalogue, "proceedings" | "sections" | "forms">;

export function referenceOf(catalogue: Catalogue): CatalogueReference {
  const { proceedings, sections, forms, ...reference } = catalogue;
  return reference;
}

/** Orders catalogue versions "YEAR.N" numerically (2026.10 is newer than 2026.9). */
export function compareCatalogueVersions(a: string, b: string): number {
  const [ay, an] = a.split(".").map(Number);
  const [by, bn] = b.split(".").map(Number);
  return ay - by || an - bn;
}

/** Stems of the titles and keywords: a hit there ranks a proceeding higher. */
export function titleDocument(p: Proceeding): string {
  const words = normaliseItalian(
    [p.title.it, p.title.en, ...(p.keywords?.it ?? []), ...(p.keywords?.en ?? [])].join(" "),
  );
  return [...new Set(words)].join(" ");
}

/** Escapes LIKE wildcards in a token (tokens are [a-z0-9] today; this keeps it true if that changes). */
export function likeEscape(token: string): string {
  return token.replace(/[\\%_]/g, (c) => `\\${c}`);
}
