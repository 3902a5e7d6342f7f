/**
 * Shared builders for the regime machines: functions returning typed state-config fragments for the states
 * every regime has in common (intake, the admissibility check with regularisation, the merged integration
 * request and its answer, the art. 10-bis notice with the observations, the ending states). A regime file
 * (scia.ts, silenzio-assenso.ts, ...) keeps only what is particular to it: its id and version, what the
 * "final" deadline dispatches, its outcome events and its own states.
 *
 * The fragments are plain data, so a machine built from them is the same definition as one written out by
 * hand: same state names, event names, guards, targets and actions (the frozen-definition test,
 * tests/unit/workflows/frozen.test.ts, checks each registered version against its committed snapshot).
 */
import { setup } from "xstate";
import type { EventType, WorkflowEvent } from "./events";
import {
  type ActionName,
  actions,
  type GuardName,
  guards,
  type StateMeta,
  type WorkflowContext,
  type WorkflowInput,
} from "./shared";

/** One transition: where to go (omitted: stay and record), under which guard, running which action. */
export interface TransitionSpec {
  target?: string;
  guard?: GuardName;
  actions: ActionName;
}

/** Candidates for one event, tried in order (the first whose guard passes wins). */
export type TransitionsSpec = TransitionSpec | TransitionSpec[];

export type OnSpec = { [E in EventType]?: TransitionsSpec };

export interface StateSpec {
  type?: "final";
  meta: StateMeta;
  initial?: string;
  on?: OnSpec;
  states?: Record<string, StateSpec>;
}

/** The compound "checking" state: no status of its own, its children carry it. */
export interface CompoundSpec {
  initial: string;
  on: OnSpec;
  states: Record<string, StateSpec>;
}

/**
 * `setup()` shared by every regime machine: the same types, guards and actions. Legal terms are durable
 * deadline rows emitted as effects, never `after` timers (ADR 0003): a restored actor would not fire them,
 * and a process restart must not lose a term. Hence no delays.
 */
export const regimeSetup = setup({
  types: {
    context: {} as WorkflowContext,
    events: {} as WorkflowEvent,
    input: {} as WorkflowInput,
    meta: {} as StateMeta,
  },
  guards,
  actions,
  delays: {},
});

// ---------------------------------------------------------------------------------------------------------
// transitions every regime uses

/** The applicant withdraws the filing (SSU end_by_submitter_cancel_requested). */
export const cancellable = { CANCEL: { target: "cancelled", actions: "cancel" } } satisfies OnSpec;

const archive = { ARCHIVE: { target: "archived", actions: "archive" } } satisfies OnSpec;

/**
 * v2 machines: wherever the applicant may withdraw, the office may close the procedure too (CANCEL_BY_OFFICE):
 * on a withdrawal received outside the portal the pratica ends as withdrawn, otherwise (a duplicate, another
 * ground) as cancelled by the office.
 */
export const officeCancellable = {
  CANCEL_BY_OFFICE: [
    { guard: "cancelOnWithdrawal", target: "cancelled", actions: "cancelByOffice" },
    { target: "cancelled_by_office", actions: "cancelByOffice" },
  ],
} satisfies OnSpec;

type AnySpec = StateSpec | CompoundSpec;

/**
 * The same states with office cancellation added next to every CANCEL, plus the `cancelled_by_office` ending
 * (SSU ended_by_instance_refused: closed without a decision on the merits). Old versions are built without it.
 */
export function withOfficeCancellation(states: Record<string, AnySpec>): Record<string, AnySpec> {
  const visit = <S extends AnySpec>(node: S): S => {
    const on = node.on && "CANCEL" in node.on ? { ...node.on, ...officeCancellable } : node.on;
    const children = node.states
      ? (Object.fromEntries(Object.entries(node.states).map(([k, v]) => [k, visit(v)])) as Record<
          string,
          StateSpec
        >)
      : undefined;
    return { ...node, ...(on ? { on } : {}), ...(children ? { states: children } : {}) };
  };
  return {
    ...Object.fromEntries(Object.entries(states).map(([k, v]) => [k, visit(v)])),
    cancelled_by_office: ended("cancelled_by_office", "ended_by_instance_refused"),
  };
}

// ---------------------------------------------------------------------------------------------------------
// intake

/**
 * `started` (draft) and `submitted` (waiting for the protocol). `protocol` is what the registration does:
 * start the term (`checking`, `startTerm`) or, for a comunicazione, make the filing effective at once.
 */
export function intake(protocol: TransitionSpec = { target: "checking", actions: "startTerm" }) {
  return {
    started: {
      meta: { status: "draft", ssu: "started" },
      on: { SUBMIT: { target: "submitted", actions: "recordSubmission" } },
    },
    submitted: {
      meta: { status: "submitted", ssu: "started" },
      on: { PROTOCOL: protocol, ...cancellable },
    },
  } satisfies Record<string, StateSpec>;
}

// ---------------------------------------------------------------------------------------------------------
// the check: admissibility, regularisation, agencies, integration

export interface CheckingOptions {
  /** the machine's id, for targets outside `checking` (`#<id>.inadmissible`) */
  machineId: string;
  /** the regime's own events while checking (outcomes, conformation, 10-bis notice) */
  on: OnSpec;
  /** forwarding to the agencies (or convening the conferenza): one target or guarded candidates */
  forward: TransitionsSpec;
  /** the regime's states while the agencies answer (`awaiting_opinions`, `cdss_convened`) */
  opinionStates: Record<string, StateSpec>;
}

