import { describe, expect, it } from "vitest";
import { esitoXml, readEsito, suggestedOutcome } from "~/server/integrations/pec/steps.server";

describe("the structured outcome of an agency's PEC (esito.xml, ADR 0028)", () => {
  it("reads the three outcomes and the reasons", () => {
    expect(readEsito(esitoXml("favorevole"))).toEqual({ outcome: "positive" });
    expect(readEsito(esitoXml("favorevole_con_prescrizioni", "Aerare i locali & <pulire>"))).toEqual({
      outcome: "conformation",
      reasons: "Aerare i locali & <pulire>",
    });
    expect(readEsito(esitoXml("contrario", "No"))).toEqual({ outcome: "negative", reasons: "No" });
  });

  it("is not an outcome in another namespace, with an unknown value, or when malformed", () => {
    expect(readEsito(esitoXml("favorevole").replace("urn:suap:pec:esito:1", "urn:altro"))).toBeNull();
    expect(
      readEsito('<EsitoParere xmlns="urn:suap:pec:esito:1"><Esito>forse</Esito></EsitoParere>'),
    ).toBeNull();
    expect(readEsito("<EsitoParere")).toBeNull();
    expect(readEsito("non è xml")).toBeNull();
  });

  it("suggests (never decides) from words in so many words, the negative first", () => {
    expect(suggestedOutcome("Parere NON favorevole")).toBe("negative");
    expect(suggestedOutcome("Parere contrario")).toBe("negative");
    expect(suggestedOutcome("Parere favorevole con prescrizioni")).toBe("conformation");
    expect(suggestedOutcome("Parere favorevole")).toBe("positive");
    expect(suggestedOutcome("Trasmissione documenti")).toBeNull();
  });
});
