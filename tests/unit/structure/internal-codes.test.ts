import { describe, expect, it } from "vitest";
import { findCodes, internalCodes } from "../../e2e/support/internal-codes";

// The list the journey walk (tests/e2e/walk.spec.ts) checks every page and PDF against (issue 12).
describe("internal codes a person must never read", () => {
  const codes = internalCodes();

  it("are built from the sources: events, records, statuses, deadlines, states and the catalogue", () => {
    for (const c of [
      "ASSIGN",
      "SEND_INTEGRATION_REQUEST",
      "in_review",
      "denied",
      "integration",
      "checking.presented",
      "dich_pec",
      "IMPRESA_INDIVIDUALE",
      "050039",
      "DOC_IDENTITA",
      "max_gg_concl_send",
      "checks_passed",
    ]) {
      expect(codes, c).toContain(c);
    }
    // an Italian word that is also an outcome code is left to the text
    expect(codes).not.toContain("divieto");
  });

  it("are found as whole tokens in text, and plain Italian passes", () => {
    expect(findCodes("Stato denied · Scadenza (agency:ASL-TNO) · ASSIGN", codes)).toEqual([
      "ASSIGN",
      "agency:ASL-TNO",
      "denied",
    ]);
    expect(findCodes("Stato della procedura: checking.presented", codes)).toEqual(["checking.presented"]);
    expect(findCodes("dich_pec: true · Comune 050039", codes)).toEqual(["050039", "dich_pec"]);
    expect(
      findCodes(
        "Archiviata — attività vietata. Termine di conclusione del procedimento (al più tardi): 12/01/2027. " +
          "CUI SUAP-050039-2026-ABCD · https://portale.test/catalogo/VICINATO_APERTURA · pratica_id",
        codes,
      ),
    ).toEqual([]);
  });
});
