/**
 * Autorizzazione, procedimento ordinario SUAP (DPR 160/2010 art. 7): explicit decision. The SUAP forwards the
 * application to the agencies whose opinions are needed; with two or more it convenes a simplified conferenza
 * di servizi (art. 14-bis L. 241/1990: silence of an agency is assent, an unresolved dissent blocks approval).
 * Integrations are merged into one request; a refusal is preceded by the art. 10-bis notice.
 *
 * Follows the SSU BPMN "workflow-autorizzazione-domanda". The states every regime shares come from
 * ./builders; particular to this regime: forwarding to two or more agencies convenes the conferenza.
 */
import {
  awaitingOpinions,
  checking,
  correctionRequested,
  decided,
  decisionEvents,
  endings,
  forwardTo,
  intake,
  integrationRequested,
  refusalNotice,
  regimeSetup,
  officeCancellationConfig,
} from "./builders";
import { initialContext } from "./shared";

export const AUTORIZZAZIONE_ID = "autorizzazione";
export const AUTORIZZAZIONE_VERSION = 1;

export const autorizzazioneMachine = regimeSetup.createMachine({
  id: AUTORIZZAZIONE_ID,
  // explicit decision: at the term nothing is decided for the office, the final deadline is a reminder
  context: ({ input }) => initialContext(input, { finalEvent: null, agencyLeadDays: null }),
  initial: "started",
  states: {
    ...intake(),
    checking: checking({
      machineId: AUTORIZZAZIONE_ID,
      on: decisionEvents("grantAllowed"),
      forward: [
        { guard: "convenesConference", target: "cdss_convened", actions: "forwardToAgencies" },
        forwardTo("awaiting_opinions"),
      ],
      opinionStates: {
        awaiting_opinions: awaitingOpinions("presented"),
        cdss_convened: awaitingOpinions("cdss_convened"),
      },
    }),
    correction_requested: correctionRequested(),
    integration_requested: integrationRequested(),
    refusal_notice: refusalNotice(),
    ...decided(),
    ...endings(),
  },
});

/** autorizzazione@2: as the version before, plus the office's cancellation of the procedure (CANCEL_BY_OFFICE). */
export const autorizzazioneV2Machine = regimeSetup.createMachine(
  officeCancellationConfig(autorizzazioneMachine),
);
