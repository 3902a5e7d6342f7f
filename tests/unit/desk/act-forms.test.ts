import { describe, expect, it } from "vitest";
import {
  lines,
  needsConfirmation,
  OFFICER_ACTS,
  parseAgencyAct,
  parseOfficerAct,
} from "~/domain/desk/act-forms";

function form(entries: [string, string][]) {
  const f = new FormData();
  for (const [k, v] of entries) f.append(k, v);
  return f;
}

const AT = "2026-03-10";

describe("desk act forms", () => {
  it("splits items one per line and drops blanks", () => {
    expect(lines(" Planimetria \n\n  Visura camerale\r\n")).toEqual(["Planimetria", "Visura camerale"]);
  });

  it("builds a forward with each agency's own term, dated by the server", () => {
    const parsed = parseOfficerAct(
      form([
        ["act", "FORWARD_TO_AGENCIES"],
        ["agency", "ASL-TNO"],
        ["agency", "ARPAT"],
        ["agency", "ASL-TNO"],
        ["days_ASL-TNO", "60"],
        ["days_ARPAT", "30"],
        ["at", "1999-01-01"],
      ]),
      AT,
    );
    expect(parsed).toEqual({
      ok: true,
      event: {
        type: "FORWARD_TO_AGENCIES",
        at: AT,
        agencies: [
          { agencyId: "ASL-TNO", termDays: 60 },
          { agencyId: "ARPAT", termDays: 30 },
        ],
      },
    });
  });

  it("refuses a forward without agencies or with bad days", () => {
    expect(parseOfficerAct(form([["act", "FORWARD_TO_AGENCIES"]]), AT)).toMatchObject({
      ok: false,
      errors: [{ field: "agency", key: "desk.error.agencies" }],
    });
    const bad = parseOfficerAct(
      form([
        ["act", "FORWARD_TO_AGENCIES"],
        ["agency", "ARPAT"],
        ["days_ARPAT", "0"],
      ]),
      AT,
    );
    expect(bad).toMatchObject({ ok: false, errors: [{ field: "days_ARPAT", key: "desk.error.days" }] });
  });

  it("requires reasons for refusals, notices and denials but not for a grant", () => {
    for (const act of ["REFUSE_INADMISSIBLE", "NOTICE_OF_REFUSAL", "DENY"]) {
      expect(parseOfficerAct(form([["act", act]]), AT)).toMatchObject({
        ok: false,
        errors: [{ field: "reasons", key: "desk.error.reasons" }],
      });
    }
    expect(parseOfficerAct(form([["act", "GRANT"]]), AT)).toEqual({
      ok: true,
      event: { type: "GRANT", at: AT },
    });
    expect(
      parseOfficerAct(
        form([
          ["act", "DENY"],
          ["reasons", "Requisiti mancanti"],
        ]),
        AT,
      ),
    ).toEqual({
      ok: true,
      event: { type: "DENY", at: AT, reasons: "Requisiti mancanti" },
    });
  });

  it("offers the positive end of the SCIA checks, with optional reasons", () => {
    expect(OFFICER_ACTS).toContain("CONCLUDE_CHECKS");
    expect(parseOfficerAct(form([["act", "CONCLUDE_CHECKS"]]), AT)).toEqual({
      ok: true,
      event: { type: "CONCLUDE_CHECKS", at: AT },
    });
    expect(
      parseOfficerAct(
        form([
          ["act", "CONCLUDE_CHECKS"],
          ["reasons", "  Requisiti verificati, parere ASL favorevole "],
        ]),
        AT,
      ),
    ).toEqual({
      ok: true,
      event: { type: "CONCLUDE_CHECKS", at: AT, reasons: "Requisiti verificati, parere ASL favorevole" },
    });
  });

  it("asks a confirmation for prohibition, refusal and inadmissibility only, until confirm=1", () => {
    for (const act of ["DENY", "REFUSE_INADMISSIBLE"]) {
      expect(needsConfirmation(form([["act", act]]))).toBe(true);
      expect(
        needsConfirmation(
          form([
            ["act", act],
            ["confirm", "yes"],
          ]),
        ),
      ).toBe(true);
      expect(
        needsConfirmation(
          form([
            ["act", act],
            ["confirm", "1"],
          ]),
        ),
      ).toBe(false);
    }
    for (const act of ["GRANT", "CONCLUDE_CHECKS", "ARCHIVE", "NOTICE_OF_REFUSAL", ""]) {
      expect(needsConfirmation(form([["act", act]]))).toBe(false);
    }
  });

  it("reads the integration request's days and items, and conformation's term", () => {
    expect(
      parseOfficerAct(
        form([
          ["act", "SEND_INTEGRATION_REQUEST"],
          ["answerDays", "20"],
          ["items", "A\nB"],
        ]),
        AT,
      ),
    ).toEqual({
      ok: true,
      event: { type: "SEND_INTEGRATION_REQUEST", at: AT, answerDays: 20, items: ["A", "B"] },
    });
    expect(
      parseOfficerAct(
        form([
          ["act", "REQUEST_CONFORMATION"],
          ["termDays", "abc"],
          ["reasons", "x"],
        ]),
        AT,
      ),
    ).toMatchObject({
      ok: false,
      errors: [{ field: "termDays" }],
    });
  });

  it("refuses acts that are not the desk's, such as a business's or a timer's", () => {
    for (const act of [
      "SUBMIT",
      "INTEGRATION_RECEIVED",
      "SCIA_CHECK_PERIOD_ENDED",
      "AGENCY_CONCLUSION",
      "",
    ]) {
      expect(parseOfficerAct(form([["act", act]]), AT)).toMatchObject({
        ok: false,
        errors: [{ key: "desk.error.unknownAct" }],
      });
    }
  });

  it("lets an agency speak only with its own code, with reasons unless positive", () => {
    expect(
      parseAgencyAct(
        form([
          ["act", "AGENCY_CONCLUSION"],
          ["outcome", "positive"],
          ["agencyId", "VVF-PI"],
        ]),
        AT,
        "ASL-TNO",
      ),
    ).toEqual({
      ok: true,
      event: { type: "AGENCY_CONCLUSION", at: AT, agencyId: "ASL-TNO", outcome: "positive" },
    });
    expect(
      parseAgencyAct(
        form([
          ["act", "AGENCY_CONCLUSION"],
          ["outcome", "negative"],
        ]),
        AT,
        "ASL-TNO",
      ),
    ).toMatchObject({
      ok: false,
      errors: [{ field: "reasons" }],
    });
    expect(
      parseAgencyAct(
        form([
          ["act", "AGENCY_CONCLUSION"],
          ["outcome", "maybe"],
        ]),
        AT,
        "ASL-TNO",
      ),
    ).toMatchObject({
      ok: false,
      errors: [{ field: "outcome" }],
    });
    expect(
      parseAgencyAct(
        form([
          ["act", "AGENCY_REQUESTS_INTEGRATION"],
          ["items", "Relazione acustica"],
        ]),
        AT,
        "ARPAT",
      ),
    ).toEqual({
      ok: true,
      event: {
        type: "AGENCY_REQUESTS_INTEGRATION",
        at: AT,
        agencyId: "ARPAT",
        items: ["Relazione acustica"],
      },
    });
    expect(parseAgencyAct(form([["act", "GRANT"]]), AT, "ARPAT")).toMatchObject({ ok: false });
  });
});
