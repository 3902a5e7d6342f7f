import { describe, expect, it } from "vitest";
import { toMermaid } from "../../../scripts/workflows-diagram";
import {
  allowedEvents,
  comunicazioneV1,
  describe as describeState,
  eventActors,
  eventTypes,
  registry,
  sciaCondizionataV1,
  sciaV1,
  silenzioAssensoV1,
  step,
} from "../../../workflows/index";
import { inputFor, ofType, refused, run, submitted } from "./helpers";

describe("comunicazione", () => {
  const input = inputFor("comunicazione", 0);
  it("is effective on filing, with the receipt and no deadline", () => {
    const r = run(comunicazioneV1, input, submitted("2026-03-02"));
    expect(r.last).toMatchObject({ status: "effective", ended: true, final: false, suspended: false });
    expect(ofType(r.last.effects, "document").map((d) => d.kind)).toEqual(["ricevuta"]);
    expect(ofType(r.last.effects, "deadline.set")).toEqual([]);
    expect(allowedEvents(comunicazioneV1, r.snapshot)).toEqual(["REFUSE_INADMISSIBLE", "ARCHIVE"]);
  });
});

describe("silenzio-assenso", () => {
  const input = inputFor("silenzio_assenso", 30);
  it("silence at the term is approval; attestation on request within 10 days", () => {
    const r = run(silenzioAssensoV1, input, submitted("2026-03-02"));
    // 03-02 + 30 = 04-01 (Wed)
    expect(ofType(r.effects[1], "deadline.set")[0]).toMatchObject({
      due: "2026-04-01",
      event: "SILENT_CONSENT_FORMED",
    });
    expect(refused(silenzioAssensoV1, r, { type: "SILENT_CONSENT_FORMED", at: "2026-03-31" })).toMatch(
      /non è ancora/,
    );
    const s = run(silenzioAssensoV1, input, [{ type: "SILENT_CONSENT_FORMED", at: "2026-04-01" }], r);
    expect(s.last).toMatchObject({ status: "silent_consent", ssu: "ended_by_positive_outcome", ended: true });
    expect(allowedEvents(silenzioAssensoV1, s.snapshot)).toEqual(["ARCHIVE", "REQUEST_CONSENT_ATTESTATION"]);
    const a = run(silenzioAssensoV1, input, [{ type: "REQUEST_CONSENT_ATTESTATION", at: "2026-04-03" }], s);
    // 04-03 + 10 = 04-13 (Mon)
    expect(a.last.dueDates.other.attestation).toBe("2026-04-13");
    expect(refused(silenzioAssensoV1, a, { type: "REQUEST_CONSENT_ATTESTATION", at: "2026-04-04" })).toMatch(
      /già/,
    );
    const i = run(silenzioAssensoV1, input, [{ type: "ISSUE_CONSENT_ATTESTATION", at: "2026-04-08" }], a);
    expect(ofType(i.last.effects, "document")[0].kind).toBe("attestazione_silenzio_assenso");
    expect(i.last.dueDates.other).toEqual({});
  });

  it("no silent consent while the term is suspended", () => {
    const r = run(silenzioAssensoV1, input, [
      ...submitted("2026-03-02"),
      { type: "SEND_INTEGRATION_REQUEST", at: "2026-03-10", items: ["x"], answerDays: 10 },
    ]);
    expect(refused(silenzioAssensoV1, r, { type: "SILENT_CONSENT_FORMED", at: "2026-04-01" })).not.toBe("");
  });
});

