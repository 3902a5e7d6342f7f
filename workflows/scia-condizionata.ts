/**
 * SCIA condizionata (art. 19-bis c.3 L. 241/1990): a SCIA whose activity also needs authorisations, so the
 * activity waits for them. The SUAP convenes a conferenza di servizi within `max_gg_cdss_req` days of filing
 * (5 by law; a reminder deadline), and the activity may start only after the conferenza concludes positively.
 * A refusal is preceded by the art. 10-bis notice.
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

export const SCIA_CONDIZIONATA_ID = "scia-condizionata";
export const SCIA_CONDIZIONATA_VERSION = 1;

export const sciaCondizionataMachine = setup({
  types: {
    context: {} as WorkflowContext,
    events: {} as WorkflowEvent,
    input: {} as WorkflowInput,
    meta: {} as StateMeta,
  },
  guards,
  actions,
  // legal terms are deadline effects, not `after` timers (ADR 0003)
  delays: {},
}).createMachine({
  id: SCIA_CONDIZIONATA_ID,
  // the conferenza ends with an explicit determination: the final deadline is a reminder, not an outcome
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
        NOTICE_OF_REFUSAL: { target: "refusal_notice", actions: "noticeOfRefusal" },
        GRANT: { guard: "conferenceConcludedPositively", target: "granted", actions: "grant" },
        DENY: { guard: "refusalNoticeSent", target: "denied", actions: "deny" },
        CANCEL: { target: "cancelled", actions: "cancel" },
      },
      states: {
        presented: {
          meta: { status: "in_review", ssu: "presented" },
          on: {
            REQUEST_CORRECTION: {
              target: "#scia-condizionata.correction_requested",
              actions: "requestCorrection",
            },
            REFUSE_INADMISSIBLE: { target: "#scia-condizionata.inadmissible", actions: "refuseInadmissible" },
            FORWARD_TO_AGENCIES: {
              guard: "validAgencyList",
              target: "cdss_convened",
              actions: "forwardToAgencies",
            },
          },
        },
        corrected: {
          meta: { status: "in_review", ssu: "corrected" },
          on: {
            REFUSE_INADMISSIBLE: { target: "#scia-condizionata.inadmissible", actions: "refuseInadmissible" },
            FORWARD_TO_AGENCIES: {
              guard: "validAgencyList",
              target: "cdss_convened",
              actions: "forwardToAgencies",
            },
          },
        },
        cdss_convened: { meta: { status: "awaiting_opinions", ssu: "cdss_convened" } },
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
    refusal_notice: {
      meta: { status: "refusal_notice", ssu: "presented" },
      on: {
        OBSERVATIONS_RECEIVED: {
          guard: "observationsInTime",
          target: "checking.review",
          actions: "observationsReceived",
        },
        OBSERVATIONS_TERM_EXPIRED: {
          guard: "observationsTermReached",
          target: "checking.review",
          actions: "observationsExpired",
        },
        CANCEL: { target: "cancelled", actions: "cancel" },
      },
    },
    granted: {
      meta: { status: "granted", ssu: "ended_by_positive_outcome", ended: true },
      on: { ARCHIVE: { target: "archived", actions: "archive" } },
    },
    denied: {
      meta: { status: "denied", ssu: "ended_by_negative_outcome", ended: true },
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
