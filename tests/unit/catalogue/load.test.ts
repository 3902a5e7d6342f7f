import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  catalogueHash,
  diffCatalogue,
  LIFE_EVENTS,
  parseCatalogue,
  publicationProblems,
  REGIMES,
  resolveForm,
  scopeMunicipalities,
  sha256Hex,
} from "~/domain/catalogue";
import { shippedCatalogue, shippedJson } from "./factories";

describe("shipped catalogue", () => {
  it("parses and covers at least 14 proceedings, every regime and every life event", () => {
    const result = parseCatalogue(shippedJson());
    if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
    const c = result.catalogue;
    expect(c.proceedings.length).toBeGreaterThanOrEqual(14);
    const regimes = new Set(c.proceedings.flatMap((p) => p.usecases.map((u) => u.regime)));
    expect([...regimes].sort()).toEqual([...REGIMES].sort());
    expect(new Set(c.proceedings.map((p) => p.lifeEvent))).toEqual(new Set(LIFE_EVENTS));
  });

  it("uses the entity codes of the seed and the five Comuni", () => {
    const c = shippedCatalogue();
    expect(c.municipalities.map((m) => m.istat).sort()).toEqual([
      "050011",
      "050019",
      "050021",
      "050027",
      "050039",
    ]);
    for (const code of ["SUAP-AVC", "ASL-TNO", "VVF-PI", "ARPAT", "SABAP-PI", "RT"]) {
      expect(c.entities.some((e) => e.code === code)).toBe(true);
    }
    expect(c.singleDesks[0]).toMatchObject({ code: "SUAP-AVC", name: "SUAP Associato Alta Val di Cecina" });
    expect(c.municipalities.find((m) => m.istat === "050039")?.protectedZones).toHaveLength(1);
    expect(c.municipalities.find((m) => m.istat === "050027")?.postcodes.map((p) => p.cap)).toEqual([
      "56045",
      "56044",
    ]);
  });

  it("resolves every form and has a fee for every usecase in every Comune of its scope", () => {
    const c = shippedCatalogue();
    for (const p of c.proceedings) {
      const form = resolveForm(c, p.form);
      const names = form.sections.flatMap((s) => s.fields.map((f) => f.name));
      expect(new Set(names).size).toBe(names.length);
      expect(form.sections[0].id).toBe("dichiarante");
      for (const u of p.usecases) {
        for (const m of scopeMunicipalities(c, p.territorialScope)) {
          expect(u.fees.diritti.some((d) => d.municipality === m || d.municipality === "*")).toBe(true);
        }
      }
    }
  });

  it("flags uncertain figures with notes instead of silence", () => {
    const c = shippedCatalogue();
    const aua = c.proceedings.find((p) => p.code === "AUA");
    expect(aua?.usecases.map((u) => u.terms.max_gg_proc)).toEqual([90, 120]);
    for (const p of c.proceedings)
      for (const u of p.usecases) expect(u.fees.note ?? u.fees.diritti[0].note).toBeTruthy();
  });
});

