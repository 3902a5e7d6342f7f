/**
 * The short forms of the desk's and agencies' acts, turned into workflow events (pure). `at` is always the
 * server's date, never a form field. Errors name the field and a message key of the desk dictionary.
 */
import type { EventType, WorkflowEvent } from "../../../workflows/index";

export type ActError = { field: string; key: ActErrorKey; params?: Record<string, string | number> };
export type ActErrorKey =
  | "desk.error.reasons"
  | "desk.error.items"
  | "desk.error.days"
  | "desk.error.agencies"
  | "desk.error.outcome"
  | "desk.error.unknownAct"
  | "journey.error.ground";

export type ParsedAct = { ok: true; event: WorkflowEvent } | { ok: false; errors: ActError[] };

/** Acts the SUAP desk performs through the engine (the assignment is not a workflow event). */
export const OFFICER_ACTS = [
  "REQUEST_CORRECTION",
  "REFUSE_INADMISSIBLE",
  "FORWARD_TO_AGENCIES",
  "SEND_INTEGRATION_REQUEST",
  "REQUEST_CONFORMATION",
  "NOTICE_OF_REFUSAL",
  "GRANT",
  "CONCLUDE_CHECKS",
  "DENY",
  "ISSUE_CONSENT_ATTESTATION",
  "ARCHIVE",
  "CANCEL_BY_OFFICE",
] as const satisfies readonly EventType[];

/**
 * Acts that end the procedure against the business: the first post only validates and asks the officer to
 * confirm, naming the consequence; the act runs on a second post with confirm=1 (no JavaScript needed).
 */
export const CONFIRMED_ACTS = [
  "DENY",
  "REFUSE_INADMISSIBLE",
  "CANCEL_BY_OFFICE",
] as const satisfies readonly OfficerAct[];

/** Grounds of the office's cancellation, in the order the form offers them. */
export const CANCEL_GROUNDS = ["withdrawal", "duplicate", "other"] as const;

/** True when the posted act must be confirmed first and the post does not carry the confirmation. */
export function needsConfirmation(form: FormLike): boolean {
  const act = str(form, "act", 60);
  return (CONFIRMED_ACTS as readonly string[]).includes(act) && str(form, "confirm", 2) !== "1";
}

export const AGENCY_ACTS = [
  "AGENCY_REQUESTS_INTEGRATION",
  "AGENCY_CONCLUSION",
] as const satisfies readonly EventType[];

export type OfficerAct = (typeof OFFICER_ACTS)[number];
export type AgencyAct = (typeof AGENCY_ACTS)[number];

interface FormLike {
  get(name: string): FormDataEntryValue | null;
  getAll(name: string): FormDataEntryValue[];
}

const str = (form: FormLike, name: string, max = 4000) =>
  String(form.get(name) ?? "")
    .trim()
    .slice(0, max);

/** One item per line; blank lines dropped. */
export function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 50);
}

function days(form: FormLike, name: string, errors: ActError[], min = 1, max = 365): number {
  const raw = str(form, name, 10);
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    errors.push({ field: name, key: "desk.error.days", params: { min, max } });
    return 0;
  }
  return n;
}

function requiredReasons(form: FormLike, errors: ActError[]): string {
  const reasons = str(form, "reasons");
  if (!reasons) errors.push({ field: "reasons", key: "desk.error.reasons" });
  return reasons;
}

export function parseOfficerAct(form: FormLike, at: string): ParsedAct {
  const type = str(form, "act", 60) as OfficerAct;
  const errors: ActError[] = [];
  let event: WorkflowEvent | null = null;
  switch (type) {
    case "REQUEST_CORRECTION": {
      const items = lines(str(form, "items"));
      const reasons = str(form, "reasons");
      if (!items.length && !reasons) errors.push({ field: "items", key: "desk.error.items" });
      event = { type, at, items, ...(reasons ? { reasons } : {}) };
      break;
    }
    case "REFUSE_INADMISSIBLE":
    case "NOTICE_OF_REFUSAL":
    case "DENY":
      event = { type, at, reasons: requiredReasons(form, errors) };
      break;
    case "GRANT":
    case "CONCLUDE_CHECKS": {
      const reasons = str(form, "reasons");
      event = { type, at, ...(reasons ? { reasons } : {}) };
      break;
    }
    case "FORWARD_TO_AGENCIES": {
      const codes = [...new Set(form.getAll("agency").map((v) => String(v).trim()))].filter((c) =>
        /^[A-Za-z0-9_-]{1,40}$/.test(c),
      );
      if (!codes.length) errors.push({ field: "agency", key: "desk.error.agencies" });
      const agencies = codes.map((agencyId) => ({
        agencyId,
        termDays: days(form, `days_${agencyId}`, errors),
      }));
      event = { type, at, agencies };
      break;
    }
    case "SEND_INTEGRATION_REQUEST": {
      const answerDays = days(form, "answerDays", errors);
      const items = lines(str(form, "items"));
      event = { type, at, answerDays, items };
      break;
    }
    case "REQUEST_CONFORMATION": {
      const termDays = days(form, "termDays", errors);
      event = { type, at, termDays, reasons: requiredReasons(form, errors) };
      break;
    }
    case "ISSUE_CONSENT_ATTESTATION":
    case "ARCHIVE":
      event = { type, at };
      break;
    case "CANCEL_BY_OFFICE": {
      const ground = str(form, "ground", 20);
      if (!(CANCEL_GROUNDS as readonly string[]).includes(ground))
        errors.push({ field: "ground", key: "journey.error.ground" });
      event = {
        type,
        at,
        ground: ground as (typeof CANCEL_GROUNDS)[number],
        reasons: requiredReasons(form, errors),
      };
      break;
    }
    default:
      errors.push({ field: "", key: "desk.error.unknownAct" });
  }
  return errors.length || !event ? { ok: false, errors } : { ok: true, event };
}

export function parseAgencyAct(form: FormLike, at: string, agencyCode: string): ParsedAct {
  const type = str(form, "act", 60) as AgencyAct;
  const errors: ActError[] = [];
  if (type === "AGENCY_REQUESTS_INTEGRATION") {
    const items = lines(str(form, "items"));
    if (!items.length) errors.push({ field: "items", key: "desk.error.items" });
    return errors.length
      ? { ok: false, errors }
      : { ok: true, event: { type, at, agencyId: agencyCode, items } };
  }
  if (type === "AGENCY_CONCLUSION") {
    const outcome = str(form, "outcome", 20);
    const reasons = str(form, "reasons");
    if (outcome !== "positive" && outcome !== "conformation" && outcome !== "negative") {
      errors.push({ field: "outcome", key: "desk.error.outcome" });
    } else if (outcome !== "positive" && !reasons) {
      errors.push({ field: "reasons", key: "desk.error.reasons" });
    }
    if (errors.length) return { ok: false, errors };
    return {
      ok: true,
      event: {
        type,
        at,
        agencyId: agencyCode,
        outcome: outcome as "positive" | "conformation" | "negative",
        ...(reasons ? { reasons } : {}),
      },
    };
  }
  return { ok: false, errors: [{ field: "", key: "desk.error.unknownAct" }] };
}
