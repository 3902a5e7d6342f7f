/**
 * SCIA condizionata (art. 19-bis c.3 L. 241/1990): a SCIA whose activity also needs authorisations, so the
 * activity waits for them. The SUAP convenes a conferenza di servizi within `max_gg_cdss_req` days of filing
 * (5 by law; a reminder deadline), and the activity may start only after the conferenza concludes positively.
 * A refusal is preceded by the art. 10-bis notice.
 *
 * The states every regime shares come from ./builders; particular to this regime: forwarding always convenes
 * the conferenza, and granting waits for its positive conclusion.
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

export const SCIA_CONDIZIONATA_ID = "scia-condizionata";
export const SCIA_CONDIZIONATA_VERSION = 1;

export const sciaCondizionataMachine = regimeSetup.createMachine({
  id: SCIA_CONDIZIONATA_ID,
  // the conferenza ends with an explicit determination: the final deadline is a reminder, not an outcome
  context: ({ input }) => initialContext(input, { finalEvent: null, agencyLeadDays: null }),
  initial: "started",
  states: {
    ...intake(),
    checking: checking({
      machineId: SCIA_CONDIZIONATA_ID,
      on: decisionEvents("conferenceConcludedPositively"),
      forward: forwardTo("cdss_convened"),
      opinionStates: { cdss_convened: awaitingOpinions("cdss_convened") },
    }),
    correction_requested: correctionRequested(),
    integration_requested: integrationRequested(),
    refusal_notice: refusalNotice(),
    ...decided(),
    ...endings(),
  },
});

/** scia-condizionata@2: as the version before, plus the office's cancellation of the procedure (CANCEL_BY_OFFICE). */
export const sciaCondizionataV2Machine = regimeSetup.createMachine(
  officeCancellationConfig(sciaCondizionataMachine),
);
