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
 *
 * Versions: scia@1 as first shipped; scia@2 adds CONCLUDE_CHECKS, by which the office records the positive
 * end of the checks before the term (SSU ended_by_positive_outcome) instead of waiting for it to run out.
 * New filings start on scia@2; pratiche filed on scia@1 stay on it.
 */
import {
  awaitingOpinions,
  type CompoundSpec,
  cancellable,
  checking,
  correctionRequested,
  ended,
  endings,
  forwardTo,
  intake,
  integrationRequested,
  regimeSetup,
  type StateSpec,
  officeCancellationConfig,
} from "./builders";
import { initialContext, type WorkflowInput } from "./shared";

export const SCIA_ID = "scia";
export const SCIA_VERSION = 1;
export const SCIA_V2_VERSION = 2;

/** The states of SCIA; `earlyConclusion` (scia@2) lets the office end the checks positively before the term. */
function sciaStates(earlyConclusion: boolean): Record<string, StateSpec | CompoundSpec> {
  const check = checking({
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
      ...(earlyConclusion
        ? {
            CONCLUDE_CHECKS: {
              guard: "checksConcludable",
              target: "checks_concluded",
              actions: "concludeChecks",
            },
          }
        : {}),
    },
    forward: forwardTo("awaiting_opinions"),
    opinionStates: { awaiting_opinions: awaitingOpinions("presented") },
  });
  return {
    ...intake(),
    checking: check,
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
    ...(earlyConclusion ? { checks_concluded: ended("effective", "ended_by_positive_outcome") } : {}),
    effective: ended("effective", "ended_by_proceeding_time_expired"),
    prohibited: ended("denied", "ended_by_suspension_requested"),
    ...endings(),
  };
}

const sciaConfig = (earlyConclusion: boolean) => ({
  id: SCIA_ID,
  context: ({ input }: { input: WorkflowInput }) =>
    initialContext(input, {
      finalEvent: "SCIA_CHECK_PERIOD_ENDED",
      agencyLeadDays: input.times.agency_proposal_lead_days ?? null,
    }),
  initial: "started",
  states: sciaStates(earlyConclusion),
});

/** scia@1: the checks end only at the term (consolidation) or with a measure. */
export const sciaMachine = regimeSetup.createMachine(sciaConfig(false));

/** scia@2: as scia@1, plus the positive end of the checks before the term (CONCLUDE_CHECKS). */
export const sciaV2Machine = regimeSetup.createMachine(sciaConfig(true));

/** scia@3: as the version before, plus the office's cancellation of the procedure (CANCEL_BY_OFFICE). */
export const sciaV3Machine = regimeSetup.createMachine(officeCancellationConfig(sciaV2Machine));
