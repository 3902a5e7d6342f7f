/**
 * Every path of the SSU reference flows (specs/ssu/bpmn: workflow-scia-semplice, workflow-autorizzazione-domanda,
 * workflow-scia-in-comunica_v2) replayed on the pure step(). Dates were computed by hand; see comments.
 */
import { describe, expect, it } from "vitest";
import { autorizzazioneV1, sciaV1, step } from "../../../workflows/index";
import { inputFor, ofType, refused, run, submitted } from "./helpers";

const scia = inputFor("scia", 60);
const sciaUnica = inputFor("scia_unica", 60);
const aut = inputFor("autorizzazione", 60);

describe("SCIA semplice (workflow-scia-semplice.bpmn)", () => {
  it("receipt at once: protocol in, ricevuta, final due date on it", () => {
    const r = run(sciaV1, scia, submitted("2026-03-02"));
    expect(r.statuses).toEqual(["submitted", "in_review"]);
    expect(r.effects[0]).toEqual([{ type: "protocol", direction: "in", subject: "Presentazione pratica" }]);
    // 2026-03-02 + 60 = 05-01 (Labour Day) -> Sat 05-02
    expect(r.last.dueDates.final).toBe("2026-05-02");
    expect(ofType(r.effects[1], "document")[0]).toMatchObject({
      kind: "ricevuta",
      data: { finalDue: "2026-05-02" },
    });
    expect(ofType(r.effects[1], "deadline.set")).toEqual([
      { type: "deadline.set", name: "final", due: "2026-05-02", event: "SCIA_CHECK_PERIOD_ENDED" },
    ]);
    expect(r.last.ssu).toBe("presented");
  });

  it("Verifica procedibilità KO -> rigetto pratica (ended_by_instance_refused)", () => {
    const r = run(sciaV1, scia, [
      ...submitted("2026-03-02"),
      { type: "REFUSE_INADMISSIBLE", at: "2026-03-04", reasons: "x" },
    ]);
    expect(r.last).toMatchObject({
      status: "inadmissible",
      ssu: "ended_by_instance_refused",
      ended: true,
      final: false,
    });
    expect(ofType(r.last.effects, "document")[0].kind).toBe("dichiarazione_irricevibilita");
    expect(ofType(r.last.effects, "deadline.cancel").map((e) => e.name)).toEqual(["final"]);
    const a = run(sciaV1, scia, [{ type: "ARCHIVE", at: "2026-03-05" }], r);
    expect(a.last).toMatchObject({ status: "archived", final: true });
    expect(refused(sciaV1, a, { type: "CANCEL", at: "2026-03-06" })).toMatch(/archiviata/);
  });

  it("regolarizzazione: Fermo tempi, then Reset tempi procedimento on receipt", () => {
    const r = run(sciaV1, scia, [
      ...submitted("2026-03-02"),
      { type: "REQUEST_CORRECTION", at: "2026-03-04", items: ["firma"] },
    ]);
    expect(r.last.status).toBe("correction_requested");
    expect(r.last.dueDates.final).toBeUndefined(); // interrupted
    // correction due 03-04 + 10 = 03-14 (Sat)
    expect(r.last.dueDates.other.correction).toBe("2026-03-14");
    expect(ofType(r.last.effects, "deadline.cancel")).toEqual([{ type: "deadline.cancel", name: "final" }]);
    const c = run(sciaV1, scia, [{ type: "CORRECTED", at: "2026-03-12" }], r);
    // reset: 2026-03-12 + 60 = 2026-05-11 (Mon)
    expect(c.last).toMatchObject({ status: "in_review", ssu: "corrected" });
    expect(c.last.dueDates.final).toBe("2026-05-11");
    expect(ofType(c.last.effects, "deadline.set")[0]).toMatchObject({ name: "final", due: "2026-05-11" });
  });

  it("t max regolarizzazione: inadmissible only after the correction term", () => {
    const r = run(sciaV1, scia, [
      ...submitted("2026-03-02"),
      { type: "REQUEST_CORRECTION", at: "2026-03-04" },
    ]);
    expect(refused(sciaV1, r, { type: "REFUSE_INADMISSIBLE", at: "2026-03-13", reasons: "x" })).toMatch(
      /non è ancora scaduto/,
    );
    const k = run(sciaV1, scia, [{ type: "REFUSE_INADMISSIBLE", at: "2026-03-14", reasons: "x" }], r);
    expect(k.last.status).toBe("inadmissible");
  });

  it("trasmissione per controllo -> richieste ET merged -> integrazione -> esito positivo -> t a finire", () => {
    const r = run(sciaV1, scia, [
      ...submitted("2026-03-02"),
      {
        type: "FORWARD_TO_AGENCIES",
        at: "2026-03-03",
        agencies: [
          { agencyId: "asl", termDays: 30 },
          { agencyId: "vvf", termDays: 30 },
        ],
      },
    ]);
    expect(r.last.status).toBe("awaiting_opinions");
    // 03-03 + 30 = 04-02 (Thu); integration requests window 03-03 + 15 = 03-18
    expect(r.last.dueDates.agencies).toEqual({ asl: "2026-04-02", vvf: "2026-04-02" });
    expect(r.last.dueDates.other.integration_requests).toBe("2026-03-18");

    const i = run(
      sciaV1,
      scia,
      [
        { type: "AGENCY_REQUESTS_INTEGRATION", at: "2026-03-10", agencyId: "asl", items: ["planimetria"] },
        {
          type: "AGENCY_REQUESTS_INTEGRATION",
          at: "2026-03-12",
          agencyId: "vvf",
          items: ["relazione antincendio"],
        },
        { type: "SEND_INTEGRATION_REQUEST", at: "2026-03-13", answerDays: 20 },
      ],
      r,
    );
    expect(i.last).toMatchObject({ status: "integration_requested", suspended: true });
    const doc = ofType(i.last.effects, "document")[0];
    expect(doc.kind).toBe("richiesta_integrazione");
    expect(((doc.data?.requests ?? []) as { from: string }[]).map((x) => x.from)).toEqual(["asl", "vvf"]);
    expect(
      ofType(i.last.effects, "deadline.suspend")
        .map((e) => e.name)
        .sort(),
    ).toEqual(["agency:asl", "agency:vvf", "final"]);
    // answer due 03-13 + 20 = 04-02 (Thu); final at the latest 03-02 + 60 + 20 = 05-21 (Thu)
    expect(i.last.dueDates.integration).toBe("2026-04-02");
    expect(i.last.dueDates.final).toBe("2026-05-21");
    expect(ofType(i.last.effects, "deadline.set")).toContainEqual({
      type: "deadline.set",
      name: "integration",
      due: "2026-04-02",
      event: "INTEGRATION_TERM_EXPIRED",
    });
    // a second agency request after the merged one went out is refused
    expect(
      refused(sciaV1, i, {
        type: "AGENCY_REQUESTS_INTEGRATION",
        at: "2026-03-14",
        agencyId: "asl",
        items: ["y"],
      }),
    ).not.toBe("");

    const g = run(sciaV1, scia, [{ type: "INTEGRATION_RECEIVED", at: "2026-03-23" }], i);
    // stopped 10 days: final 03-02 + 70 = 05-11 (Mon); agencies 04-02 + 10 = 04-12 (Sun) -> 04-13
    expect(g.last).toMatchObject({ status: "in_review", ssu: "integrated", suspended: false });
    expect(ofType(g.last.effects, "deadline.resume")).toEqual(
      expect.arrayContaining([
        { type: "deadline.resume", name: "final", due: "2026-05-11" },
        { type: "deadline.resume", name: "agency:asl", due: "2026-04-13" },
        { type: "deadline.resume", name: "agency:vvf", due: "2026-04-13" },
      ]),
    );
    expect(ofType(g.last.effects, "deadline.cancel")).toEqual([
      { type: "deadline.cancel", name: "integration" },
    ]);
    // art. 2 c.7: never a second integration suspension
    expect(
      refused(sciaV1, g, { type: "SEND_INTEGRATION_REQUEST", at: "2026-03-24", items: ["altro"] }),
    ).toMatch(/una sola volta/);

    const e = run(
      sciaV1,
      scia,
      [
        { type: "AGENCY_CONCLUSION", at: "2026-04-01", agencyId: "asl", outcome: "positive" },
        { type: "AGENCY_CONCLUSION", at: "2026-04-10", agencyId: "vvf", outcome: "positive" },
      ],
      g,
    );
    expect(e.statuses).toEqual(["in_review", "in_review"]);
    expect(e.last.dueDates.agencies).toEqual({});
    expect(refused(sciaV1, e, { type: "SCIA_CHECK_PERIOD_ENDED", at: "2026-05-10" })).toMatch(
      /non è ancora scaduto/,
    );
    const end = run(sciaV1, scia, [{ type: "SCIA_CHECK_PERIOD_ENDED", at: "2026-05-11" }], e);
    expect(end.last).toMatchObject({
      status: "effective",
      ssu: "ended_by_proceeding_time_expired",
      ended: true,
    });
    // the final timer fired: nothing left to cancel, no dates left
    expect(end.last.dueDates).toEqual({ agencies: {}, other: {} });
  });

  it("timeout integrazione -> Diniego per assenza integrazione", () => {
    const r = run(sciaV1, scia, [
      ...submitted("2026-03-02"),
      { type: "SEND_INTEGRATION_REQUEST", at: "2026-03-05", items: ["visura"] },
    ]);
    // default answer days = max_gg_int_resp 30: 03-05 + 30 = 04-04 (Sat)
    expect(r.last.dueDates.integration).toBe("2026-04-04");
    expect(refused(sciaV1, r, { type: "INTEGRATION_TERM_EXPIRED", at: "2026-04-03" })).not.toBe("");
    expect(refused(sciaV1, r, { type: "INTEGRATION_RECEIVED", at: "2026-04-05" })).toMatch(
      /oltre il termine/,
    );
    const x = run(sciaV1, scia, [{ type: "INTEGRATION_TERM_EXPIRED", at: "2026-04-04" }], r);
    expect(x.last).toMatchObject({
      status: "integration_expired",
      ssu: "ended_by_integration_times_expired",
    });
    expect(ofType(x.last.effects, "deadline.cancel").map((e) => e.name)).toEqual(["final"]);
  });

  it("esito controllo negativo at the term -> ended_by_suspension_requested", () => {
    const r = run(sciaV1, scia, [
      ...submitted("2026-03-02"),
      { type: "FORWARD_TO_AGENCIES", at: "2026-03-02", agencies: [{ agencyId: "asl", termDays: 40 }] },
      {
        type: "AGENCY_CONCLUSION",
        at: "2026-04-01",
        agencyId: "asl",
        outcome: "negative",
        reasons: "requisiti",
      },
      { type: "SCIA_CHECK_PERIOD_ENDED", at: "2026-05-02" },
    ]);
    expect(r.last).toMatchObject({ status: "denied", ssu: "ended_by_suspension_requested" });
    expect(ofType(r.last.effects, "document")[0]).toMatchObject({
      kind: "provvedimento",
      data: { outcome: "divieto" },
    });
  });

  it("conformazione requested by an agency at the term, then measures restart the term", () => {
    const r = run(sciaV1, scia, [
      ...submitted("2026-03-02"),
      { type: "FORWARD_TO_AGENCIES", at: "2026-03-02", agencies: [{ agencyId: "asl", termDays: 40 }] },
      {
        type: "AGENCY_CONCLUSION",
        at: "2026-04-01",
        agencyId: "asl",
        outcome: "conformation",
        reasons: "lavabo",
      },
      { type: "SCIA_CHECK_PERIOD_ENDED", at: "2026-05-02" },
    ]);
    expect(r.last).toMatchObject({
      status: "conformation_requested",
      ssu: "ended_by_conformation_requested",
    });
    // conformation term = conformation_min_days 30: 05-02 + 30 = 06-01 (Mon)
    expect(r.last.dueDates.other.conformation).toBe("2026-06-01");
    const c = run(sciaV1, scia, [{ type: "CONFORMED", at: "2026-05-20" }], r);
    // 2026-05-20 + 60 = 2026-07-19 (Sun) -> Mon 07-20
    expect(c.last).toMatchObject({ status: "in_review", dueDates: { final: "2026-07-20" } });
  });

  it("officer orders conformation (>= 30 days), no measures -> the activity is prohibited", () => {
    const base = run(sciaV1, scia, submitted("2026-03-02"));
    expect(
      refused(sciaV1, base, { type: "REQUEST_CONFORMATION", at: "2026-04-01", termDays: 20, reasons: "x" }),
    ).toMatch(/almeno 30 giorni/);
    const r = run(
      sciaV1,
      scia,
      [{ type: "REQUEST_CONFORMATION", at: "2026-04-01", termDays: 30, reasons: "x" }],
      base,
    );
    // 04-01 + 30 = 05-01 (holiday) -> 05-02 (Sat)
    expect(r.last.dueDates.other.conformation).toBe("2026-05-02");
    expect(r.last.dueDates.final).toBeUndefined();
    const p = run(sciaV1, scia, [{ type: "CONFORMATION_TERM_EXPIRED", at: "2026-05-02" }], r);
    expect(p.last.status).toBe("denied");
  });

  it("after the 60 days the office can no longer prohibit (only autotutela)", () => {
    const base = run(sciaV1, scia, submitted("2026-03-02"));
    expect(refused(sciaV1, base, { type: "DENY", at: "2026-05-03", reasons: "tardi" })).toMatch(/scaduto/);
    expect(run(sciaV1, scia, [{ type: "DENY", at: "2026-05-02", reasons: "ok" }], base).last.status).toBe(
      "denied",
    );
  });

  it("SubmitterCancel: withdrawal at any stage before the outcome", () => {
    const r = run(sciaV1, scia, [
      ...submitted("2026-03-02"),
      { type: "FORWARD_TO_AGENCIES", at: "2026-03-02", agencies: [{ agencyId: "asl", termDays: 30 }] },
      { type: "CANCEL", at: "2026-03-05" },
    ]);
    expect(r.last).toMatchObject({ status: "cancelled", ssu: "ended_by_submitter_cancel_requested" });
    expect(ofType(r.last.effects, "notify")[0].to).toEqual(["applicant", "desk", { agencyId: "asl" }]);
    expect(
      ofType(r.last.effects, "deadline.cancel")
        .map((e) => e.name)
        .sort(),
    ).toEqual(["agency:asl", "final", "integration_requests"]);
  });
});