describe("parseCatalogue refuses an invalid file whole", () => {
  it("lists several shape errors at once, each with its path", () => {
    const json = shippedJson();
    json.proceedings[3].usecases[0].regime = "LICENZA";
    json.proceedings[1].validFrom = "2026-02-30";
    json.proceedings[0].usecases[0].terms.max_gg_proc = -1;
    delete json.proceedings[2].title;
    json.municipalities[0].istat = "50011";
    const r = parseCatalogue(json);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.errors.map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "proceedings[3].usecases[0].regime",
        "proceedings[1].validFrom",
        "proceedings[0].usecases[0].terms.max_gg_proc",
        "proceedings[2].title",
        "municipalities[0].istat",
      ]),
    );
    expect(r.errors.length).toBeGreaterThanOrEqual(5);
  });

  it("refuses patron days that are not a day of the year, or listed twice, by path", () => {
    const json = shippedJson();
    json.municipalities[0].patronDays = [{ date: "13-01", name: "X" }];
    json.municipalities[1].patronDays = [{ date: "02-29", name: "Y" }];
    json.municipalities[2].patronDays = [
      { date: "06-05", name: "A" },
      { date: "06-05", name: "B" },
    ];
    json.municipalities[3].patronDays = [{ date: "6/5", name: "Z" }];
    const r = parseCatalogue(json);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        "municipalities[0].patronDays[0].date",
        "municipalities[1].patronDays[0].date",
        "municipalities[2].patronDays",
        "municipalities[3].patronDays[0].date",
      ]),
    );
    const ok = shippedJson();
    ok.municipalities[4].patronDays = [{ date: "06-05", name: "San Giusto" }];
    const parsed = parseCatalogue(ok);
    expect(parsed.ok && parsed.catalogue.municipalities[4]?.patronDays).toEqual([
      { date: "06-05", name: "San Giusto" },
    ]);
  });

  it("lists every cross-reference error by path", () => {
    const json = shippedJson();
    const volterraFirst = json.proceedings.findIndex((p: any) => p.code === "SOMMINISTRAZIONE_ZONA_TUTELATA");
    json.proceedings[volterraFirst].territorialScope.municipalities = ["050099"];
    json.proceedings[0].usecases[0].attachments[1].requiredWhen = { field: "non_esiste", equals: "x" };
    json.proceedings[0].usecases[1].endoproceedings[0].agencyClass = "POLIZIA";
    json.proceedings[1].code = json.proceedings[0].code;
    json.proceedings[2].validFrom = "2027-01-01";
    json.proceedings[2].validTo = "2026-06-30";
    json.proceedings[4].usecases[0].endoproceedings = [
      {
        ...json.proceedings[0].usecases[1].endoproceedings[0],
        agencyClass: "ASL",
        linkedUsecase: "NON_ESISTE",
      },
    ];
    json.proceedings[5].form = "F_MANCANTE";
    const r = parseCatalogue(json);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const has = (path: string, text: string) =>
      expect(
        r.errors.some((e) => e.path === path && e.message.includes(text)),
        `${path}: ${text}`,
      ).toBe(true);
    has(`proceedings[${volterraFirst}].territorialScope.municipalities[0]`, "050099");
    has("proceedings[0].usecases[0].attachments[1].requiredWhen.field", "non_esiste");
    has("proceedings[0].usecases[1].endoproceedings[0].agencyClass", "POLIZIA");
    has("proceedings[1].code", "duplicate");
    has("proceedings[2].validTo", "before it starts");
    has("proceedings[4].usecases[0].endoproceedings[0].linkedUsecase", "NON_ESISTE");
    has("proceedings[5].form", "F_MANCANTE");
  });

  it("checks conditions against the options of the field they test", () => {
    const json = shippedJson();
    json.proceedings[0].usecases[0].attachments[1].requiredWhen = {
      field: "ruolo_dichiarante",
      equals: "AVVOCATO",
    };
    const r = parseCatalogue(json);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors[0]).toMatchObject({ path: "proceedings[0].usecases[0].attachments[1].requiredWhen" });
  });

  it("refuses something that is not a catalogue at all", () => {
    const r = parseCatalogue("ciao");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([{ path: "", message: expect.any(String) }]);
  });
});

describe("versioning helpers", () => {
  it("computes a real SHA-256 over canonical JSON, independent of key order", () => {
    for (const text of ["", "abc", "città è già", "x".repeat(1000)]) {
      expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
    }
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
    const c = shippedCatalogue();
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reverseKeys)
        : v && typeof v === "object"
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reverseKeys(x)]),
            )
          : v;
    const reordered = reverseKeys(c) as typeof c;
    expect(Object.keys(reordered)[0]).not.toBe(Object.keys(c)[0]);
    expect(catalogueHash(reordered)).toBe(catalogueHash(c));
    expect(catalogueHash(c)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("lists the proceedings that changed and refuses changes without a new version", () => {
    const before = shippedCatalogue();
    const after = shippedCatalogue();
    after.proceedings[0].usecases[0].fees.diritti[0].cents += 100;
    const diff = diffCatalogue(before, after);
    expect(diff.sameContent).toBe(false);
    expect(diff.changed).toEqual([
      expect.objectContaining({
        code: before.proceedings[0].code,
        versionBumped: false,
        changedUsecases: [before.proceedings[0].usecases[0].code],
      }),
    ]);
    expect(diff.unchanged).toHaveLength(before.proceedings.length - 1);
    expect(publicationProblems(diff)).toHaveLength(2);

    after.version = "2026.2";
    after.proceedings[0].version = "1.1.0";
    expect(publicationProblems(diffCatalogue(before, after))).toEqual([]);
  });

  it("sees a change to a shared form section in every proceeding using it", () => {
    const before = shippedCatalogue();
    const after = shippedCatalogue();
    after.version = "2026.2";
    after.sections.find((s) => s.id === "dichiarante")!.fields[1].maxLength = 50;
    const diff = diffCatalogue(before, after);
    expect(diff.changed.length).toBe(before.proceedings.length);
    expect(diff.referenceDataChanged).toBe(true);
  });
});
