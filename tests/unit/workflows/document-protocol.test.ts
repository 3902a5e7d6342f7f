/**
 * The machine, not the engine, says which protocol entry a document takes: every document effect carries
 * `protocol` explicitly ("pratica" = the pratica's own incoming registration, the receipt; "in" = this step's
 * incoming entry, an agency's opinion; "out" = this step's outgoing entry, every act of the office). Paths
 * below reach every document kind on every machine that emits it.
 */
import { describe, expect, it } from "vitest";
import type { DocumentKind, Effect } from "../../../workflows/effects";
import {
  autorizzazioneV1,
  autorizzazioneV2,
  comunicazioneV1,
  sciaCondizionataV1,
  sciaV1,
  silenzioAssensoV1,
  type WorkflowDefinition,
} from "../../../workflows/index";
import { inputFor, ofType, type Run, run, submitted } from "./helpers";

const expected: Record<DocumentKind, "pratica" | "in" | "out"> = {
  ricevuta: "pratica",
  parere: "in",
  richiesta_regolarizzazione: "out",
  dichiarazione_irricevibilita: "out",
  inoltro_enti: "out",
  indizione_conferenza: "out",
  richiesta_integrazione: "out",
  inoltro_integrazione: "out",
  richiesta_conformazione: "out",
  preavviso_rigetto: "out",
  provvedimento: "out",
  attestazione_silenzio_assenso: "out",
  chiusura_ufficio: "out",
};

const seen = new Map<string, Set<DocumentKind>>();

function documents(def: WorkflowDefinition, runs: Run[]): Extract<Effect, { type: "document" }>[] {
  const docs = runs.flatMap((r) => r.effects.flatMap((e) => ofType(e, "document")));
  const kinds = seen.get(def.key) ?? new Set<DocumentKind>();
  for (const d of docs) kinds.add(d.kind);
  seen.set(def.key, kinds);
  return docs;
}

function expectExplicitProtocol(docs: Extract<Effect, { type: "document" }>[]) {
  expect(docs.length).toBeGreaterThan(0);
  for (const d of docs) {
    expect(d, `document ${d.kind} must say its protocol entry`).toHaveProperty("protocol");
    expect({ kind: d.kind, protocol: d.protocol }).toEqual({ kind: d.kind, protocol: expected[d.kind] });
  }
}

const twoAgencies = [
  { agencyId: "asl", termDays: 30 },
  { agencyId: "vvf", termDays: 30 },
];

