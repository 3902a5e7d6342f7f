/**
 * Silenzio-assenso (art. 20 L. 241/1990): if the office does not refuse within the term, the application is
 * approved. The office may still grant expressly, or refuse after the art. 10-bis notice. On request the
 * office attests the formed consent within `attestation_days` (art. 20 c.2-bis).
 *
 * The states every regime shares come from ./builders; particular to this regime: silence at the term is
 * consent, and the attestation of the formed consent.
 */
import {
  awaitingOpinions,
  checking,
  correctionRequested,
  decided,
  decisionEvents,
  ended,
  endings,
  forwardTo,
  intake,
  integrationRequested,
  refusalNotice,
  regimeSetup,
  officeCancellationConfig,
} from "./builders";
import { initialContext } from "./shared";

export const SILENZIO_ASSENSO_ID = "silenzio-assenso";
export const SILENZIO_ASSENSO_VERSION = 1;

export const silenzioAssensoMachine = regimeSetup.createMachine({
  id: SILENZIO_ASSENSO_ID,
  // art. 20: at the term, silence is approval, so the final deadline dispatches SILENT_CONSENT_FORMED
  context: ({ input }) =>
    initialContext(input, { finalEvent: "SILENT_CONSENT_FORMED", agencyLeadDays: null }),
  initial: "started",
  states: {
    ...intake(),
    checking: checking({
      machineId: SILENZIO_ASSENSO_ID,
      on: decisionEvents("grantAllowed", {
        SILENT_CONSENT_FORMED: { guard: "termReached", target: "silent_consent", actions: "silentConsent" },
      }),
      forward: forwardTo("awaiting_opinions"),
      opinionStates: { awaiting_opinions: awaitingOpinions("presented") },
    }),
    correction_requested: correctionRequested(),
    integration_requested: integrationRequested(),
    refusal_notice: refusalNotice(),
    silent_consent: ended("silent_consent", "ended_by_positive_outcome", {
      REQUEST_CONSENT_ATTESTATION: { guard: "attestationNotRequested", actions: "requestAttestation" },
      ISSUE_CONSENT_ATTESTATION: { guard: "attestationPending", actions: "issueAttestation" },
    }),
    ...decided(),
    ...endings(),
  },
});

/** silenzio-assenso@2: as the version before, plus the office's cancellation of the procedure (CANCEL_BY_OFFICE). */
export const silenzioAssensoV2Machine = regimeSetup.createMachine(
  officeCancellationConfig(silenzioAssensoMachine),
);