describe("scia-condizionata", () => {
  const input = inputFor("scia_condizionata", 60);
  it("conferenza convened within 5 days; activity waits for its positive conclusion", () => {
    const r = run(sciaCondizionataV1, input, submitted("2026-03-02"));
    // reminder 03-02 + 5 = 03-07 (Sat)
    expect(ofType(r.last.effects, "deadline.set")).toContainEqual({
      type: "deadline.set",
      name: "cdss_convocation",
      due: "2026-03-07",
      event: null,
    });
    expect(refused(sciaCondizionataV1, r, { type: "GRANT", at: "2026-03-03" })).toMatch(/conferenza/);
    const c = run(
      sciaCondizionataV1,
      input,
      [
        {
          type: "FORWARD_TO_AGENCIES",
          at: "2026-03-04",
          agencies: [
            { agencyId: "asl", termDays: 30 },
            { agencyId: "vvf", termDays: 30 },
          ],
        },
      ],
      r,
    );
    expect(c.last.ssu).toBe("cdss_convened");
    expect(ofType(c.last.effects, "deadline.cancel")).toContainEqual({
      type: "deadline.cancel",
      name: "cdss_convocation",
    });
    const g = run(
      sciaCondizionataV1,
      input,
      [
        { type: "AGENCY_CONCLUSION", at: "2026-03-20", agencyId: "asl", outcome: "positive" },
        {
          type: "AGENCY_CONCLUSION",
          at: "2026-03-21",
          agencyId: "vvf",
          outcome: "conformation",
          reasons: "prescrizioni",
        },
        { type: "GRANT", at: "2026-03-22" },
      ],
      c,
    );
    expect(g.last.status).toBe("granted");
  });
});

describe("step() robustness", () => {
  const input = inputFor("scia", 60);
  it("rejects a start without catalogue terms, events going back in time and bad dates", () => {
    const noTimes = step(sciaV1, null, { type: "SUBMIT", at: "2026-03-02" }, { ...input, times: {} });
    expect(noTimes).toMatchObject({ accepted: false });
    expect(noTimes.accepted ? "" : noTimes.reason).toMatch(/max_gg_correction/);
    const r = run(sciaV1, input, submitted("2026-03-02"));
    expect(refused(sciaV1, r, { type: "CANCEL", at: "2026-03-01" })).toMatch(/precede/);
    expect(refused(sciaV1, r, { type: "CANCEL", at: "2026-02-30" })).toMatch(/data/);
    expect(step(sciaV1, { garbage: true }, { type: "CANCEL", at: "2026-03-05" }).accepted).toBe(false);
  });

  it("describe() gives status and dates without an event", () => {
    const r = run(sciaV1, input, submitted("2026-03-02"));
    expect(describeState(sciaV1, r.snapshot)).toMatchObject({
      status: "in_review",
      dueDates: { final: "2026-05-02" },
    });
  });
});

describe("allowedEvents", () => {
  const input = inputFor("autorizzazione", 60);
  it("lists only the acts allowed now", () => {
    const def = registry.current("autorizzazione");
    expect(allowedEvents(def, null)).toEqual(["SUBMIT"]);
    const r = run(def, input, submitted("2026-03-02"));
    const now = allowedEvents(def, r.snapshot);
    expect(now).toEqual(
      expect.arrayContaining([
        "REQUEST_CORRECTION",
        "REFUSE_INADMISSIBLE",
        "FORWARD_TO_AGENCIES",
        "NOTICE_OF_REFUSAL",
        "GRANT",
        "CANCEL",
      ]),
    );
    // DENY needs the 10-bis notice first; ARCHIVE needs an outcome
    expect(now).not.toContain("DENY");
    expect(now).not.toContain("ARCHIVE");
    // everything allowed must be sendable by someone
    for (const e of now) expect(eventActors[e].length).toBeGreaterThan(0);
  });
});

describe("eventActors", () => {
  it("covers every event type with the actor kinds the law gives the act to", () => {
    expect(Object.keys(eventActors).sort()).toEqual([...eventTypes].sort());
    expect(eventActors.SUBMIT).toEqual(["applicant"]);
    expect(eventActors.AGENCY_CONCLUSION).toEqual(["agency"]);
    expect(eventActors.INTEGRATION_TERM_EXPIRED).toEqual(["system"]);
    expect(eventActors.GRANT).toEqual(["officer"]);
  });
});

describe("diagram generation", () => {
  it("renders every state and guarded transition of a machine", () => {
    const m = toMermaid(sciaV1.machine);
    expect(m.startsWith("stateDiagram-v2")).toBe(true);
    expect(m).toContain(
      "scia_checking_presented --> scia_checking_awaiting_opinions : FORWARD_TO_AGENCIES [validAgencyList]",
    );
    expect(m).toContain("scia_archived --> [*]");
  });
});
