import type { Proceeding } from "./schema";

/**
 * Search without a database dictionary: the same normalisation runs in JS and builds the token column stored
 * in the database, so PGlite and Postgres answer identically. Matching rule (also for SQL): every query token
 * must be a prefix of some document token, i.e. `(' ' || search_document) LIKE '% ' || token || '%'`.
 */

const STOP_WORDS = new Set([
  // Italian articles, prepositions (simple and articulated), conjunctions
  "il",
  "lo",
  "la",
  "i",
  "gli",
  "le",
  "l",
  "un",
  "uno",
  "una",
  "d",
  "di",
  "a",
  "da",
  "in",
  "con",
  "su",
  "per",
  "tra",
  "fra",
  "del",
  "dello",
  "della",
  "dei",
  "degli",
  "delle",
  "dell",
  "al",
  "allo",
  "alla",
  "ai",
  "agli",
  "alle",
  "all",
  "dal",
  "dallo",
  "dalla",
  "dai",
  "dagli",
  "dalle",
  "dall",
  "nel",
  "nello",
  "nella",
  "nei",
  "negli",
  "nelle",
  "nell",
  "sul",
  "sullo",
  "sulla",
  "sui",
  "sugli",
  "sulle",
  "sull",
  "col",
  "coi",
  "e",
  "ed",
  "o",
  "od",
  "che",
  "non",
  "come",
  "se",
  "ma",
  "anche",
  "mio",
  "mia",
  "voglio",
  "devo",
  // English
  "the",
  "of",
  "and",
  "or",
  "for",
  "to",
  "an",
  "on",
  "at",
  "by",
  "with",
  "my",
  "i",
  "want",
]);

/** Lowercase, strip accents and apostrophes, split into words. */
export function italianWords(text: string): string[] {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== "");
}

/**
 * A light Italian stemmer: enough to fold plural and gender endings together ("somministrazioni" ~
 * "somministrazione", "alimentari" ~ "alimentare", "acconciatrice" ~ "acconciatore", "banche" ~ "banca").
 * Deliberately conservative: it never removes more than an ending, so prefixes stay searchable.
 */
export function italianStem(word: string): string {
  let w = word;
  if (w.length <= 3 || /^\d+$/.test(w)) return w;
  if (/(trice|trici)$/.test(w)) return w.replace(/(trice|trici)$/, "tor");
  if (/[aeiou]$/.test(w)) w = w.slice(0, -1);
  // "-io/-ia/-ie/-i": sanitario, sanitaria, sanitarie, sanitari all fold to "sanitar"
  if (w.length > 4 && w.endsWith("i")) w = w.slice(0, -1);
  // "banche"/"banca", "alberghi"/"albergo": drop the h that only keeps the hard sound
  if (/[cg]h$/.test(w)) w = w.slice(0, -1);
  return w;
}

export function normaliseItalian(text: string): string[] {
  return italianWords(text)
    .filter((w) => !STOP_WORDS.has(w))
    .map(italianStem);
}

function unique(tokens: string[]): string[] {
  return [...new Set(tokens)];
}

/** Space-joined, de-duplicated stems of everything a user might type to find this proceeding. */
export function searchDocument(proceeding: Proceeding): string {
  const parts = [
    proceeding.code.replace(/_/g, " "),
    proceeding.title.it,
    proceeding.title.en,
    proceeding.description.it,
    proceeding.description.en,
    ...(proceeding.keywords?.it ?? []),
    ...(proceeding.keywords?.en ?? []),
    ...proceeding.usecases.flatMap((u) => [u.title.it, u.title.en]),
    ...proceeding.legalReferences.map((r) => r.citation),
  ];
  return unique(normaliseItalian(parts.join(" "))).join(" ");
}

export function searchQueryTokens(q: string): string[] {
  return unique(normaliseItalian(q));
}

/** True when every query token is a prefix of a document token (the SQL LIKE rule above). */
export function matchesSearchDocument(document: string, tokens: readonly string[]): boolean {
  const padded = ` ${document}`;
  return tokens.every((t) => padded.includes(` ${t}`));
}

/** Proceedings matching a free-text query, best first: hits in title and keywords weigh double. */
export function searchProceedings<P extends Proceeding>(proceedings: readonly P[], q: string): P[] {
  const tokens = searchQueryTokens(q);
  if (tokens.length === 0) return [];
  return proceedings
    .map((p) => ({ p, doc: searchDocument(p) }))
    .filter(({ doc }) => matchesSearchDocument(doc, tokens))
    .map(({ p, doc }) => {
      const words = new Set(doc.split(" "));
      const title = new Set(
        normaliseItalian(
          [p.title.it, p.title.en, ...(p.keywords?.it ?? []), ...(p.keywords?.en ?? [])].join(" "),
        ),
      );
      const score = tokens.reduce((s, t) => s + (words.has(t) ? 1 : 0) + (title.has(t) ? 2 : 0), 0);
      return { p, score };
    })
    .sort((a, b) => b.score - a.score)
    .map(({ p }) => p);
}