describe("SCIA in ComUnica / SCIA unica (workflow-scia-in-comunica_v2.bpmn)", () => {
  const forwardAll = {
    type: "FORWARD_TO_AGENCIES" as const,
    at: "2026-03-02",
    agencies: [
      { agencyId: "asl", termDays: 60 },
      { agencyId: "arpat", termDays: 60 },
    ],
  };

  it("forwarded at once; agencies' deadlines at least 5 days before the 60-day term", () => {
    const r = run(sciaV1, sciaUnica, [...submitted("2026-03-02"), forwardAll]);
    // final raw 05-01; cap 04-26 (Sun) -> 04-25 (Sat, holiday) -> Fri 04-24
    expect(r.last.dueDates.agencies).toEqual({ asl: "2026-04-24", arpat: "2026-04-24" });
    expect(ofType(r.last.effects, "document")[0].kind).toBe("inoltro_enti");
  });

  it("a prohibition proposed by one office ends the SCIA at the term (end_by_suspension_requested)", () => {
    const r = run(sciaV1, sciaUnica, [
      ...submitted("2026-03-02"),
      forwardAll,
      {
        type: "AGENCY_CONCLUSION",
        at: "2026-04-20",
        agencyId: "arpat",
        outcome: "negative",
        reasons: "rumore",
      },
      { type: "AGENCY_TERM_EXPIRED", at: "2026-04-24", agencyId: "asl" },
    ]);
    expect(r.statuses.slice(-2)).toEqual(["awaiting_opinions", "in_review"]);
    const end = run(sciaV1, sciaUnica, [{ type: "SCIA_CHECK_PERIOD_ENDED", at: "2026-05-02" }], r);
    expect(end.last.ssu).toBe("ended_by_suspension_requested");
  });

  it("a late proposal is recorded but flagged", () => {
    const r = run(sciaV1, sciaUnica, [
      ...submitted("2026-03-02"),
      forwardAll,
      { type: "AGENCY_CONCLUSION", at: "2026-04-28", agencyId: "asl", outcome: "positive" },
    ]);
    expect(r.snapshot.context.agencies.asl).toMatchObject({ status: "concluded", late: true });
  });

  it("unknown agency or unknown event never throws", () => {
    const r = run(sciaV1, sciaUnica, [...submitted("2026-03-02"), forwardAll]);
    expect(
      refused(sciaV1, r, {
        type: "AGENCY_CONCLUSION",
        at: "2026-03-05",
        agencyId: "nope",
        outcome: "positive",
      }),
    ).toMatch(/ente terzo/);
    const bad = step(sciaV1, r.snapshot, { type: "NOPE", at: "2026-03-05" } as never);
    expect(bad.accepted).toBe(false);
  });
});

