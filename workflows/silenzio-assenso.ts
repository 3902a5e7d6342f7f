/**
 * Silenzio-assenso (art. 20 L. 241/1990): if the office does not refuse within the term, the application is
 * approved. The office may still grant expressly, or refuse after the art. 10-bis notice. On request the
 * office attests the formed consent within `attestation_days` (art. 20 c.2-bis).
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

export const SILENZIO_ASSENSO_ID = "silenzio-assenso";
export const SILENZIO_ASSENSO_VERSION = 1;

export const silenzioAssensoMachine = setup({
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
  id: SILENZIO_ASSENSO_ID,
  // art. 20: at the term, silence is approval, so the final deadline dispatches SILENT_CONSENT_FORMED
  context: ({ input }) =>
    initialContext(input, { finalEvent: "SILENT_CONSENT_FORMED", agencyLeadDays: null }),
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
        GRANT: { guard: "grantAllowed", target: "granted", actions: "grant" },
        SILENT_CONSENT_FORMED: { guard: "termReached", target: "silent_consent", actions: "silentConsent" },
        DENY: { guard: "refusalNoticeSent", target: "denied", actions: "deny" },
        CANCEL: { target: "cancelled", actions: "cancel" },
      },
      states: {
        presented: {
          meta: { status: "in_review", ssu: "presented" },
          on: {
            REQUEST_CORRECTION: {
              target: "#silenzio-assenso.correction_requested",
              actions: "requestCorrection",
            },
            REFUSE_INADMISSIBLE: { target: "#silenzio-assenso.inadmissible", actions: "refuseInadmissible" },
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
            REFUSE_INADMISSIBLE: { target: "#silenzio-assenso.inadmissible", actions: "refuseInadmissible" },
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
    silent_consent: {
      meta: { status: "silent_consent", ssu: "ended_by_positive_outcome", ended: true },
      on: {
        REQUEST_CONSENT_ATTESTATION: { guard: "attestationNotRequested", actions: "requestAttestation" },
        ISSUE_CONSENT_ATTESTATION: { guard: "attestationPending", actions: "issueAttestation" },
        ARCHIVE: { target: "archived", actions: "archive" },
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
