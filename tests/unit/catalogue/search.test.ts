import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  italianStem,
  matchesSearchDocument,
  normaliseItalian,
  searchDocument,
  searchProceedings,
  searchQueryTokens,
} from "~/domain/catalogue";
import { shippedCatalogue } from "./factories";

describe("normaliseItalian", () => {
  it("folds plural and gender endings", () => {
    expect(italianStem("somministrazioni")).toBe(italianStem("somministrazione"));
    expect(italianStem("alimentari")).toBe(italianStem("alimentare"));
    expect(italianStem("acconciatori")).toBe(italianStem("acconciatore"));
    expect(italianStem("acconciatrice")).toBe(italianStem("acconciatore"));
    expect(italianStem("sanitaria")).toBe(italianStem("sanitari"));
    expect(italianStem("banche")).toBe(italianStem("banca"));
    expect(italianStem("estetista")).toBe(italianStem("estetisti"));
    expect(italianStem("negozi")).toBe(italianStem("negozio"));
    expect(italianStem("bar")).toBe("bar");
  });

  it("strips accents, apostrophes and stop words", () => {
    expect(normaliseItalian("attività")).toEqual(normaliseItalian("attivita"));
    expect(normaliseItalian("Apertura dell'attività di un bar per la sagra")).toEqual([
      "apertur",
      "attivit",
      "bar",
      "sagr",
    ]);
    expect(normaliseItalian("di del della per e")).toEqual([]);
  });

  it("produces plain ASCII tokens that are never stop words, accented or not", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zàèéìòùA-Z' ,.]{0,60}$/), (text) => {
        const tokens = normaliseItalian(text);
        for (const t of tokens) expect(t).toMatch(/^[a-z0-9]+$/);
        expect(tokens).not.toContain("di");
        expect(normaliseItalian(text.normalize("NFD").replace(/[\u0300-\u036f]/g, ""))).toEqual(tokens);
        expect(searchQueryTokens(text)).toEqual([...new Set(tokens)]);
      }),
    );
  });
});

describe("search over the catalogue", () => {
  const catalogue = shippedCatalogue();
  const codes = (q: string) => searchProceedings(catalogue.proceedings, q).map((p) => p.code);

  it("finds somministrazione from the plural, and accents do not matter", () => {
    expect(codes("somministrazioni")).toEqual(
      expect.arrayContaining(["SOMMINISTRAZIONE_APERTURA", "SOMMINISTRAZIONE_TEMPORANEA"]),
    );
    expect(codes("attività")).toEqual(codes("attivita"));
    expect(codes("attività").length).toBeGreaterThan(0);
  });

  it("finds by keyword, by prefix, by English title, and not by nonsense", () => {
    expect(codes("parrucchieri")).toEqual(["ACCONCIATORI_APERTURA"]);
    expect(codes("acconciatrici")).toContain("ACCONCIATORI_APERTURA");
    expect(codes("insegne")).toContain("INSEGNA_ESERCIZIO");
    expect(codes("agritur")).toContain("AGRITURISMO_APERTURA");
    expect(codes("beauty salon")).toContain("ESTETISTI_APERTURA");
    expect(codes("beauty salon")).not.toContain("ACCONCIATORI_APERTURA");
    expect(codes("notifica sanitaria")[0]).toBe("NOTIFICA_SANITARIA");
    expect(codes("astronave")).toEqual([]);
    expect(codes("di per")).toEqual([]);
  });

  it("uses the same prefix rule that the database applies to the stored document", () => {
    const doc = searchDocument(catalogue.proceedings.find((p) => p.code === "VICINATO_APERTURA")!);
    expect(doc).not.toMatch(/[A-Z]| {2}/);
    expect(matchesSearchDocument(doc, searchQueryTokens("negozi alimentari"))).toBe(true);
    expect(matchesSearchDocument(doc, searchQueryTokens("negozi ristorante"))).toBe(false);
    // SQL equivalent: (' ' || doc) LIKE '% ' || token || '%'
    const like = (d: string, t: string) => ` ${d}`.includes(` ${t}`);
    for (const t of searchQueryTokens("esercizio vicinato")) expect(like(doc, t)).toBe(true);
  });
});