describe("Autorizzazione domanda (workflow-autorizzazione-domanda.bpmn)", () => {
  it("pratica irricevibile", () => {
    const r = run(autorizzazioneV1, aut, [
      ...submitted("2026-03-02"),
      { type: "REFUSE_INADMISSIBLE", at: "2026-03-03", reasons: "x" },
    ]);
    expect(r.last.ssu).toBe("ended_by_instance_refused");
  });

  it("CdSA: one opinion, then explicit grant (end_by_positive_outcome)", () => {
    const r = run(autorizzazioneV1, aut, [
      ...submitted("2026-03-02"),
      {
        type: "FORWARD_TO_AGENCIES",
        at: "2026-03-03",
        agencies: [{ agencyId: "urbanistica", termDays: 30 }],
      },
      { type: "AGENCY_CONCLUSION", at: "2026-03-20", agencyId: "urbanistica", outcome: "positive" },
      { type: "GRANT", at: "2026-03-25" },
    ]);
    expect(r.statuses).toEqual(["submitted", "in_review", "awaiting_opinions", "in_review", "granted"]);
    expect(r.last.ssu).toBe("ended_by_positive_outcome");
    expect(ofType(r.last.effects, "document")[0]).toMatchObject({
      kind: "provvedimento",
      data: { outcome: "positive" },
    });
    // the final deadline of an explicit-decision procedure is a reminder, not an outcome
    expect(ofType(r.effects[1], "deadline.set")[0]).toMatchObject({ name: "final", event: null });
  });

  it("CdS (two administrations): cdss_convened; a silent agency counts as assent", () => {
    const r = run(autorizzazioneV1, aut, [
      ...submitted("2026-03-02"),
      {
        type: "FORWARD_TO_AGENCIES",
        at: "2026-03-03",
        agencies: [
          { agencyId: "asl", termDays: 30 },
          { agencyId: "soprintendenza", termDays: 30 },
        ],
      },
    ]);
    expect(r.last).toMatchObject({ status: "awaiting_opinions", ssu: "cdss_convened" });
    expect(ofType(r.last.effects, "document")[0].kind).toBe("indizione_conferenza");
    expect(refused(autorizzazioneV1, r, { type: "GRANT", at: "2026-03-10" })).toMatch(/ancora attesi/);
    const g = run(
      autorizzazioneV1,
      aut,
      [
        { type: "AGENCY_CONCLUSION", at: "2026-03-20", agencyId: "asl", outcome: "positive" },
        { type: "AGENCY_TERM_EXPIRED", at: "2026-04-02", agencyId: "soprintendenza" },
        { type: "GRANT", at: "2026-04-03" },
      ],
      r,
    );
    expect(g.last.status).toBe("granted");
  });

  it("negative opinion -> 10-bis notice -> observations on day 8 -> denial", () => {
    const r = run(autorizzazioneV1, aut, [
      ...submitted("2026-03-02"),
      { type: "FORWARD_TO_AGENCIES", at: "2026-03-03", agencies: [{ agencyId: "asl", termDays: 20 }] },
      {
        type: "AGENCY_CONCLUSION",
        at: "2026-03-20",
        agencyId: "asl",
        outcome: "negative",
        reasons: "igiene",
      },
    ]);
    expect(refused(autorizzazioneV1, r, { type: "GRANT", at: "2026-03-21" })).toMatch(/parere negativo/);
    expect(refused(autorizzazioneV1, r, { type: "DENY", at: "2026-03-21", reasons: "x" })).toMatch(/10-bis/);
    const n = run(
      autorizzazioneV1,
      aut,
      [{ type: "NOTICE_OF_REFUSAL", at: "2026-04-01", reasons: "igiene" }],
      r,
    );
    // observations due 04-01 + 10 = 04-11 (Sat)
    expect(n.last).toMatchObject({ status: "refusal_notice", suspended: true });
    expect(n.last.dueDates.other.observations).toBe("2026-04-11");
    expect(refused(autorizzazioneV1, n, { type: "DENY", at: "2026-04-02", reasons: "x" })).not.toBe("");
    const o = run(autorizzazioneV1, aut, [{ type: "OBSERVATIONS_RECEIVED", at: "2026-04-09" }], n);
    // resumes 04-19: stopped 18 days; 03-02 + 60 + 18 = 05-19 (Tue)
    expect(o.last.dueDates.final).toBe("2026-05-19");
    const d = run(autorizzazioneV1, aut, [{ type: "DENY", at: "2026-04-20", reasons: "igiene" }], o);
    expect(d.last).toMatchObject({ status: "denied", ssu: "ended_by_negative_outcome" });
  });

  it("10-bis without observations: the term resumes when the window ends", () => {
    const n = run(autorizzazioneV1, aut, [
      ...submitted("2026-03-02"),
      { type: "NOTICE_OF_REFUSAL", at: "2026-04-01", reasons: "x" },
    ]);
    expect(refused(autorizzazioneV1, n, { type: "OBSERVATIONS_RECEIVED", at: "2026-04-12" })).toMatch(
      /oltre/,
    );
    expect(refused(autorizzazioneV1, n, { type: "OBSERVATIONS_TERM_EXPIRED", at: "2026-04-10" })).not.toBe(
      "",
    );
    const e = run(autorizzazioneV1, aut, [{ type: "OBSERVATIONS_TERM_EXPIRED", at: "2026-04-12" }], n);
    // stopped 04-01 .. 04-11 = 10 days: 03-02 + 70 = 05-11 (Mon)
    expect(e.last.dueDates.final).toBe("2026-05-11");
    expect(ofType(e.last.effects, "deadline.resume")).toEqual([
      { type: "deadline.resume", name: "final", due: "2026-05-11" },
    ]);
  });

  it("richieste ET merged, integrazione non pervenuta -> diniego per assenza integrazione", () => {
    const r = run(autorizzazioneV1, aut, [
      ...submitted("2026-03-02"),
      {
        type: "FORWARD_TO_AGENCIES",
        at: "2026-03-03",
        agencies: [
          { agencyId: "asl", termDays: 45 },
          { agencyId: "arpat", termDays: 45 },
        ],
      },
      {
        type: "AGENCY_REQUESTS_INTEGRATION",
        at: "2026-03-10",
        agencyId: "arpat",
        items: ["valutazione acustica"],
      },
      { type: "SEND_INTEGRATION_REQUEST", at: "2026-03-19", answerDays: 10 },
    ]);
    // the agencies' window (03-03 + 15 = 03-18) is closed by the merged request
    expect(r.last.dueDates.other).toEqual({});
    // 03-19 + 10 = 03-29 (Sun) -> 03-30
    expect(r.last.dueDates.integration).toBe("2026-03-30");
    const x = run(autorizzazioneV1, aut, [{ type: "INTEGRATION_TERM_EXPIRED", at: "2026-03-30" }], r);
    expect(x.last.ssu).toBe("ended_by_integration_times_expired");
  });
});
