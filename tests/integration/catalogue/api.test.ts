import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as ssuAny from "~/routes/api.ssu.catalogo.$";
import * as ssuAttachments from "~/routes/api.ssu.catalogo.proceeding.$id.$version.attachments";
import * as ssuCompetent from "~/routes/api.ssu.catalogo.proceeding.$id.$version.$municipality.competent-administration";
import * as ssuUsecases from "~/routes/api.ssu.catalogo.proceeding.$id.$version.usecase-proceedings";
import * as ssuProceedings from "~/routes/api.ssu.catalogo.proceedings";
import * as ssuSuap from "~/routes/api.ssu.catalogo.suap.$municipality";
import * as ssuTypologies from "~/routes/api.ssu.catalogo.typologies-lifeevents";
import * as catalogueJson from "~/routes/api.v1.catalogue";
import * as csv from "~/routes/open-data.procedimenti[.]csv";
import { CSV_COLUMNS } from "~/domain/catalogue/open-data";
import { parseCsv } from "~/domain/csv";
import { importCatalogueText } from "~/server/catalogue/import.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { callLoader, shippedJson, shippedText } from "./support/catalogue";
import { loadSpec, validatorFor } from "./support/openapi";

const spec = loadSpec();

describe.each(DATABASES)("catalogue APIs on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind, { demo: false });
    await importCatalogueText(test.handle.db, shippedText());
  });
  afterAll(async () => {
    await test.drop();
  });

  async function expectValid(res: Response, path: string, status: string) {
    expect(res.status).toBe(Number(status));
    const v = validatorFor(spec, path, status);
    expect(res.headers.get("Content-Type")).toContain(v.contentType);
    const body = await res.json();
    expect(v.check(body), `${path} ${status}: ${JSON.stringify(body).slice(0, 300)}`).toEqual([]);
    return body;
  }

  it("the validators built from the official schemas do reject wrong shapes", () => {
    expect(validatorFor(spec, "/proceedings", "200").check([{ id: "X", version: "1" }])).not.toEqual([]);
    const admin = "/proceeding/{proceeding_id}/{proceeding_version}/{municipality}/competent-administration";
    expect(
      validatorFor(spec, admin, "200").check({
        ipacode: "c_m126",
        officecode: "X",
        version: "1.0.0",
        description: "",
      }),
    ).not.toEqual([]);
    expect(validatorFor(spec, "/suap/{municipality}", "404").check({ code: "X" })).not.toEqual([]);
  });

  it("SSU /typologies-lifeevents answers tuples that validate, filtered by the parameters", async () => {
    const all = await expectValid(
      await callLoader(ssuTypologies.loader, "/api/ssu/catalogo/typologies-lifeevents"),
      "/typologies-lifeevents",
      "200",
    );
    expect(all).toContainEqual({
      typology: "SOMMINISTRAZIONE",
      lifeevent: "APERTURA",
      municipality: "050039",
    });
    const filtered = await expectValid(
      await callLoader(
        ssuTypologies.loader,
        "/api/ssu/catalogo/typologies-lifeevents?lifeevent=subingresso&municipality=050027",
      ),
      "/typologies-lifeevents",
      "200",
    );
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((t: any) => t.lifeevent === "SUBINGRESSO" && t.municipality === "050027")).toBe(
      true,
    );
  });

  it("SSU /proceedings validates, and the territorial scope follows the Comune", async () => {
    const volterra = await expectValid(
      await callLoader(ssuProceedings.loader, "/api/ssu/catalogo/proceedings?municipality=050039"),
      "/proceedings",
      "200",
    );
    const pomarance = await expectValid(
      await callLoader(
        ssuProceedings.loader,
        "/api/ssu/catalogo/proceedings?municipality=050027&lifeevent=APERTURA",
      ),
      "/proceedings",
      "200",
    );
    expect(volterra.map((p: any) => p.id)).toContain("SOMMINISTRAZIONE_ZONA_TUTELATA");
    expect(pomarance.map((p: any) => p.id)).not.toContain("SOMMINISTRAZIONE_ZONA_TUTELATA");
    expect(volterra.find((p: any) => p.id === "SOMMINISTRAZIONE_ZONA_TUTELATA")).toMatchObject({
      version: "01.00.00",
      territorial_scope: "050039",
      status: "Active",
    });
    expect(volterra.length).toBe(shippedJson().proceedings.length);
  });

  it("SSU /proceedings without the required municipality is a 400 in the Error shape", async () => {
    const body = await expectValid(
      await callLoader(ssuProceedings.loader, "/api/ssu/catalogo/proceedings"),
      "/proceedings",
      "400",
    );
    expect(body.code).toBe("MUNICIPALITY_REQUIRED");
  });

  it("SSU usecase-proceedings, attachments and competent administration validate", async () => {
    const params = { id: "SOMMINISTRAZIONE_ZONA_TUTELATA", version: "01.00.00" };
    const usecases = await expectValid(
      await callLoader(ssuUsecases.loader, "/x", params),
      "/proceeding/{proceeding_id}/{proceeding_version}/usecase-proceedings",
      "200",
    );
    expect(usecases).toEqual([
      expect.objectContaining({
        id: "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
        proceeding_id: "SOMMINISTRAZIONE_ZONA_TUTELATA",
        proceeding_version: "01.00.00",
      }),
    ]);
    const attachments = await expectValid(
      await callLoader(ssuAttachments.loader, "/x", { id: "VICINATO_APERTURA", version: "1.0.0" }),
      "/proceeding/{proceeding_id}/{proceeding_version}/attachments",
      "200",
    );
    expect(attachments).toContainEqual(expect.objectContaining({ mandatory: true }));
    expect(attachments.find((a: any) => a.attachment.id === "PROCURA_SPECIALE")?.mandatory).toBe(false);
    const competent = await expectValid(
      await callLoader(ssuCompetent.loader, "/x", { ...params, municipality: "050039" }),
      "/proceeding/{proceeding_id}/{proceeding_version}/{municipality}/competent-administration",
      "200",
    );
    expect(competent.description).toMatch(/Volterra/);
    const suap = await expectValid(
      await callLoader(ssuSuap.loader, "/x", { municipality: "050021" }),
      "/suap/{municipality}",
      "200",
    );
    expect(suap).toMatchObject({ id: "SUAP-AVC", description: "SUAP Associato Alta Val di Cecina" });
  });

  it("unknown ids answer 404 in the spec's Error shape (application/json, code + message)", async () => {
    const cases: [Response, string][] = [
      [
        await callLoader(ssuUsecases.loader, "/x", { id: "NON_ESISTE", version: "01.00.00" }),
        "/proceeding/{proceeding_id}/{proceeding_version}/usecase-proceedings",
      ],
      [
        await callLoader(ssuAttachments.loader, "/x", { id: "VICINATO_APERTURA", version: "09.00.00" }),
        "/proceeding/{proceeding_id}/{proceeding_version}/attachments",
      ],
      [
        await callLoader(ssuCompetent.loader, "/x", {
          id: "SOMMINISTRAZIONE_ZONA_TUTELATA",
          version: "01.00.00",
          municipality: "050027",
        }),
        "/proceeding/{proceeding_id}/{proceeding_version}/{municipality}/competent-administration",
      ],
      [await callLoader(ssuSuap.loader, "/x", { municipality: "058091" }), "/suap/{municipality}"],
      [
        await callLoader(ssuProceedings.loader, "/api/ssu/catalogo/proceedings?municipality=058091"),
        "/proceedings",
      ],
    ];
    for (const [res, path] of cases) {
      const body = await expectValid(res, path, "404");
      expect(Object.keys(body).sort()).toEqual(["code", "message"]);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
    }
    const other = await callLoader(ssuAny.loader, "/api/ssu/catalogo/forms-xsds/x", { "*": "forms-xsds/x" });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: "NOT_FOUND" });
  });

  it("GET /api/v1/catalogue: every proceeding with usecases, fees and terms, version and licence; 304 on match", async () => {
    const res = await callLoader(catalogueJson.loader, "/api/v1/catalogue");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=300");
    expect(res.headers.get("Link")).toBe('<https://creativecommons.org/licenses/by/4.0/>; rel="license"');
    const body = await res.json();
    expect(body.licence).toMatchObject({
      id: "CC-BY-4.0",
      url: "https://creativecommons.org/licenses/by/4.0/",
    });
    expect(body.catalogue).toMatchObject({ id: "AVC", version: "2026.1" });
    expect(body.catalogue.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(body.proceedings).toHaveLength(shippedJson().proceedings.length);
    const bar = body.proceedings.find((p: any) => p.code === "SOMMINISTRAZIONE_ZONA_TUTELATA");
    expect(bar.municipalities).toEqual(["050039"]);
    expect(bar.usecases[0]).toMatchObject({
      regime: "AUTORIZZAZIONE",
      terms: { max_gg_proc: expect.any(Number) },
    });
    expect(bar.usecases[0].fees.diritti.length).toBeGreaterThan(0);
    expect(bar.usecases[0].attachments.length).toBeGreaterThan(0);

    const etag = res.headers.get("ETag")!;
    const again = await callLoader(catalogueJson.loader, "/api/v1/catalogue", {}, { "If-None-Match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    const english = await callLoader(catalogueJson.loader, "/api/v1/catalogue", {}, { Cookie: "lang=en" });
    expect(english.headers.get("ETag")).not.toBe(etag);
  });

  it("GET /open-data/procedimenti.csv: BOM, header, one row per usecase, RFC 4180 quoting; 304 on match", async () => {
    const res = await callLoader(csv.loader, "/open-data/procedimenti.csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8; header=present");
    expect(res.headers.get("Link")).toContain('rel="license"');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text.includes("\r\n")).toBe(true);
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const usecases = shippedJson().proceedings.flatMap((p: any) => p.usecases);
    expect(rows.length - 1).toBe(usecases.length);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const vicinato = rows.find((r) => r[col("usecase_code")] === "VICINATO_APERTURA_NON_ALIMENTARE")!;
    // a title with a comma survives quoting
    expect(vicinato[col("usecase_title_it")]).toBe("Vicinato, settore non alimentare");
    expect(vicinato[col("diritti_by_municipality_eur")]).toBe("050039=60.00");
    expect(vicinato[col("max_gg_proc")]).toBe("60");

    const etag = res.headers.get("ETag")!;
    const again = await callLoader(
      csv.loader,
      "/open-data/procedimenti.csv",
      {},
      { "If-None-Match": `W/${etag}` },
    );
    expect(again.status).toBe(304);
  });
});
