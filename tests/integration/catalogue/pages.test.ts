import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as procedure from "~/routes/catalogo.$code";
import * as index from "~/routes/catalogo._index";
import * as finder from "~/routes/cosa-devo-presentare";
import { importCatalogueText } from "~/server/catalogue/import.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { callLoader, shippedText } from "./support/catalogue";

describe.each(DATABASES)("public catalogue pages' loaders on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind, { demo: false });
    await importCatalogueText(test.handle.db, shippedText());
  });
  afterAll(async () => {
    await test.drop();
  });

  it("/catalogo searches with filters, and tags the page for caching by version, query and language", async () => {
    const res = await callLoader(index.loader, "/catalogo?q=somministrazioni&comune=050027");
    const data = await res.json();
    expect(data.result.hits.map((h: any) => h.code)).not.toContain("SOMMINISTRAZIONE_ZONA_TUTELATA");
    expect(data.result.total).toBe(data.result.hits.length);
    expect(data.title).toBe("Catalogo dei procedimenti - SUAP Alta Val di Cecina");
    expect(res.headers.get("ETag")).toMatch(/^W\/"/);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=300");
    const other = await callLoader(index.loader, "/catalogo?q=parrucchieri");
    expect(other.headers.get("ETag")).not.toBe(res.headers.get("ETag"));
    const en = await callLoader(
      index.loader,
      "/catalogo?q=somministrazioni&comune=050027",
      {},
      { Cookie: "lang=en" },
    );
    expect((await en.json()).title).toBe("Procedure catalogue - SUAP Alta Val di Cecina");
    // an invalid filter value is ignored, not an error
    const odd = await (await callLoader(index.loader, "/catalogo?comune=xyz&regime=NOPE")).json();
    expect(odd.params).toMatchObject({ page: 1 });
    expect(odd.params.municipality).toBeUndefined();
  });

  it("/catalogo/:code shows fees in the chosen Comune, or per Comune when none is chosen", async () => {
    const none = await (
      await callLoader(procedure.loader, "/catalogo/VICINATO_APERTURA", { code: "VICINATO_APERTURA" })
    ).json();
    expect(none.municipality).toBeNull();
    expect(none.usecases[0].fees).toBeNull();
    expect(none.usecases[0].feesByMunicipality.find((f: any) => f.istat === "050039").dirittiCents).toBe(
      6000,
    );
    expect(none.fileUrl).toBe("/pratiche/nuova?procedimento=VICINATO_APERTURA");
    const volterra = await (
      await callLoader(procedure.loader, "/catalogo/VICINATO_APERTURA?comune=050039", {
        code: "VICINATO_APERTURA",
      })
    ).json();
    expect(volterra.municipality.value).toBe("050039");
    expect(volterra.usecases[0].fees.dirittiCents).toBe(6000);
    expect(volterra.competent.name).toBe("Comune di Volterra");
    expect(volterra.fileUrl).toBe("/pratiche/nuova?procedimento=VICINATO_APERTURA&comune=050039");
    const food = volterra.usecases.find((u: any) => u.code === "VICINATO_APERTURA_ALIMENTARE");
    expect(food.endoproceedings[0].entity.name).toBe("Azienda USL Toscana Nord Ovest");
    const missing = await callLoader(procedure.loader, "/catalogo/NON_ESISTE", { code: "NON_ESISTE" });
    expect(missing.status).toBe(404);
  });

  it("/cosa-devo-presentare: a bar in Volterra's historic centre is an authorisation plus the notifica sanitaria", async () => {
    const res = await callLoader(
      finder.loader,
      "/cosa-devo-presentare?cerca=1&activity=bar_ristorante&lifeEvent=APERTURA&municipality=050039&protectedZone=true&food=true",
    );
    const data = await res.json();
    expect(data.errors).toEqual([]);
    expect(data.result.usecases.map((u: any) => u.usecaseCode)).toEqual([
      "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
      "NOTIFICA_SANITARIA_REGISTRAZIONE",
    ]);
    expect(data.result.regime).toBe("AUTORIZZAZIONE");
    expect(data.result.fees.totalCents).toBeGreaterThan(0);
    expect(data.result.longestTermDays).toBe(60);
    expect(data.result.fileUrl).toBe(
      "/pratiche/nuova?procedimento=SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA&procedimento=NOTIFICA_SANITARIA_REGISTRAZIONE&comune=050039",
    );
  });

  it("/cosa-devo-presentare with missing answers lists an error per question, with status 400", async () => {
    const res = await callLoader(finder.loader, "/cosa-devo-presentare?cerca=1&activity=bar_ristorante");
    expect(res.status).toBe(400);
    const data = await res.json();
    expect(data.errors.map((e: any) => e.field)).toEqual([
      "lifeEvent",
      "municipality",
      "protectedZone",
      "food",
    ]);
    expect(data.title).toMatch(/^Errore: /);
    const untouched = await (await callLoader(finder.loader, "/cosa-devo-presentare")).json();
    expect(untouched).toMatchObject({ errors: [], result: null, submitted: false });
  });
});
