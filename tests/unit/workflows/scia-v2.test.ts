/**
 * scia@2: the office records the positive end of the checks before the term (CONCLUDE_CHECKS, issue 12),
 * with its outgoing communication and the SSU end state ended_by_positive_outcome. scia@1 stays registered
 * and unchanged for the pratiche filed on it.
 */
import { describe, expect, it } from "vitest";
import { allowedEvents, registry, sciaV1, sciaV2, step } from "../../../workflows/index";
import { inputFor, ofType, refused, run, submitted } from "./helpers";

const scia = inputFor("scia", 60);
const sciaUnica = inputFor("scia_unica", 60);
// 2026-03-02 + 60 = 05-01 (Labour Day) -> Sat 05-02
const FINAL = "2026-05-02";

describe("scia@2: positive end of the checks before the term", () => {
  it("new SCIA and SCIA unica filings start on scia@2; scia@1 stays reachable", () => {
    // scia@3 (office cancellation, tests/unit/workflows/office-cancel.test.ts) is built from scia@2 and is current
    expect(registry.current("scia").key).toBe("scia@3");
    expect(registry.current("scia_unica").key).toBe("scia@3");
    expect(registry.get("scia", 1)).toBe(sciaV1);
  });

  it("closes the SCIA positively: provvedimento and outgoing protocol, mail, term cancelled, SSU end state", () => {
    const r = run(sciaV2, scia, [
      ...submitted("2026-03-02"),
      { type: "CONCLUDE_CHECKS", at: "2026-03-20", reasons: "Requisiti verificati" },
    ]);
    expect(r.last).toMatchObject({
      status: "effective",
      ssu: "ended_by_positive_outcome",
      ended: true,
      final: false,
    });
    expect(r.snapshot.value).toBe("checks_concluded");
    expect(r.snapshot.context.decision).toEqual({
      outcome: "checks_passed",
      reasons: "Requisiti verificati",
      at: "2026-03-20",
    });
    expect(ofType(r.last.effects, "document")).toEqual([
      {
        type: "document",
        kind: "provvedimento",
        protocol: "out",
        data: { outcome: "positive", reasons: "Requisiti verificati" },
      },
    ]);
    expect(ofType(r.last.effects, "protocol")).toEqual([
      { type: "protocol", direction: "out", subject: "Conclusione positiva dei controlli sulla SCIA" },
    ]);
    expect(ofType(r.last.effects, "notify")).toEqual([
      { type: "notify", template: "end_by_positive_outcome", to: ["applicant"] },
    ]);
    expect(ofType(r.last.effects, "deadline.cancel").map((e) => e.name)).toEqual(["final"]);
    expect(r.last.dueDates).toEqual({ agencies: {}, other: {} });
    // the term's timer would find nothing to do: the SCIA is no longer being checked
    expect(refused(sciaV2, r, { type: "SCIA_CHECK_PERIOD_ENDED", at: FINAL })).toMatch(/non è ammesso/);
    const a = run(sciaV2, scia, [{ type: "ARCHIVE", at: "2026-03-21" }], r);
    expect(a.last).toMatchObject({ status: "archived", final: true });
  });

  it("is allowed up to the last day of the term, refused after it with a sentence that says why", () => {
    const r = run(sciaV2, scia, submitted("2026-03-02"));
    expect(step(sciaV2, r.snapshot, { type: "CONCLUDE_CHECKS", at: FINAL })).toMatchObject({
      accepted: true,
      ssu: "ended_by_positive_outcome",
    });
    expect(refused(sciaV2, r, { type: "CONCLUDE_CHECKS", at: "2026-05-03" })).toMatch(
      /^Conclusione positiva dei controlli sulla SCIA: I controlli si possono chiudere con esito positivo solo entro il termine/,
    );
  });

  it("waits for the agencies: refused while one is pending, allowed after a favourable opinion", () => {
    const r = run(sciaV2, sciaUnica, [
      ...submitted("2026-03-02"),
      {
        type: "FORWARD_TO_AGENCIES",
        at: "2026-03-02",
        agencies: [
          { agencyId: "asl", termDays: 30 },
          { agencyId: "vvf", termDays: 30 },
        ],
      },
      { type: "AGENCY_CONCLUSION", at: "2026-03-10", agencyId: "asl", outcome: "positive" },
    ]);
    expect(refused(sciaV2, r, { type: "CONCLUDE_CHECKS", at: "2026-03-11" })).toMatch(/nessun ente terzo/);
    expect(allowedEvents(sciaV2, r.snapshot, { at: "2026-03-11" })).not.toContain("CONCLUDE_CHECKS");
    const both = run(
      sciaV2,
      sciaUnica,
      [{ type: "AGENCY_TERM_EXPIRED", at: r.last.dueDates.agencies.vvf!, agencyId: "vvf" }],
      r,
    );
    expect(allowedEvents(sciaV2, both.snapshot)).toContain("CONCLUDE_CHECKS");
    const end = run(sciaV2, sciaUnica, [{ type: "CONCLUDE_CHECKS", at: "2026-04-10" }], both);
    expect(end.last.ssu).toBe("ended_by_positive_outcome");
    // the agencies hear of the outcome too
    expect(ofType(end.last.effects, "notify")[0].to).toEqual([
      "applicant",
      { agencyId: "asl" },
      { agencyId: "vvf" },
    ]);
  });

  it("is refused when an agency proposed a prohibition or conformation: the office must act on it", () => {
    for (const outcome of ["negative", "conformation"] as const) {
      const r = run(sciaV2, sciaUnica, [
        ...submitted("2026-03-02"),
        { type: "FORWARD_TO_AGENCIES", at: "2026-03-02", agencies: [{ agencyId: "asl", termDays: 30 }] },
        { type: "AGENCY_CONCLUSION", at: "2026-03-10", agencyId: "asl", outcome, reasons: "r" },
      ]);
      expect(refused(sciaV2, r, { type: "CONCLUDE_CHECKS", at: "2026-03-11" })).toMatch(
        /divieto o conformazione/,
      );
    }
  });

  it("is offered only while checking: not during regularisation or an integration request", () => {
    const base = run(sciaV2, scia, submitted("2026-03-02"));
    expect(allowedEvents(sciaV2, base.snapshot)).toContain("CONCLUDE_CHECKS");
    const corr = run(sciaV2, scia, [{ type: "REQUEST_CORRECTION", at: "2026-03-03" }], base);
    expect(allowedEvents(sciaV2, corr.snapshot)).not.toContain("CONCLUDE_CHECKS");
    const integ = run(
      sciaV2,
      scia,
      [{ type: "SEND_INTEGRATION_REQUEST", at: "2026-03-03", items: ["planimetria"] }],
      base,
    );
    expect(refused(sciaV2, integ, { type: "CONCLUDE_CHECKS", at: "2026-03-04" })).toMatch(/non è ammesso/);
    // after the answer the checks can end positively
    const back = run(sciaV2, scia, [{ type: "INTEGRATION_RECEIVED", at: "2026-03-10" }], integ);
    expect(allowedEvents(sciaV2, back.snapshot)).toContain("CONCLUDE_CHECKS");
  });

  it("a pratica filed on scia@1 keeps scia@1's rules: the event is refused there", () => {
    const old = run(sciaV1, scia, submitted("2026-03-02"));
    expect(old.snapshot.machine).toBe("scia@1");
    expect(allowedEvents(sciaV1, old.snapshot)).not.toContain("CONCLUDE_CHECKS");
    expect(refused(sciaV1, old, { type: "CONCLUDE_CHECKS", at: "2026-03-20" })).toMatch(/non è ammesso/);
    // and scia@2 refuses to run a scia@1 snapshot
    expect(step(sciaV2, old.snapshot, { type: "CONCLUDE_CHECKS", at: "2026-03-20" }).accepted).toBe(false);
  });

  it("scia@2 behaves as scia@1 on every path that does not use the new event", () => {
    const events = [
      ...submitted("2026-03-02"),
      {
        type: "FORWARD_TO_AGENCIES" as const,
        at: "2026-03-03",
        agencies: [{ agencyId: "asl", termDays: 20 }],
      },
      { type: "AGENCY_CONCLUSION" as const, at: "2026-03-12", agencyId: "asl", outcome: "positive" as const },
      { type: "SCIA_CHECK_PERIOD_ENDED" as const, at: FINAL },
    ];
    const v1 = run(sciaV1, scia, events);
    const v2 = run(sciaV2, scia, events);
    expect(v2.effects).toEqual(v1.effects);
    expect(v2.statuses).toEqual(v1.statuses);
    expect({ ...v2.snapshot, machine: "x" }).toEqual({ ...v1.snapshot, machine: "x" });
  });
});
