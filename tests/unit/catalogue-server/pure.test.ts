import { describe, expect, it } from "vitest";
import { csvField, parseCsv, toCsv } from "~/domain/csv";
import { etagFor, notModified } from "~/server/catalogue/http.server";
import { CSV_COLUMNS, catalogueCsv, catalogueJson } from "~/domain/catalogue/open-data";
import { compareCatalogueVersions, likeEscape, referenceOf } from "~/domain/catalogue/rows";
import { searchParamsFrom } from "~/server/catalogue/search.server";
import { fromSsuVersion, ssuTerritorialScope, toSsuVersion } from "~/server/catalogue/ssu.server";
import { fileUrl } from "~/server/catalogue/views.server";
import { shippedCatalogue } from "../catalogue/factories";

describe("CSV (RFC 4180)", () => {
  it("quotes only fields that need it and doubles quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a, b")).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField(null)).toBe("");
    expect(csvField(0)).toBe("0");
  });

  it("round-trips through the parser, with CRLF records and an optional BOM", () => {
    const rows = [
      ["x", 'q"uote', "comma,here"],
      ["", "multi\r\nline", "attività"],
    ];
    const text = toCsv(["a", "b", "c"], rows, { bom: true });
    expect(text.startsWith("\uFEFFa,b,c\r\n")).toBe(true);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(parseCsv(text)).toEqual([["a", "b", "c"], ...rows]);
  });

  it("the catalogue export has one row per usecase, every row as wide as the header", () => {
    const c = shippedCatalogue();
    const rows = parseCsv(
      catalogueCsv(c, { catalogueId: c.id, version: c.version, contentHash: "sha256:x" }),
    );
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows.length - 1).toBe(c.proceedings.reduce((n, p) => n + p.usecases.length, 0));
    expect(new Set(rows.map((r) => r.length))).toEqual(new Set([CSV_COLUMNS.length]));
  });

  it("the JSON export states the licence and resolves each proceeding's Comuni", () => {
    const c = shippedCatalogue();
    const json = catalogueJson(c, { catalogueId: c.id, version: c.version, contentHash: "sha256:x" });
    expect(json.licence.id).toBe("CC-BY-4.0");
    expect(json.proceedings.find((p) => p.code === "SOMMINISTRAZIONE_ZONA_TUTELATA")?.municipalities).toEqual(
      ["050039"],
    );
    expect(json.proceedings.find((p) => p.code === "VICINATO_APERTURA")?.municipalities).toHaveLength(5);
  });
});

describe("HTTP caching", () => {
  it("ETags differ by any part and compare weakly", () => {
    const a = etagFor(["h1", "/catalogo", "?q=bar", "it"]);
    expect(etagFor(["h1", "/catalogo", "?q=bar", "it"])).toBe(a);
    expect(etagFor(["h2", "/catalogo", "?q=bar", "it"])).not.toBe(a);
    expect(etagFor(["h1", "/catalogo", "?q=bar", "en"])).not.toBe(a);
    const req = (inm?: string) =>
      new Request("http://x/", { headers: inm === undefined ? {} : { "If-None-Match": inm } });
    expect(notModified(req(a), a)).toBe(true);
    expect(notModified(req(`"other", W/${a}`), a)).toBe(true);
    expect(notModified(req('"other"'), a)).toBe(false);
    expect(notModified(req(), a)).toBe(false);
    expect(notModified(req("*"), a)).toBe(true);
  });
});

describe("SSU mapping", () => {
  it("versions travel as NN.NN.NN and come back", () => {
    expect(toSsuVersion("1.0.0")).toBe("01.00.00");
    expect(toSsuVersion("1.12.3")).toBe("01.12.03");
    expect(fromSsuVersion("01.00.00")).toBe("1.0.0");
    expect(fromSsuVersion("1.0.0")).toBe("1.0.0");
    expect(fromSsuVersion("1.0")).toBeNull();
    expect(fromSsuVersion("abc")).toBeNull();
  });

  it("territorial scope is 000000 nationally, the region code, or the Comune", () => {
    expect(ssuTerritorialScope({ kind: "NATIONAL" })).toBe("000000");
    expect(ssuTerritorialScope({ kind: "REGIONAL", region: "09" })).toBe("09");
    expect(
      ssuTerritorialScope({ kind: "MUNICIPALITIES", municipalities: ["050039", "050027"] }, "050027"),
    ).toBe("050027");
  });
});

describe("rows and parameters", () => {
  it("catalogue versions order numerically", () => {
    expect(["2026.10", "2026.2", "2025.7", "2026.9"].sort(compareCatalogueVersions)).toEqual([
      "2025.7",
      "2026.2",
      "2026.9",
      "2026.10",
    ]);
  });

  it("LIKE wildcards in a token are escaped", () => {
    expect(likeEscape("a%b_c\\")).toBe("a\\%b\\_c\\\\");
  });

  it("the reference part drops proceedings, sections and forms only", () => {
    const ref = referenceOf(shippedCatalogue()) as Record<string, unknown>;
    expect(ref.proceedings).toBeUndefined();
    expect(ref.forms).toBeUndefined();
    expect(Array.isArray(ref.municipalities)).toBe(true);
  });

  it("search parameters keep only plausible codes", () => {
    const p = searchParamsFrom(
      new URL(
        "http://x/catalogo?q=%20bar%20&settore=COMMERCIO&evento=APERTURA&comune=050039&regime=SCIA&pagina=2",
      ),
    );
    expect(p).toEqual({
      q: "bar",
      sector: "COMMERCIO",
      lifeEvent: "APERTURA",
      municipality: "050039",
      regime: "SCIA",
      page: 2,
    });
    const bad = searchParamsFrom(
      new URL("http://x/catalogo?settore=x';--&evento=NOPE&comune=1&regime=Z&pagina=-3"),
    );
    expect(bad).toEqual({
      q: undefined,
      sector: undefined,
      lifeEvent: undefined,
      municipality: undefined,
      regime: undefined,
      page: 1,
    });
  });

  it("the filing link carries one procedimento per code and the Comune", () => {
    expect(fileUrl(["A", "B"], "050039")).toBe("/pratiche/nuova?procedimento=A&procedimento=B&comune=050039");
    expect(fileUrl(["A"])).toBe("/pratiche/nuova?procedimento=A");
  });
});
