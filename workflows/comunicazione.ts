/**
 * Comunicazione: effective on filing. The receipt is the whole procedure; the office may still declare the
 * filing inadmissible (wrong procedure, missing signature) and archives it.
 */
import { setup } from "xstate";
import type { WorkflowEvent } from "./events";
import {
  actions,
  guards,
  initialContext,
  type StateMeta,
  type WorkflowContext,
  type WorkflowInput,
} from "./shared";

export const COMUNICAZIONE_ID = "comunicazione";
export const COMUNICAZIONE_VERSION = 1;

export const comunicazioneMachine = setup({
  types: {
    context: {} as WorkflowContext,
    events: {} as WorkflowEvent,
    input: {} as WorkflowInput,
    meta: {} as StateMeta,
  },
  guards,
  actions,
  // no legal term runs here; and terms are never `after` timers anyway (see ADR 0003)
  delays: {},
}).createMachine({
  id: COMUNICAZIONE_ID,
  context: ({ input }) => initialContext(input, { finalEvent: null, agencyLeadDays: null }),
  initial: "started",
  states: {
    started: {
      meta: { status: "draft", ssu: "started" },
      on: { SUBMIT: { target: "submitted", actions: "recordSubmission" } },
    },
    submitted: {
      meta: { status: "submitted", ssu: "started" },
      on: {
        PROTOCOL: { target: "effective", actions: "issueReceiptEffective" },
        CANCEL: { target: "cancelled", actions: "cancel" },
      },
    },
    effective: {
      meta: { status: "effective", ssu: "ended_by_positive_outcome", ended: true },
      on: {
        REFUSE_INADMISSIBLE: { target: "inadmissible", actions: "refuseInadmissible" },
        ARCHIVE: { target: "archived", actions: "archive" },
      },
    },
    inadmissible: {
      meta: { status: "inadmissible", ssu: "ended_by_instance_refused", ended: true },
      on: { ARCHIVE: { target: "archived", actions: "archive" } },
    },
    cancelled: {
      meta: { status: "cancelled", ssu: "ended_by_submitter_cancel_requested", ended: true },
      on: { ARCHIVE: { target: "archived", actions: "archive" } },
    },
    archived: { type: "final", meta: { status: "archived", ssu: "archived", ended: true } },
  },
});
