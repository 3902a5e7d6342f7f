/**
 * Property-based tests: random sequences of events (with plausible payloads, dates moving forward, and timer
 * events fired on their due dates) against every registered machine.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  dueDate,
  noticeOfRefusal,
  observationsReceived,
  resumeClock,
  startClock,
  suspendForIntegration,
  tryClock,
} from "../../../workflows/clock";
import type { WorkflowEvent } from "../../../workflows/events";
import { type PersistedWorkflow, registry, step, type WorkflowDefinition } from "../../../workflows/index";
import type { Regime } from "../../../workflows/shared";
import { inputFor } from "./helpers";

/** CPU-bound: 500 runs each. On a loaded CI machine the default 5 s is not enough; this is their own budget. */
const PROPERTY_BUDGET_MS = 120_000;

const agencyIds = ["asl", "vvf", "arpat"];

const agencyId = fc.constantFrom(...agencyIds);
// terminal acts are rarer, so random runs get deep enough to reach decisions
const forward = fc
  .uniqueArray(fc.record({ agencyId, termDays: fc.integer({ min: 1, max: 90 }) }), {
    selector: (a) => a.agencyId,
    minLength: 1,
    maxLength: 3,
  })
  .map((agencies) => ({ type: "FORWARD_TO_AGENCIES" as const, agencies }));
const integrationRequest = fc
  .record({ answerDays: fc.integer({ min: 1, max: 45 }), own: fc.boolean() })
  .map(({ answerDays, own }) => ({
    type: "SEND_INTEGRATION_REQUEST" as const,
    answerDays,
    items: own ? ["visura"] : [],
  }));
const conclusion = fc
  .record({
    agencyId,
    outcome: fc.constantFrom("positive" as const, "conformation" as const, "negative" as const),
  })
  .map((p) => ({ type: "AGENCY_CONCLUSION" as const, ...p }));
const often = <T>(arbitrary: fc.Arbitrary<T>) => ({ weight: 4, arbitrary });
const rarely = <T>(arbitrary: fc.Arbitrary<T>) => ({ weight: 1, arbitrary });

// terminal acts are rarer, so random runs get deep enough to reach decisions
const payloadEvent: fc.Arbitrary<Omit<WorkflowEvent, "at">> = fc.oneof(
  often(fc.constant({ type: "SUBMIT" as const })),
  often(fc.constant({ type: "PROTOCOL" as const, protocolNumber: "1" })),
  often(fc.constant({ type: "REQUEST_CORRECTION" as const })),
  often(fc.constant({ type: "CORRECTED" as const })),
  rarely(fc.constant({ type: "REFUSE_INADMISSIBLE" as const, reasons: "r" })),
  often(forward),
  often(
    agencyId.map((id) => ({ type: "AGENCY_REQUESTS_INTEGRATION" as const, agencyId: id, items: ["doc"] })),
  ),
  often(integrationRequest),
  often(fc.constant({ type: "INTEGRATION_RECEIVED" as const })),
  often(conclusion),
  often(
    fc
      .integer({ min: 10, max: 60 })
      .map((termDays) => ({ type: "REQUEST_CONFORMATION" as const, termDays, reasons: "r" })),
  ),
  often(fc.constant({ type: "CONFORMED" as const })),
  often(fc.constant({ type: "NOTICE_OF_REFUSAL" as const, reasons: "r" })),
  often(fc.constant({ type: "OBSERVATIONS_RECEIVED" as const })),
  often(fc.constant({ type: "GRANT" as const })),
  often(fc.constant({ type: "DENY" as const, reasons: "r" })),
  rarely(fc.constant({ type: "CANCEL" as const })),
  rarely(fc.constant({ type: "ARCHIVE" as const })),
  often(fc.constant({ type: "REQUEST_CONSENT_ATTESTATION" as const })),
  often(fc.constant({ type: "ISSUE_CONSENT_ATTESTATION" as const })),
);

/** A command is either a user/agency act a few days later, or "the next due timer fires". */
const command = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("act" as const),
      gap: fc.integer({ min: 0, max: 20 }),
      ev: payloadEvent,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fire" as const), pick: fc.nat() }) },
);

/** Statuses the random runs must reach, so the properties are not checked on trivial runs only. */
const mustReach: Record<Regime, string[]> = {
  comunicazione: ["effective", "archived"],
  scia: ["awaiting_opinions", "integration_requested", "conformation_requested", "effective", "denied"],
  scia_unica: ["awaiting_opinions", "integration_requested", "effective"],
  scia_condizionata: ["awaiting_opinions", "integration_requested", "refusal_notice", "granted", "denied"],
  silenzio_assenso: ["integration_requested", "refusal_notice", "silent_consent", "granted"],
  autorizzazione: ["awaiting_opinions", "integration_requested", "refusal_notice", "granted", "denied"],
};

const regimes: Regime[] = [
  "comunicazione",
  "scia",
  "scia_unica",
  "scia_condizionata",
  "silenzio_assenso",
  "autorizzazione",
];