describe("every document effect names its protocol entry", () => {
  it("comunicazione: receipt on the pratica's registration, inadmissibility outgoing", () => {
    const input = inputFor("comunicazione", 0);
    const r = run(comunicazioneV1, input, [
      ...submitted("2026-03-02"),
      { type: "REFUSE_INADMISSIBLE", at: "2026-03-04", reasons: "modulo errato" },
    ]);
    expectExplicitProtocol(documents(comunicazioneV1, [r]));
  });

  it("autorizzazione: regularisation, conferenza, merged integration, opinions, 10-bis, refusal", () => {
    const input = inputFor("autorizzazione", 60);
    const r = run(autorizzazioneV1, input, [
      ...submitted("2026-03-02"),
      { type: "REQUEST_CORRECTION", at: "2026-03-03", items: ["firma"] },
      { type: "CORRECTED", at: "2026-03-05" },
      { type: "FORWARD_TO_AGENCIES", at: "2026-03-06", agencies: twoAgencies },
      { type: "AGENCY_REQUESTS_INTEGRATION", at: "2026-03-09", agencyId: "asl", items: ["planimetria"] },
      { type: "SEND_INTEGRATION_REQUEST", at: "2026-03-10", answerDays: 20 },
      { type: "INTEGRATION_RECEIVED", at: "2026-03-16" },
      { type: "AGENCY_CONCLUSION", at: "2026-03-20", agencyId: "asl", outcome: "negative", reasons: "no" },
      { type: "AGENCY_CONCLUSION", at: "2026-03-21", agencyId: "vvf", outcome: "positive" },
      { type: "NOTICE_OF_REFUSAL", at: "2026-03-23", reasons: "parere ASL negativo" },
      { type: "OBSERVATIONS_RECEIVED", at: "2026-03-27" },
      { type: "DENY", at: "2026-03-30", reasons: "parere ASL negativo" },
    ]);
    const inadmissible = run(autorizzazioneV1, input, [
      ...submitted("2026-03-02"),
      { type: "REFUSE_INADMISSIBLE", at: "2026-03-03", reasons: "x" },
    ]);
    const granted = run(autorizzazioneV1, input, [
      ...submitted("2026-03-02"),
      { type: "GRANT", at: "2026-03-10" },
    ]);
    const expired = run(autorizzazioneV1, input, [
      ...submitted("2026-03-02"),
      { type: "SEND_INTEGRATION_REQUEST", at: "2026-03-03", answerDays: 10, items: ["visura"] },
    ]);
    const due = expired.last.dueDates.integration!;
    const end = run(autorizzazioneV1, input, [{ type: "INTEGRATION_TERM_EXPIRED", at: due }], expired);
    expectExplicitProtocol(documents(autorizzazioneV1, [r, inadmissible, granted, expired, end]));
  });

  it("scia: forwarding, conformation (by the office and from the agencies), prohibition", () => {
    const input = inputFor("scia", 60);
    const start = run(sciaV1, input, [
      ...submitted("2026-03-02"),
      { type: "FORWARD_TO_AGENCIES", at: "2026-03-03", agencies: [{ agencyId: "asl", termDays: 20 }] },
    ]);
    const conformation = run(
      sciaV1,
      input,
      [{ type: "REQUEST_CONFORMATION", at: "2026-03-10", termDays: 30, reasons: "misure" }],
      start,
    );
    const noConformation = run(
      sciaV1,
      input,
      [{ type: "CONFORMATION_TERM_EXPIRED", at: conformation.last.dueDates.other.conformation! }],
      conformation,
    );
    const prohibited = run(sciaV1, input, [{ type: "DENY", at: "2026-03-10", reasons: "carenza" }], start);
    const negative = run(
      sciaV1,
      input,
      [{ type: "AGENCY_CONCLUSION", at: "2026-03-12", agencyId: "asl", outcome: "negative", reasons: "no" }],
      start,
    );
    const onTerm = run(
      sciaV1,
      input,
      [{ type: "SCIA_CHECK_PERIOD_ENDED", at: negative.last.dueDates.final! }],
      negative,
    );
    const fromAgencies = run(
      sciaV1,
      input,
      [
        {
          type: "AGENCY_CONCLUSION",
          at: "2026-03-12",
          agencyId: "asl",
          outcome: "conformation",
          reasons: "m",
        },
      ],
      start,
    );
    const conformationOnTerm = run(
      sciaV1,
      input,
      [{ type: "SCIA_CHECK_PERIOD_ENDED", at: fromAgencies.last.dueDates.final! }],
      fromAgencies,
    );
    expectExplicitProtocol(
      documents(sciaV1, [
        start,
        conformation,
        noConformation,
        prohibited,
        negative,
        onTerm,
        conformationOnTerm,
      ]),
    );
    const onTermDocs = ofType(conformationOnTerm.last.effects, "document");
    expect(onTermDocs.map((d) => d.kind)).toEqual(["richiesta_conformazione"]);
  });

  it("scia-condizionata: conferenza, 10-bis, grant after the conferenza", () => {
    const input = inputFor("scia_condizionata", 60);
    const r = run(sciaCondizionataV1, input, [
      ...submitted("2026-03-02"),
      { type: "FORWARD_TO_AGENCIES", at: "2026-03-04", agencies: twoAgencies },
      { type: "AGENCY_CONCLUSION", at: "2026-03-10", agencyId: "asl", outcome: "positive" },
      { type: "AGENCY_CONCLUSION", at: "2026-03-11", agencyId: "vvf", outcome: "positive" },
      { type: "NOTICE_OF_REFUSAL", at: "2026-03-12", reasons: "dubbi" },
      { type: "OBSERVATIONS_RECEIVED", at: "2026-03-16" },
      { type: "GRANT", at: "2026-03-20" },
    ]);
    expectExplicitProtocol(documents(sciaCondizionataV1, [r]));
  });

  it("silenzio-assenso: silent consent at the term and its attestation", () => {
    const input = inputFor("silenzio_assenso", 30);
    const start = run(silenzioAssensoV1, input, submitted("2026-03-02"));
    const consent = run(
      silenzioAssensoV1,
      input,
      [
        { type: "SILENT_CONSENT_FORMED", at: start.last.dueDates.final! },
        { type: "REQUEST_CONSENT_ATTESTATION", at: "2026-04-10" },
        { type: "ISSUE_CONSENT_ATTESTATION", at: "2026-04-12" },
      ],
      start,
    );
    expectExplicitProtocol(documents(silenzioAssensoV1, [start, consent]));
  });

  it("autorizzazione@2: the office's closure is an outgoing communication", () => {
    const r = run(autorizzazioneV2, inputFor("autorizzazione", 60), [
      ...submitted("2026-03-02"),
      { type: "CANCEL_BY_OFFICE", at: "2026-03-04", ground: "duplicate", reasons: "duplicato" },
    ]);
    expectExplicitProtocol(documents(autorizzazioneV2, [r]));
  });

  it("the paths above reached every document kind", () => {
    const all = new Set([...seen.values()].flatMap((s) => [...s]));
    expect([...all].sort()).toEqual(Object.keys(expected).sort());
  });
});
