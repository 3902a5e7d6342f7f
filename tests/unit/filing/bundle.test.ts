import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCatalogue } from "~/domain/catalogue";
import { attachmentList, describeBundle, resolveBundle } from "~/domain/filing/bundle";

const parsed = parseCatalogue(JSON.parse(readFileSync("catalogue/avc-2026.1.json", "utf8")));
if (!parsed.ok) throw new Error("catalogue invalid");
const catalogue = parsed.catalogue;

describe("what a pratica files", () => {
  it("accepts proceeding codes (asking which usecase when there are several) and usecase codes", () => {
    const ambiguous = resolveBundle(catalogue, ["VICINATO_APERTURA"]);
    expect(ambiguous.refs).toEqual([]);
    expect(ambiguous.choices[0]?.usecases.map((u) => u.code)).toContain("VICINATO_APERTURA_ALIMENTARE");
    const chosen = resolveBundle(catalogue, ["VICINATO_APERTURA"], ["VICINATO_APERTURA_ALIMENTARE"]);
    // The mandatory notifica sanitaria joins the bundle.
    expect(chosen.refs.map((r) => r.usecase.code)).toEqual([
      "VICINATO_APERTURA_ALIMENTARE",
      "NOTIFICA_SANITARIA_REGISTRAZIONE",
    ]);
    expect(resolveBundle(catalogue, ["NOPE"]).unknown).toEqual(["NOPE"]);
  });

  it("describes a bundle: regime, terms, fees for the Comune, routing to the agencies", () => {
    const { refs } = resolveBundle(catalogue, ["VICINATO_APERTURA_ALIMENTARE"]);
    const b = describeBundle(catalogue, refs, "050039");
    expect(b.regime).toBe("SCIA_UNICA");
    expect(b.workflowInput).toMatchObject({ regime: "scia_unica", termDays: 60 });
    expect(b.fees.totalCents).toBeGreaterThan(0);
    expect(b.routing[0]?.competentAdministration?.code).toBe("050039");
    expect(b.routing[0]?.agencies.map((a) => a.code)).toContain("ASL-TNO");
    expect(b.desk?.code).toBe("SUAP-AVC");
  });

  it("pins the Comune's patron days into the pratica's calendar, and only that Comune's", () => {
    const json = JSON.parse(readFileSync("catalogue/avc-2026.1.json", "utf8"));
    const volterra = json.municipalities.find((m: { istat: string }) => m.istat === "050039");
    volterra.patronDays = [{ date: "06-05", name: "San Giusto", note: "esempio di prova" }];
    const withPatron = parseCatalogue(json);
    if (!withPatron.ok) throw new Error(JSON.stringify(withPatron.errors));
    const { refs } = resolveBundle(withPatron.catalogue, ["VICINATO_APERTURA_NON_ALIMENTARE"]);
    expect(describeBundle(withPatron.catalogue, refs, "050039").workflowInput.calendar.patronDays).toEqual([
      "06-05",
    ]);
    // Pomarance does not keep Volterra's holiday.
    expect(describeBundle(withPatron.catalogue, refs, "050027").workflowInput.calendar.patronDays).toEqual(
      [],
    );
  });

  it("lists the attachments the answers require, the power of attorney only for an intermediary", () => {
    const { refs } = resolveBundle(catalogue, ["VICINATO_APERTURA_NON_ALIMENTARE"]);
    const own = attachmentList(refs, { ruolo_dichiarante: "TITOLARE" });
    expect(own.filter((a) => a.required).map((a) => a.attachment.code)).toEqual([
      "DOC_IDENTITA",
      "PLANIMETRIA",
      "RICEVUTA_DIRITTI",
    ]);
    const agent = attachmentList(refs, { ruolo_dichiarante: "INTERMEDIARIO" });
    expect(agent.filter((a) => a.required).map((a) => a.attachment.code)).toContain("PROCURA_SPECIALE");
  });
});