function check(
  def: WorkflowDefinition,
  regime: Regime,
  start: string,
  commands: unknown[],
  seen: Set<string>,
) {
  const input = inputFor(regime, regime === "comunicazione" ? 0 : 60);
  let persisted: PersistedWorkflow | null = null;
  let at = start;
  let wasFinal = false;
  let wasEnded = false;
  for (const c of commands as {
    kind: "act" | "fire";
    gap?: number;
    ev?: Omit<WorkflowEvent, "at">;
    pick?: number;
  }[]) {
    let ev: WorkflowEvent;
    if (c.kind === "act") {
      at = addDays(at, c.gap!);
      ev = { ...c.ev!, at } as WorkflowEvent;
    } else {
      const timers = persisted
        ? Object.entries(persisted.context.deadlines).filter(
            ([, d]) => d.event && !d.suspended && d.due >= at,
          )
        : [];
      if (timers.length === 0) continue;
      const [name, d] = timers[c.pick! % timers.length];
      at = d.due;
      ev = {
        type: d.event!,
        at,
        ...(name.startsWith("agency:") ? { agencyId: name.slice(7) } : {}),
      } as WorkflowEvent;
    }
    const r = step(def, persisted, ev, input); // must never throw
    if (wasFinal) expect(r.accepted).toBe(false);
    if (!r.accepted) {
      expect(r.reason.length).toBeGreaterThan(0);
      expect(r.reasonEn.length).toBeGreaterThan(0);
      continue;
    }
    expect(JSON.parse(JSON.stringify(r.snapshot))).toEqual(r.snapshot);
    if (wasEnded) expect(r.ended).toBe(true);
    wasFinal ||= r.final;
    wasEnded ||= r.ended;
    const ctx = r.snapshot.context;
    const clock = ctx.clock;
    if (clock && ctx.protocol) {
      for (const d of [r.dueDates.final, r.dueDates.integration, ...Object.values(r.dueDates.agencies)]) {
        if (d) {
          expect(d >= clock.start).toBe(true);
          expect(d >= ctx.protocol.date).toBe(true);
        }
      }
      const integrationStops = clock.periods.filter((p) => p.kind === "integration");
      expect(integrationStops.length).toBeLessThanOrEqual(1);
      for (const p of integrationStops) expect(p.days).toBeLessThanOrEqual(30);
      if (clock.suspension?.kind === "integration") {
        expect(integrationStops.length).toBe(0);
        expect(clock.suspension.maxDays).toBeLessThanOrEqual(30);
      }
    }
    // every effect is plain data
    for (const e of r.effects) expect(typeof e.type).toBe("string");
    seen.add(r.status);
    persisted = r.snapshot;
  }
}

const startDate = fc.integer({ min: 0, max: 3 * 365 }).map((n) => addDays("2025-01-01", n));
const withSubmit = (cmds: unknown[]) => [
  { kind: "act", gap: 0, ev: { type: "SUBMIT" } },
  { kind: "act", gap: 0, ev: { type: "PROTOCOL" } },
  ...cmds,
];

describe("random event sequences", () => {
  for (const regime of regimes) {
    it(
      `${regime}: nothing throws, finals stay final, due dates never before the start, one integration stop <= 30 days`,
      () => {
        const def = registry.current(regime);
        const seen = new Set<string>();
        fc.assert(
          fc.property(startDate, fc.array(command, { maxLength: 40 }), (start, cmds) => {
            check(def, regime, start, withSubmit(cmds), seen);
          }),
          { numRuns: 500, seed: 20260301 },
        );
        expect([...seen]).toEqual(expect.arrayContaining(mustReach[regime]));
      },
      PROPERTY_BUDGET_MS,
    );
  }
});

describe("clock properties", () => {
  it(
    "the due date is never before the start and a second integration stop is always refused",
    () => {
      fc.assert(
        fc.property(
          startDate,
          fc.integer({ min: 0, max: 180 }),
          fc.integer({ min: 0, max: 60 }),
          fc.integer({ min: 0, max: 40 }),
          fc.integer({ min: 0, max: 60 }),
          (start, term, afterDays, maxDays, answerAfter) => {
            const c0 = startClock(start, term);
            expect(dueDate(c0, { patronDays: [] })! >= start).toBe(true);
            const s = tryClock(() => suspendForIntegration(c0, addDays(start, afterDays), maxDays));
            if (maxDays > 30) {
              expect(s.ok).toBe(false);
              return;
            }
            expect(s.ok).toBe(true);
            if (!s.ok) return;
            const c1 = resumeClock(s.clock, addDays(start, afterDays + answerAfter));
            expect(c1.suspendedDays).toBe(Math.min(answerAfter, maxDays));
            expect(dueDate(c1, { patronDays: [] })! >= start).toBe(true);
            expect(
              tryClock(() => suspendForIntegration(c1, addDays(start, afterDays + answerAfter), 1)).ok,
            ).toBe(false);
            // a 10-bis notice is still possible and always lengthens the term by at least the resume delay
            const c2 = observationsReceived(
              noticeOfRefusal(c1, addDays(start, afterDays + answerAfter), 10, 10),
              addDays(start, afterDays + answerAfter + 3),
            );
            expect(c2.suspendedDays).toBe(c1.suspendedDays + 13);
          },
        ),
        { numRuns: 500 },
      );
    },
    PROPERTY_BUDGET_MS,
  );
});
