import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AGID_ROOT_DEFAULT,
  agidSchematron,
  appliedFixes,
  FIXES,
  missingVocabularies,
  xsdBundle,
} from "~/server/modulo/agid.server";
import { validateSchematron } from "~/server/modulo/schematron.server";
import { validateXsd } from "~/server/modulo/xsd.server";

// AgID's own examples of the vicinato apertura form (to_moduli/04_forms/xml_example/…): the file name says the
// expected outcome — `_ok=phase_<x>` passes phase <x>, `_ko=<pattern id or phase>` fails that pattern (the
// folder's .config.txt: "where non indicated use phase non_alimentare"). There is no xspec for the forms.

const SCH = "04_forms/mod_esercizio_vicinato_apertura_v1.0.0.sch";
const XSD = "04_forms/mod_esercizio_vicinato_apertura_v1.0.0.xsd";
const DIR = path.join(AGID_ROOT_DEFAULT, "04_forms/xml_example/mod_esercizio_vicinato_apertura");
const PREFIX = "mod_esercizio_vicinato_apertura_v1.0.0_";
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith(".xml"))
  .map((f) => {
    const tag = f.slice(PREFIX.length, -4);
    const [outcome, what] = tag.split("=") as ["ok" | "ko", string];
    const phase = what.startsWith("phase_") ? `${what.slice("phase_".length)}_ph` : "non_alimentare_ph";
    return { file: f, outcome, what, phase, xml: readFileSync(path.join(DIR, f), "utf8") };
  });

describe("AgID's vicinato apertura examples", () => {
  beforeAll(() => {
    expect(cases.filter((c) => c.outcome === "ok").length).toBeGreaterThanOrEqual(2);
    expect(cases.filter((c) => c.outcome === "ko").length).toBeGreaterThanOrEqual(4);
  });

  it.each(cases.map((c) => [c.file, c] as const))(
    "%s is valid against the XSD (the examples test Schematron only)",
    async (_f, c) => {
      const r = await validateXsd(c.xml, xsdBundle(XSD));
      expect(r.problems).toEqual([]);
      expect(r.valid).toBe(true);
    },
  );

  it.each(cases.filter((c) => c.outcome === "ok").map((c) => [c.file, c] as const))(
    "%s passes its phase",
    (_f, c) => {
      const r = validateSchematron(agidSchematron(SCH), c.xml, [c.phase]);
      expect(r.failures).toEqual([]);
    },
  );

  it.each(cases.filter((c) => c.outcome === "ko").map((c) => [c.file, c] as const))(
    "%s fails the expected rule",
    (_f, c) => {
      const r = validateSchematron(agidSchematron(SCH), c.xml, [c.phase]);
      const expected = c.what.startsWith("phase_")
        ? `mod_esercizio_vicinato_apertura_${c.what.slice("phase_".length)}`
        : c.what;
      expect(r.failures.map((f) => f.patternId)).toContain(expected);
    },
  );

  it("the alimentare and non-alimentare examples fail each other's phase", () => {
    const ok = (p: string) => cases.find((c) => c.file === `${PREFIX}ok=phase_${p}.xml`)!.xml;
    const ids = (xml: string, ph: string) =>
      validateSchematron(agidSchematron(SCH), xml, [ph]).failures.map((f) => f.id);
    expect(ids(ok("alimentare"), "non_alimentare_ph")).toContain("ass_non_alimentare");
    expect(ids(ok("non_alimentare"), "alimentare_ph")).toContain("ass_vendita_alimentare");
  });

  it("the code-list checks that need a code list not vendored are reported as not verifiable, never as passed", () => {
    const ok = cases.find((c) => c.outcome === "ok")!;
    const r = validateSchematron(agidSchematron(SCH), ok.xml, [ok.phase]);
    expect(r.unchecked.length).toBeGreaterThan(0);
    expect(new Set(r.unchecked.flatMap((u) => u.vocabularies))).toEqual(
      new Set(missingVocabularies(SCH).filter((v) => r.unchecked.some((u) => u.vocabularies.includes(v)))),
    );
    expect(missingVocabularies(SCH)).toEqual(
      expect.arrayContaining([
        "01_vocabularies/voc_stati.xml",
        "01_vocabularies/voc_comuni_italiani_storico.xml",
      ]),
    );
  });

  it("every load-time fix named in the README is still needed by the vendored files", async () => {
    await validateXsd(cases[0]!.xml, xsdBundle(XSD));
    validateSchematron(agidSchematron(SCH), cases[0]!.xml, ["non_alimentare_ph"]);
    expect(new Set(appliedFixes())).toEqual(new Set(Object.values(FIXES).map((f) => f.id)));
    const readme = readFileSync("specs/agid-moduli/README.md", "utf8");
    for (const f of Object.values(FIXES)) expect(readme).toContain(f.id);
  });

  it("without the fixes libxml2 cannot compile the form's XSD (the defects are real)", async () => {
    const raw = new Map<string, string>();
    for (const [name] of xsdBundle(XSD).files)
      if (!name.includes("__")) raw.set(name, readFileSync(path.join(AGID_ROOT_DEFAULT, name), "utf8"));
    await expect(validateXsd(cases[0]!.xml, { entry: XSD, files: raw })).rejects.toThrow(/non compilabile/);
  });
});
