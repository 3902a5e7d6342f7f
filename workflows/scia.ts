/**
 * SCIA (art. 19 L. 241/1990) and SCIA unica (art. 19-bis c.2): the activity may start on filing; the SUAP
 * checks within the term (60 days, 30 for building matters: catalogue data) and may prohibit it or order
 * conformation. For SCIA unica the filing is forwarded at once to the other offices, which propose measures at
 * least `agency_proposal_lead_days` before the term (their deadlines are capped accordingly).
 *
 * Follows the SSU BPMN "workflow-scia-semplice" and "workflow-scia-in-comunica" (same back-office flow).
 * The states every regime shares come from ./builders; what is particular to SCIA is here: the check period
 * ending (consolidation, or the agencies' negative or conformation proposals), prohibition within the term,
 * and the art. 19 c.3 conformation order.
 */
import {
  awaitingOpinions,
  cancellable,
  checking,
  correctionRequested,
  ended,
  endings,
  forwardTo,
  intake,
  integrationRequested,
  regimeSetup,
} from "./builders";
import { initialContext } from "./shared";

export const SCIA_ID = "scia";
export const SCIA_VERSION = 1;

export const sciaMachine = regimeSetup.createMachine({
  id: SCIA_ID,
  context: ({ input }) =>
    initialContext(input, {
      finalEvent: "SCIA_CHECK_PERIOD_ENDED",
      agencyLeadDays: input.times.agency_proposal_lead_days ?? null,
    }),
  initial: "started",
  states: {
    ...intake(),
    checking: checking({
      machineId: SCIA_ID,
      on: {
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
      },
      forward: forwardTo("awaiting_opinions"),
      opinionStates: { awaiting_opinions: awaitingOpinions("presented") },
    }),
    correction_requested: correctionRequested(),
    integration_requested: integrationRequested(),
    conformation_requested: {
      meta: { status: "conformation_requested", ssu: "ended_by_conformation_requested" },
      on: {
        CONFORMED: { target: "checking.review", actions: "conformed" },
        CONFORMATION_TERM_EXPIRED: {
          guard: "conformationTermReached",
          target: "prohibited",
          actions: "prohibitForNoConformation",
        },
        ...cancellable,
      },
    },
    effective: ended("effective", "ended_by_proceeding_time_expired"),
    prohibited: ended("denied", "ended_by_suspension_requested"),
    ...endings(),
  },
});
