import { expect } from "vitest";
import {
  type Effect,
  type PersistedWorkflow,
  type StepResult,
  step,
  type WorkflowDefinition,
  type WorkflowEvent,
  type WorkflowInput,
} from "../../../workflows/index";
import type { Regime } from "../../../workflows/shared";

/** Catalogue-like figures for tests (in production they come from the catalogue, pinned per version). */
export function inputFor(regime: Regime, termDays: number, patronDays: string[] = []): WorkflowInput {
  return {
    regime,
    termDays,
    times: {
      max_gg_correction: 10,
      max_gg_admissibility: 10,
      max_gg_int_req: 15,
      max_gg_int_resp: 30,
      max_gg_concl_send: 45,
      max_gg_cdss_req: 5,
      observations_days: 10,
      resume_after_observations_days: 10,
      conformation_min_days: 30,
      agency_proposal_lead_days: regime === "scia_unica" ? 5 : undefined,
      attestation_days: 10,
    },
    calendar: { patronDays },
  };
}

export type Accepted = Extract<StepResult, { accepted: true }>;

export interface Run {
  last: Accepted;
  snapshot: PersistedWorkflow;
  effects: Effect[][];
  statuses: string[];
}

/** Applies events in order, asserting each is accepted; returns the last result and the trail. */
export function run(def: WorkflowDefinition, input: WorkflowInput, events: WorkflowEvent[], from?: Run): Run {
  let persisted: PersistedWorkflow | null = from?.snapshot ?? null;
  let last = from?.last;
  const effects: Effect[][] = [];
  const statuses: string[] = [];
  for (const ev of events) {
    const r = step(def, persisted, ev, input);
    if (!r.accepted) throw new Error(`${ev.type} refused: ${r.reasonEn}`);
    // JSON round trip on every step: what is stored is what comes back
    persisted = JSON.parse(JSON.stringify(r.snapshot));
    last = r;
    effects.push(r.effects);
    statuses.push(r.status);
  }
  expect(last).toBeDefined();
  return { last: last!, snapshot: persisted!, effects, statuses };
}

export function refused(def: WorkflowDefinition, from: Run, ev: WorkflowEvent): string {
  const r = step(def, from.snapshot, ev);
  expect(r.accepted).toBe(false);
  return r.accepted ? "" : r.reason;
}

export const ofType = <T extends Effect["type"]>(effects: Effect[], type: T) =>
  effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);

export const submitted = (at: string, protocolAt = at): WorkflowEvent[] => [
  { type: "SUBMIT", at },
  { type: "PROTOCOL", at: protocolAt, protocolNumber: "2026/0001" },
];
