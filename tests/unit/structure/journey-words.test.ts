import { describe, expect, it } from "vitest";
import {
  deadlineText,
  eventText,
  finalDueLabel,
  outcomeText,
  statusWithOutcome,
  withTermWords,
} from "~/i18n/modules/words";
import { addAgencyTerm, agencyTermView, startClock } from "../../../workflows/clock";

// Issue 12: the words pages, PDFs and mail share for outcomes, terms and the records of the audit log.
describe("the journey's words", () => {
  it("states how a pratica ended where the status alone does not", () => {
    expect(statusWithOutcome("it", "archived", "prohibited")).toBe("Archiviata — attività vietata");
    expect(statusWithOutcome("it", "denied", "prohibited")).toBe("Respinta — attività vietata");
    expect(statusWithOutcome("it", "granted", "granted")).toBe("Accolta");
    expect(statusWithOutcome("it", "effective", "checks_passed")).toBe("Efficace");
    expect(statusWithOutcome("it", "in_review", null)).toBe("In istruttoria");
    expect(outcomeText("it", "not-an-outcome")).toBe("Esito registrato");
  });

  it("names deadlines, records and term fields in words, never by code", () => {
    const agencies = [{ code: "ASL-TNO", name: "Azienda USL Toscana Nord Ovest" }];
    expect(deadlineText("it", "agency:ASL-TNO", agencies)).toBe("Parere di Azienda USL Toscana Nord Ovest");
    expect(deadlineText("it", "agency:XYZ", agencies)).toBe("Parere di un ente terzo");
    expect(deadlineText("it", "integration")).toBe("Termine per l'integrazione");
    expect(deadlineText("it", "something_new")).toBe("Scadenza");
    expect(eventText("it", "PROTOCOL_ANNUL")).toBe("Annullamento di una registrazione di protocollo");
    expect(finalDueLabel("it", true)).toContain("al più tardi");
    expect(finalDueLabel("it", false)).toBe("Termine di conclusione del procedimento");
    expect(withTermWords("almeno 30 giorni (max_gg_int_resp); max_gg_concl_send = 55; max_gg_nuovo")).toBe(
      "almeno 30 giorni («giorni per rispondere»); «termine per le conclusioni degli enti» = 55; «termine»",
    );
  });

  it("explains an agency's due date capped before the final term (SCIA unica)", () => {
    const cal = { patronDays: [] };
    // 60-day term from 2 March; the agency is given 60 days from 3 March, proposals 5 days before the term
    const clock = addAgencyTerm(startClock("2026-03-02", 60), "ASL-TNO", "2026-03-03", 60, 5);
    const view = agencyTermView(clock, "ASL-TNO", cal)!;
    expect(view.termDays).toBe(60);
    expect(view.due < view.own).toBe(true);
    expect(view.cappedBy).toBe("2026-05-02");
    // without the cap the due date is its own and nothing needs explaining
    const plain = agencyTermView(
      addAgencyTerm(startClock("2026-03-02", 60), "ARPAT", "2026-03-03", 20),
      "ARPAT",
      cal,
    )!;
    expect(plain.cappedBy).toBeNull();
    expect(plain.due).toBe(plain.own);
  });
});
