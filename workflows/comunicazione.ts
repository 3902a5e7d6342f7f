/**
 * Comunicazione: effective on filing. The receipt is the whole procedure; the office may still declare the
 * filing inadmissible (wrong procedure, missing signature) and archives it. No legal term runs here.
 */
import { ended, endings, intake, regimeSetup } from "./builders";
import { initialContext } from "./shared";

export const COMUNICAZIONE_ID = "comunicazione";
export const COMUNICAZIONE_VERSION = 1;

export const comunicazioneMachine = regimeSetup.createMachine({
  id: COMUNICAZIONE_ID,
  context: ({ input }) => initialContext(input, { finalEvent: null, agencyLeadDays: null }),
  initial: "started",
  states: {
    ...intake({ target: "effective", actions: "issueReceiptEffective" }),
    effective: ended("effective", "ended_by_positive_outcome", {
      REFUSE_INADMISSIBLE: { target: "inadmissible", actions: "refuseInadmissible" },
    }),
    ...endings({ integration: false }),
  },
});
