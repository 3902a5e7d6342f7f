/**
 * SCIA (art. 19 L. 241/1990) and SCIA unica (art. 19-bis c.2): the activity may start on filing; the SUAP
 * checks within the term (60 days, 30 for building matters: catalogue data) and may prohibit it or order
 * conformation. For SCIA unica the filing is forwarded at once to the other offices, which propose measures at
 * least `agency_proposal_lead_days` before the term (their deadlines are capped accordingly).
 *
 * Follows the SSU BPMN "workflow-scia-semplice" and "workflow-scia-in-comunica" (same back-office flow).
 */
import { setup } from "xstate";
import {
  actions,
  guards,
  initialContext,
  type StateMeta,
  type WorkflowContext,
  type WorkflowInput,
} from "./shared";
import type { WorkflowEvent } from "./events";

export const SCIA_ID = "scia";
export const SCIA_VERSION = 1;

export const sciaMachine = setup({
  types: {
    context: {} as WorkflowContext,
    events: {} as WorkflowEvent,
    input: {} as WorkflowInput,
    meta: {} as StateMeta,
  },
  guards,
  actions,
  // Legal terms are durable deadline rows emitted as effects, never `after` timers: a restored actor would
  // not fire them, and a process restart must not lose a term.
  delays: {},
}).createMachine({
  id: SCIA_ID,
  context: ({ input }) =>
    initialContext(input, {
      finalEvent: "SCIA_CHECK_PERIOD_ENDED",
      agencyLeadDays: input.times.agency_proposal_lead_days ?? null,
    }),
  initial: "started",
  states: {
    started: {
      meta: { status: "draft", ssu: "started" },
      on: { SUBMIT: { target: "submitted", actions: "recordSubmission" } },
    },
    submitted: {
      meta: { status: "submitted", ssu: "started" },
      on: {
        PROTOCOL: { target: "checking", actions: "startTerm" },
        CANCEL: { target: "cancelled", actions: "cancel" },
      },
    },
    checking: {
      initial: "presented",
      on: {
        AGENCY_REQUESTS_INTEGRATION: {
          guard: "agencyMayRequestIntegration",
          actions: "collectIntegrationRequest",
        },
        SEND_INTEGRATION_REQUEST: {
          guard: "integrationRequestAllowed",
          target: "integration_requested",
          actions: "sendIntegrationRequest",
        },
        AGENCY_CONCLUSION: [
          { guard: "onlyThisAgencyPending", target: ".review", actions: "recordConclusion" },
          { guard: "isAgencyPending", actions: "recordConclusion" },
        ],
        AGENCY_TERM_EXPIRED: [
          { guard: "onlyThisAgencyPending", target: ".review", actions: "agencyTermExpired" },
          { guard: "isAgencyPending", actions: "agencyTermExpired" },
        ],
        REQUEST_CONFORMATION: {
          guard: "conformationTermValid",
          target: "conformation_requested",
          actions: "requestConformation",
        },
        DENY: { guard: "withinTerm", target: "prohibited", actions: "prohibit" },
        SCIA_CHECK_PERIOD_ENDED: [
          { guard: "termReachedWithNegative", target: "prohibited", actions: "prohibitOnTerm" },
          {
            guard: "termReachedWithConformation",
            target: "conformation_requested",
            actions: "conformationFromAgencies",
          },
          { guard: "termReached", target: "effective", actions: "consolidate" },
        ],
        CANCEL: { target: "cancelled", actions: "cancel" },
      },
      states: {
        presented: {
          meta: { status: "in_review", ssu: "presented" },
          on: {
            REQUEST_CORRECTION: { target: "#scia.correction_requested", actions: "requestCorrection" },
            REFUSE_INADMISSIBLE: { target: "#scia.inadmissible", actions: "refuseInadmissible" },
            FORWARD_TO_AGENCIES: {
              guard: "validAgencyList",
              target: "awaiting_opinions",
              actions: "forwardToAgencies",
            },
          },
        },
        corrected: {
          meta: { status: "in_review", ssu: "corrected" },
          on: {
            REFUSE_INADMISSIBLE: { target: "#scia.inadmissible", actions: "refuseInadmissible" },
            FORWARD_TO_AGENCIES: {
              guard: "validAgencyList",
              target: "awaiting_opinions",
              actions: "forwardToAgencies",
            },
          },
        },
        awaiting_opinions: { meta: { status: "awaiting_opinions", ssu: "presented" } },
        integrated: { meta: { status: "in_review", ssu: "integrated" } },
        review: { meta: { status: "in_review", ssu: "presented" } },
      },
    },
    correction_requested: {
      meta: { status: "correction_requested", ssu: "correction_requested" },
      on: {
        CORRECTED: { target: "checking.corrected", actions: "applyCorrection" },
        REFUSE_INADMISSIBLE: {
          guard: "correctionTermElapsed",
          target: "inadmissible",
          actions: "refuseInadmissible",
        },
        CANCEL: { target: "cancelled", actions: "cancel" },
      },
    },
    integration_requested: {
      meta: { status: "integration_requested", ssu: "integration_requested" },
      on: {
        INTEGRATION_RECEIVED: {
          guard: "integrationInTime",
          target: "checking.integrated",
          actions: "receiveIntegration",
        },
        INTEGRATION_TERM_EXPIRED: {
          guard: "integrationTermReached",
          target: "integration_expired",
          actions: "integrationExpired",
        },
        CANCEL: { target: "cancelled", actions: "cancel" },
      },
    },
    conformation_requested: {
      meta: { status: "conformation_requested", ssu: "ended_by_conformation_requested" },
      on: {
        CONFORMED: { target: "checking.review", actions: "conformed" },
        CONFORMATION_TERM_EXPIRED: {
          guard: "conformationTermReached",
          target: "prohibited",
          actions: "prohibitForNoConformation",
        },
        CANCEL: { target: "cancelled", actions: "cancel" },
      },
    },
    effective: {
      meta: { status: "effective", ssu: "ended_by_proceeding_time_expired", ended: true },
      on: { ARCHIVE: { target: "archived", actions: "archive" } },
    },
    prohibited: {
      meta: { status: "denied", ssu: "ended_by_suspension_requested", ended: true },
      on: { ARCHIVE: { target: "archived", actions: "archive" } },
    },
    inadmissible: {
      meta: { status: "inadmissible", ssu: "ended_by_instance_refused", ended: true },
      on: { ARCHIVE: { target: "archived", actions: "archive" } },
    },
    integration_expired: {
      meta: { status: "integration_expired", ssu: "ended_by_integration_times_expired", ended: true },
      on: { ARCHIVE: { target: "archived", actions: "archive" } },
    },
    cancelled: {
      meta: { status: "cancelled", ssu: "ended_by_submitter_cancel_requested", ended: true },
      on: { ARCHIVE: { target: "archived", actions: "archive" } },
    },
    archived: { type: "final", meta: { status: "archived", ssu: "archived", ended: true } },
  },
});
