/**
 * The demo pratiche the desk journeys start from (pure: dates relative to the day the e2e run starts), shared
 * by the seeding script and the spec so both agree on the dates the law gives.
 */
import { addDays } from "../../../workflows/clock";

export const DESK_TITLES = {
  scia: "E2E Apertura di vicinato (SCIA)",
  authorisation: "E2E Somministrazione in zona tutelata",
  integrated: "E2E Autorizzazione integrata",
  refusal: "E2E Autorizzazione da respingere",
  sciaPositive: "E2E Vicinato con controlli positivi (SCIA)",
  sciaInadmissible: "E2E Vicinato irricevibile (SCIA)",
  toForward: "E2E Somministrazione da inoltrare",
  // the journey walk (issue 12): a suspended term, an agency term capped before the final one, a prohibited SCIA
  walkSuspended: "E2E Autorizzazione in attesa di integrazione",
  walkCapped: "E2E SCIA unica con parere dell'ASL",
  walkProhibited: "E2E Vicinato vietato (SCIA)",
  walkDuplicate: "E2E Somministrazione presentata due volte",
  // issue 12, desk and agency (acts.spec): the act page answered from the browser; a forwarding whose term is capped
  actAnswer: "E2E Autorizzazione con integrazione da inviare",
  forwardCapped: "E2E SCIA unica da inoltrare all'ASL",
  denyAfterNotice: "E2E Autorizzazione dopo il preavviso di rigetto",
} as const;

export function deskPlan(today: string) {
  return {
    scia: { submitted: addDays(today, -5) },
    authorisation: { submitted: addDays(today, -3) },
    integrated: {
      submitted: addDays(today, -20),
      requested: addDays(today, -15),
      answerDays: 30,
      received: addDays(today, -5),
    },
    refusal: { submitted: addDays(today, -10) },
    sciaPositive: { submitted: addDays(today, -7) },
    sciaInadmissible: { submitted: addDays(today, -2) },
    toForward: { submitted: addDays(today, -1) },
    walkSuspended: { submitted: addDays(today, -12), requested: addDays(today, -2), answerDays: 20 },
    walkCapped: { submitted: addDays(today, -4), forwarded: addDays(today, -3), agencyDays: 60 },
    walkProhibited: { submitted: addDays(today, -9), prohibited: addDays(today, -1) },
    walkDuplicate: { submitted: addDays(today, -2) },
    actAnswer: { submitted: addDays(today, -6) },
    forwardCapped: { submitted: addDays(today, -1) },
    denyAfterNotice: {
      submitted: addDays(today, -12),
      notice: addDays(today, -10),
      observations: addDays(today, -5),
    },
  };
}

export function romeToday(now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Rome" }).format(now);
}
