import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCatalogueText } from "~/server/catalogue/import.server";
import { type CatalogueSearchParams, searchCatalogue } from "~/server/catalogue/search.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { shippedText } from "./support/catalogue";

describe.each(DATABASES)("catalogue search on %s", (kind) => {
  let test: TestDatabase;
  let versionId: number;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind, { demo: false });
    versionId = (await importCatalogueText(test.handle.db, shippedText())).versionId;
  });
  afterAll(async () => {
    await test.drop();
  });

  const codes = async (params: CatalogueSearchParams) =>
    (await searchCatalogue(test.handle.db, versionId, params)).hits.map((h) => h.code).sort();

  it("a plural finds the singular: «somministrazioni» finds the somministrazione proceedings", async () => {
    const found = await codes({ q: "somministrazioni" });
    expect(found).toEqual(
      expect.arrayContaining([
        "SOMMINISTRAZIONE_APERTURA",
        "SOMMINISTRAZIONE_SUBINGRESSO",
        "SOMMINISTRAZIONE_TEMPORANEA",
        "SOMMINISTRAZIONE_ZONA_TUTELATA",
      ]),
    );
    expect(found).not.toContain("ACCONCIATORI_APERTURA");
    expect(await codes({ q: "somministrazione" })).toEqual(found);
  });

  it("accents do not matter: «attivita» and «attività» find the same, and something", async () => {
    const plain = await codes({ q: "attivita" });
    expect(plain.length).toBeGreaterThan(0);
    expect(await codes({ q: "attività" })).toEqual(plain);
    expect(await codes({ q: "ATTIVITÀ" })).toEqual(plain);
  });

  it("«parrucchieri» finds the hairdressers' proceeding", async () => {
    expect(await codes({ q: "parrucchieri" })).toContain("ACCONCIATORI_APERTURA");
    expect(await codes({ q: "parrucchieri" })).not.toContain("ESTETISTI_APERTURA");
  });

  it("every word must match, as a prefix: «somministrazione temporanea» is one proceeding", async () => {
    expect(await codes({ q: "somministrazione temporanea" })).toEqual(["SOMMINISTRAZIONE_TEMPORANEA"]);
    expect(await codes({ q: "sommin" })).toContain("SOMMINISTRAZIONE_APERTURA");
  });

  it("filters narrow the results: Comune, regime, sector, life event", async () => {
    expect(await codes({ q: "somministrazioni", municipality: "050039" })).toContain(
      "SOMMINISTRAZIONE_ZONA_TUTELATA",
    );
    expect(await codes({ q: "somministrazioni", municipality: "050027" })).not.toContain(
      "SOMMINISTRAZIONE_ZONA_TUTELATA",
    );
    expect(await codes({ q: "somministrazioni", regime: "AUTORIZZAZIONE" })).toEqual([
      "SOMMINISTRAZIONE_ZONA_TUTELATA",
    ]);
    expect(await codes({ q: "somministrazioni", lifeEvent: "SUBINGRESSO" })).toEqual([
      "SOMMINISTRAZIONE_SUBINGRESSO",
    ]);
    const retail = await codes({ sector: "COMMERCIO" });
    expect(retail.length).toBeGreaterThan(3);
    expect(retail.every((c) => c.startsWith("VICINATO") || c.startsWith("COMMERCIO"))).toBe(true);
  });

  it("counts and pages: no query lists everything; a nonsense word finds nothing", async () => {
    const all = await searchCatalogue(test.handle.db, versionId, {});
    expect(all.total).toBe(19);
    expect(all.hits.length).toBe(all.total);
    const none = await searchCatalogue(test.handle.db, versionId, { q: "zzzyyyxxx" });
    expect(none).toMatchObject({ total: 0, hits: [] });
    const past = await searchCatalogue(test.handle.db, versionId, { page: 5 });
    expect(past).toMatchObject({ total: 19, hits: [] });
  });

  it("title hits rank first", async () => {
    const r = await searchCatalogue(test.handle.db, versionId, { q: "notifica sanitaria" });
    expect(r.hits[0].code).toBe("NOTIFICA_SANITARIA");
  });
});
