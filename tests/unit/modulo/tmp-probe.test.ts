import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { agidSchematron, appliedFixes, missingVocabularies, xsdBundle } from "~/server/modulo/agid.server";
import { validateSchematron } from "~/server/modulo/schematron.server";
import { validateXsd } from "~/server/modulo/xsd.server";

test("probe", async () => {
  const xml = readFileSync("/tmp/modulo/ok.xml", "utf8");
  const b = xsdBundle("04_forms/mod_esercizio_vicinato_apertura_v1.0.0.xsd");
  const t0 = Date.now();
  const r = await validateXsd(xml, b);
  console.log("xsd", Date.now() - t0, r);
  const s = agidSchematron("04_forms/mod_esercizio_vicinato_apertura_v1.0.0.sch");
  for (const [name, f] of [["ok", "/tmp/modulo/ok.xml"], ["oka", "/tmp/modulo/oka.xml"], ["ko_phna", "/tmp/modulo/ko_phase_non_alimentare.xml"], ["ko_mod", "/tmp/modulo/ko_mod_esercizio_vicinato_apertura.xml"], ["ko_ci", "/tmp/modulo/ko_controllo_intermediario.xml"], ["ko_rapp", "/tmp/modulo/ko_rappresentanza.xml"], ["ko_da", "/tmp/modulo/ko_dati_anagrafici.xml"], ["ko_rp", "/tmp/modulo/ko_requisiti_professionali.xml"]]) {
    const t1 = Date.now();
    const phase = name === "oka" || name === "ko_rp" ? ["alimentare_ph"] : ["non_alimentare_ph"];
    const v = validateSchematron(s, readFileSync(f, "utf8"), phase);
    console.log(name, Date.now() - t1, JSON.stringify(v.failures.map((x) => [x.patternId, x.id, x.message])), v.unchecked.length);
  }
  console.log(appliedFixes(), missingVocabularies("04_forms/mod_esercizio_vicinato_apertura_v1.0.0.sch"));
  expect(1).toBe(1);
});
