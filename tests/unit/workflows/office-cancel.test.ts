/**
 * The office's cancellation of a procedure (issue 12), on the v2 line of every regime that a person withdraws
 * from: on the applicant's withdrawal received outside the portal the pratica ends as withdrawn; for a
 * duplicate or another ground as closed by the office. Each with reasons, an outgoing communication, mail to
 * the applicant and the agencies still waiting, and its SSU end state. The older versions stay as they were.
 */
import { describe, expect, it } from "vitest";
import {
  autorizzazioneV1,
  autorizzazioneV2,
  registry,
  sciaCondizionataV2,
  sciaV2,
  sciaV3,
  silenzioAssensoV2,
  type WorkflowDefinition,
} from "../../../workflows/index";
import { inputFor, ofType, refused, run, submitted } from "./helpers";

const cases: [WorkflowDefinition, Parameters<typeof inputFor>[0]][] = [
  [sciaV3, "scia"],
  [sciaCondizionataV2, "scia_condizionata"],
  [silenzioAssensoV2, "silenzio_assenso"],
  [autorizzazioneV2, "autorizzazione"],
];

describe("the office closes a procedure without deciding it (CANCEL_BY_OFFICE)", () => {
  it("new filings start on the versions that allow it; the old ones stay registered", () => {
    expect(registry.current("scia").key).toBe("scia@3");
    expect(registry.current("scia_unica").key).toBe("scia@3");
    expect(registry.current("scia_condizionata").key).toBe("scia-condizionata@2");
    expect(registry.current("silenzio_assenso").key).toBe("silenzio-assenso@2");
    expect(registry.current("autorizzazione").key).toBe("autorizzazione@2");
    expect(registry.get("autorizzazione", 1)).toBe(autorizzazioneV1);
    expect(registry.get("scia", 2)).toBe(sciaV2);
  });

  for (const [def, regime] of cases) {
    it(`${def.key}: a duplicate is closed by the office, with its communication, mail and SSU end state`, () => {
      const input = inputFor(regime, 60);
      const r = run(def, input, [
        ...submitted("2026-03-02"),
        { type: "FORWARD_TO_AGENCIES", at: "2026-03-03", agencies: [{ agencyId: "asl", termDays: 30 }] },
        {
          type: "CANCEL_BY_OFFICE",
          at: "2026-03-05",
          ground: "duplicate",
          reasons: "Stessa attività già presentata con la pratica 2026/0007",
        },
      ]);
      expect(r.last).toMatchObject({
        status: "cancelled_by_office",
        ssu: "ended_by_instance_refused",
        ended: true,
      });
      const effects = r.effects.at(-1)!;
      const [doc] = ofType(effects, "document");
      expect(doc).toMatchObject({
        kind: "chiusura_ufficio",
        protocol: "out",
        data: { outcome: "cancelled_by_office", ground: "duplicate" },
      });
      expect(ofType(effects, "protocol")[0]).toMatchObject({ direction: "out" });
      const [mail] = ofType(effects, "notify");
      expect(mail?.template).toBe("end_by_office_cancel");
      expect(mail?.to).toContain("applicant");
      expect(mail?.to.length).toBeGreaterThan(1); // the agency still waiting is told too
      // the terms stop: no deadline is left to fire
      expect(ofType(effects, "deadline.cancel").length).toBeGreaterThan(0);
      // and only archiving remains
      expect(refused(def, r, { type: "GRANT", at: "2026-03-06" })).toBeTruthy();
      run(def, input, [{ type: "ARCHIVE", at: "2026-03-07" }], r);
    });

    it(`${def.key}: on the applicant's withdrawal the pratica ends as withdrawn`, () => {
      const r = run(def, inputFor(regime, 60), [
        ...submitted("2026-03-02"),
        {
          type: "CANCEL_BY_OFFICE",
          at: "2026-03-04",
          ground: "withdrawal",
          reasons: "Ritiro comunicato per PEC il 3 marzo",
        },
      ]);
      expect(r.last).toMatchObject({ status: "cancelled", ssu: "ended_by_submitter_cancel_requested" });
      expect(ofType(r.effects.at(-1)!, "document")[0]?.data).toMatchObject({ outcome: "cancelled" });
    });
  }

  it("the versions before do not know the act", () => {
    const r = run(autorizzazioneV1, inputFor("autorizzazione", 60), submitted("2026-03-02"));
    expect(
      refused(autorizzazioneV1, r, {
        type: "CANCEL_BY_OFFICE",
        at: "2026-03-04",
        ground: "other",
        reasons: "x",
      }),
    ).toBeTruthy();
  });
});