/**
 * The state in which the SUAP checks the filing. Children: `presented` (may ask for regularisation, declare
 * it inadmissible or forward it), `corrected` (after regularisation: inadmissible or forward), the regime's
 * opinion states, `integrated` (after the integration answer) and `review` (all agencies answered, 10-bis
 * observations in, measures taken). On the parent: the agencies' integration requests merged into one
 * request to the applicant (SSU), the agencies' conclusions or silence (the last one leads to `review`), the
 * regime's own events, withdrawal.
 */
export function checking(o: CheckingOptions): CompoundSpec {
  const inadmissible = {
    REFUSE_INADMISSIBLE: { target: `#${o.machineId}.inadmissible`, actions: "refuseInadmissible" },
  } satisfies OnSpec;
  return {
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
      AGENCY_CONCLUSION: lastAgencyToReview("recordConclusion"),
      AGENCY_TERM_EXPIRED: lastAgencyToReview("agencyTermExpired"),
      ...o.on,
      ...cancellable,
    },
    states: {
      presented: {
        meta: { status: "in_review", ssu: "presented" },
        on: {
          REQUEST_CORRECTION: {
            target: `#${o.machineId}.correction_requested`,
            actions: "requestCorrection",
          },
          ...inadmissible,
          FORWARD_TO_AGENCIES: o.forward,
        },
      },
      corrected: {
        meta: { status: "in_review", ssu: "corrected" },
        on: { ...inadmissible, FORWARD_TO_AGENCIES: o.forward },
      },
      ...o.opinionStates,
      integrated: { meta: { status: "in_review", ssu: "integrated" } },
      review: { meta: { status: "in_review", ssu: "presented" } },
    },
  };
}

/** The last pending agency's answer (or silence) moves the check to `review`; an earlier one is recorded. */
function lastAgencyToReview(action: ActionName): TransitionSpec[] {
  return [
    { guard: "onlyThisAgencyPending", target: ".review", actions: action },
    { guard: "isAgencyPending", actions: action },
  ];
}

/** Forwarding to the agencies named in the event: the term of each is set, opinions are awaited in `target`. */
export const forwardTo = (target: string): TransitionSpec => ({
  guard: "validAgencyList",
  target,
  actions: "forwardToAgencies",
});

/** A state of `checking` in which the agencies' opinions are awaited. */
export const awaitingOpinions = (ssu: "presented" | "cdss_convened"): StateSpec => ({
  meta: { status: "awaiting_opinions", ssu },
});

/**
 * BPMN "rich. regolarizzazione" (formally incomplete filing): the term stops; regularised, it restarts in full
 * (`checking.corrected`); once the given term has passed the office may declare the filing inadmissible.
 */
export function correctionRequested(): StateSpec {
  return {
    meta: { status: "correction_requested", ssu: "correction_requested" },
    on: {
      CORRECTED: { target: "checking.corrected", actions: "applyCorrection" },
      REFUSE_INADMISSIBLE: {
        guard: "correctionTermElapsed",
        target: "inadmissible",
        actions: "refuseInadmissible",
      },
      ...cancellable,
    },
  };
}

/**
 * Art. 2 c.7: the merged integration request suspends the term (once, at most 30 days). The answer in time
 * resumes it (`checking.integrated`); no answer by the term ends the procedure.
 */
export function integrationRequested(): StateSpec {
  return {
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
      ...cancellable,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// art. 10-bis: notice of refusal, observations, then grant or deny

/**
 * The outcome events of a regime with an express decision: the 10-bis notice, granting under `grantGuard`,
 * and denying only after the notice. `between` goes after GRANT (e.g. silent consent at the term).
 */
export function decisionEvents(grantGuard: GuardName, between: OnSpec = {}): OnSpec {
  return {
    NOTICE_OF_REFUSAL: { target: "refusal_notice", actions: "noticeOfRefusal" },
    GRANT: { guard: grantGuard, target: "granted", actions: "grant" },
    ...between,
    DENY: { guard: "refusalNoticeSent", target: "denied", actions: "deny" },
  };
}

/** Art. 10-bis: the notice suspends the term; observations in time, or the window's end, lead to `review`. */
export function refusalNotice(): StateSpec {
  return {
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
      ...cancellable,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// ending states

/** An outcome (SSU ended_by_*): only archiving, plus the events in `on`, remain. */
export function ended(status: string, ssu: string, on: OnSpec = {}): StateSpec {
  return { meta: { status, ssu, ended: true }, on: { ...on, ...archive } };
}

/** Granted or denied by an express decision. */
export function decided() {
  return {
    granted: ended("granted", "ended_by_positive_outcome"),
    denied: ended("denied", "ended_by_negative_outcome"),
  } satisfies Record<string, StateSpec>;
}

/**
 * The endings every regime has: inadmissible, (with a check) integration expired, cancelled, and the final
 * `archived`.
 */
export function endings({ integration = true }: { integration?: boolean } = {}) {
  return {
    inadmissible: ended("inadmissible", "ended_by_instance_refused"),
    ...(integration
      ? { integration_expired: ended("integration_expired", "ended_by_integration_times_expired") }
      : {}),
    cancelled: ended("cancelled", "ended_by_submitter_cancel_requested"),
    archived: { type: "final", meta: { status: "archived", ssu: "archived", ended: true } },
  } satisfies Record<string, StateSpec>;
}

/** A machine's config with office cancellation added: the next version of a regime (see withOfficeCancellation). */
export function officeCancellationConfig(machine: { config: unknown }) {
  const config = machine.config as Parameters<typeof regimeSetup.createMachine>[0];
  return {
    ...config,
    states: withOfficeCancellation(config.states as Record<string, AnySpec>),
  } as typeof config;
}
