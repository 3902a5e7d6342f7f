/**
 * Context, guards and actions shared by the regime machines. Each machine file still builds its own machine
 * with `setup()`; sharing the implementations keeps the legal rules (clock, deadlines, merged integration
 * requests) in one place so the regimes cannot drift apart on them.
 *
 * Effects are collected in `context.effects`: `step()` empties the array before each transition and reads it
 * afterwards, so one accepted event yields exactly the effects of the actions it ran.
 */
import { assign } from "xstate";
import {
  addAgencyTerm,
  agencyDueDate,
  type Calendar,
  type ClockState,
  daysBetween,
  dueDate,
  type IsoDate,
  integrationDueDate,
  interruptClock,
  isIsoDate,
  MAX_INTEGRATION_SUSPENSION_DAYS,
  noticeOfRefusal,
  observationsDueDate,
  observationsReceived,
  observationsTermExpired,
  resetClock,
  resumeClock,
  startClock,
  suspendForIntegration,
  termEnd,
  toIsoDate,
} from "./clock";
import { agencyDeadline, type DeadlineName, type Effect, type Recipient } from "./effects";
import type { ConclusionOutcome, EventType, WorkflowEvent } from "./events";

export type Regime =
  | "comunicazione"
  | "scia"
  | "scia_unica"
  | "scia_condizionata"
  | "silenzio_assenso"
  | "autorizzazione";

/**
 * Day counts from the catalogue (Catalogo SSU `times` plus the few legal counts the SSU does not carry).
 * None of them is a literal in the machines: a procedure's figures are data pinned to its catalogue version.
 */
export interface WorkflowTimes {
  /** applicant's time to regularise a formally incomplete filing */
  max_gg_correction?: number;
  /** SUAP's time for the admissibility check (informative) */
  max_gg_admissibility?: number;
  /** window, from forwarding, in which agencies may ask for integrations (art. 14-bis c.2 lett. b: 15) */
  max_gg_int_req?: number;
  /** applicant's time to answer the merged integration request */
  max_gg_int_resp?: number;
  /** agencies' time to send conclusions when forwarding does not say (informative) */
  max_gg_concl_send?: number;
  /** SCIA condizionata: conferenza di servizi convened within these days (art. 19-bis c.3: 5) */
  max_gg_cdss_req?: number;
  /** art. 10-bis: days for observations (10) */
  observations_days?: number;
  /** art. 10-bis: the term resumes this many days after the observations (10) */
  resume_after_observations_days?: number;
  /** art. 19 c.3: minimum term of a conformation order (30) */
  conformation_min_days?: number;
  /** art. 19-bis c.2: agencies propose prohibitions at least these days before the term (5) */
  agency_proposal_lead_days?: number;
  /** art. 20 c.2-bis: attestation of silent consent within these days of the request (10) */
  attestation_days?: number;
}

export type TimeName = keyof WorkflowTimes;

export interface WorkflowInput {
  regime: Regime;
  /** max_gg_proc: the term of the procedure in calendar days */
  termDays: number;
  times: WorkflowTimes;
  calendar: Calendar;
  praticaId?: string;
}

export type AgencyStatus = "pending" | "concluded" | "expired";

export interface AgencyState {
  agencyId: string;
  termDays: number;
  forwardedAt: IsoDate;
  status: AgencyStatus;
  outcome?: ConclusionOutcome;
  reasons?: string;
  concludedAt?: IsoDate;
  /** sent after its own deadline (kept, but the office sees it was late) */
  late?: boolean;
  integrationRequested?: boolean;
}

export interface DeadlineState {
  due: IsoDate;
  event: EventType | null;
  suspended: boolean;
}

export interface IntegrationRequest {
  /** agencyId, or "suap" for the office's own items */
  from: string;
  items: string[];
  at: IsoDate;
}

export interface MachineConfig {
  /** event the "final" deadline dispatches (null: the office must decide explicitly) */
  finalEvent: EventType | null;
  /** SCIA unica: cap agency deadlines this many days before the final term */
  agencyLeadDays: number | null;
}

export interface WorkflowContext {
  input: WorkflowInput;
  config: MachineConfig;
  clock: ClockState | null;
  /** true from protocol until an outcome: the "final" deadline should exist */
  termActive: boolean;
  agencies: Record<string, AgencyState>;
  integrationRequests: IntegrationRequest[];
  /** when the window for agencies' integration requests closes */
  integrationWindowEnd: IsoDate | null;
  deadlines: Record<DeadlineName, DeadlineState>;
  flags: {
    correctionRequested: boolean;
    integrationRequested: boolean;
    refusalNoticeSent: boolean;
    conformationRequested: boolean;
    attestationRequested: boolean;
    attestationIssued: boolean;
  };
  submittedAt: IsoDate | null;
  protocol: { number?: string; date: IsoDate } | null;
  correctionDue: IsoDate | null;
  conformationDue: IsoDate | null;
  decision: { outcome: string; reasons?: string; at: IsoDate } | null;
  effects: Effect[];
}

export function initialContext(input: WorkflowInput, config: MachineConfig): WorkflowContext {
  return {
    input,
    config,
    clock: null,
    termActive: false,
    agencies: {},
    integrationRequests: [],
    integrationWindowEnd: null,
    deadlines: {},
    flags: {
      correctionRequested: false,
      integrationRequested: false,
      refusalNoticeSent: false,
      conformationRequested: false,
      attestationRequested: false,
      attestationIssued: false,
    },
    submittedAt: null,
    protocol: null,
    correctionDue: null,
    conformationDue: null,
    decision: null,
    effects: [],
  };
}

// ---------------------------------------------------------------------------------------------------------
// small helpers

type Ctx = WorkflowContext;
type Ev = WorkflowEvent;

export const eventDate = (ev: { at: string }): IsoDate => toIsoDate(ev.at);

function safeDate(ev: { at?: unknown }): IsoDate | null {
  return typeof ev.at === "string" && isIsoDate(ev.at.slice(0, 10)) ? ev.at.slice(0, 10) : null;
}

/** A catalogue day count; a missing one is a catalogue error, reported (not guessed). */
export function time(ctx: Ctx, name: TimeName): number {
  const v = ctx.input.times[name];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new Error(`Missing catalogue term "${name}"`);
  }
  return v;
}

const cal = (ctx: Ctx): Calendar => ctx.input.calendar;

function emit(ctx: Ctx, ...effects: Effect[]): Ctx {
  return { ...ctx, effects: [...ctx.effects, ...effects] };
}

function clockOf(ctx: Ctx): ClockState {
  if (!ctx.clock) throw new Error("Clock not started");
  return ctx.clock;
}

function pendingAgencies(ctx: Ctx): AgencyState[] {
  return Object.values(ctx.agencies).filter((a) => a.status === "pending");
}

const agencyRecipients = (ctx: Ctx, onlyPending = false): Recipient[] =>
  Object.values(ctx.agencies)
    .filter((a) => !onlyPending || a.status === "pending")
    .map((a) => ({ agencyId: a.agencyId }));

function setDeadline(
  ctx: Ctx,
  name: DeadlineName,
  due: IsoDate,
  event: EventType | null,
  payload?: Record<string, unknown>,
): Ctx {
  const effect: Effect = { type: "deadline.set", name, due, event };
  if (payload) effect.payload = payload;
  return emit({ ...ctx, deadlines: { ...ctx.deadlines, [name]: { due, event, suspended: false } } }, effect);
}

function cancelDeadline(ctx: Ctx, name: DeadlineName): Ctx {
  if (!ctx.deadlines[name]) return ctx;
  const { [name]: _gone, ...rest } = ctx.deadlines;
  return emit({ ...ctx, deadlines: rest }, { type: "deadline.cancel", name });
}

/** The timer row already fired: forget it without asking the engine to cancel it. */
function firedDeadline(ctx: Ctx, name: DeadlineName): Ctx {
  if (!ctx.deadlines[name]) return ctx;
  const { [name]: _gone, ...rest } = ctx.deadlines;
  return { ...ctx, deadlines: rest };
}

function cancelAllDeadlines(ctx: Ctx): Ctx {
  let next: Ctx = { ...ctx, termActive: false };
  for (const name of Object.keys(ctx.deadlines)) next = cancelDeadline(next, name);
  return next;
}

/**
 * Brings the "final" and agency deadlines in line with the clock after any clock operation: suspend when the
 * clock stops, resume with the new due date when it restarts, re-set when a reset moves it, cancel when the
 * term is interrupted. Keeping this derivation in one function is what guarantees that the timer rows in the
 * database always agree with the dates the clock shows.
 */
function syncDeadlines(ctx: Ctx): Ctx {
  const clock = ctx.clock;
  if (!clock) return ctx;
  let next = ctx;
  const sync = (
    name: DeadlineName,
    due: IsoDate | null,
    suspended: boolean,
    event: EventType | null,
    payload?: Record<string, unknown>,
  ) => {
    const cur = next.deadlines[name];
    if (!due) {
      next = cancelDeadline(next, name);
      return;
    }
    if (!cur) {
      next = setDeadline(next, name, due, event, payload);
      if (suspended) next = suspendOne(next, name);
      return;
    }
    if (suspended) {
      if (!cur.suspended) next = suspendOne(next, name);
      // keep the provisional due date readable while suspended
      next = { ...next, deadlines: { ...next.deadlines, [name]: { ...next.deadlines[name], due } } };
      return;
    }
    if (cur.suspended) {
      next = emit(
        { ...next, deadlines: { ...next.deadlines, [name]: { ...cur, due, suspended: false } } },
        { type: "deadline.resume", name, due },
      );
    } else if (cur.due !== due) {
      next = setDeadline(next, name, due, cur.event, payload);
    }
  };
  const suspended = clock.suspension !== null;
  if (next.termActive) sync("final", dueDate(clock, cal(next)), suspended, next.config.finalEvent);
  for (const a of pendingAgencies(next)) {
    const name = agencyDeadline(a.agencyId);
    if (!next.deadlines[name]) continue;
    const since = clock.suspension?.since;
    const agencySuspended = suspended && since !== undefined && daysBetween(a.forwardedAt, since) >= 0;
    sync(name, agencyDueDate(clock, a.agencyId, cal(next)), agencySuspended, "AGENCY_TERM_EXPIRED", {
      agencyId: a.agencyId,
    });
  }
  return next;
}

function suspendOne(ctx: Ctx, name: DeadlineName): Ctx {
  const cur = ctx.deadlines[name];
  if (!cur) return ctx;
  return emit(
    { ...ctx, deadlines: { ...ctx.deadlines, [name]: { ...cur, suspended: true } } },
    { type: "deadline.suspend", name },
  );
}

function withClock(ctx: Ctx, clock: ClockState): Ctx {
  return syncDeadlines({ ...ctx, clock });
}

function conclude(ctx: Ctx, ev: Ev, outcome: string, reasons?: string): Ctx {
  const decision: Ctx["decision"] = { outcome, at: eventDate(ev) };
  if (reasons) decision.reasons = reasons;
  return cancelAllDeadlines({ ...ctx, decision });
}

// ---------------------------------------------------------------------------------------------------------
// guards (named, so diagrams and rejection messages can refer to them)

export type GuardArgs = { context: WorkflowContext; event: WorkflowEvent };
export type GuardFn = (args: GuardArgs) => boolean;

const atLeast = (ev: Ev, date: IsoDate | null | undefined): boolean => {
  const d = safeDate(ev);
  return d !== null && !!date && d >= date;
};
const atMost = (ev: Ev, date: IsoDate | null | undefined): boolean => {
  const d = safeDate(ev);
  return d !== null && !!date && d <= date;
};

const agencyOf = (context: Ctx, event: Ev): AgencyState | undefined =>
  "agencyId" in event && typeof event.agencyId === "string" ? context.agencies[event.agencyId] : undefined;

const isAgencyPending: GuardFn = ({ context, event }) => agencyOf(context, event)?.status === "pending";

const onlyThisAgencyPending: GuardFn = ({ context, event }) => {
  const a = agencyOf(context, event);
  return a?.status === "pending" && pendingAgencies(context).length === 1;
};

const validAgencyList: GuardFn = ({ context, event }) => {
  if (event.type !== "FORWARD_TO_AGENCIES" || !Array.isArray(event.agencies) || event.agencies.length === 0) {
    return false;
  }
  const ids = event.agencies.map((a) => a?.agencyId);
  return (
    new Set(ids).size === ids.length &&
    event.agencies.every(
      (a) =>
        typeof a?.agencyId === "string" &&
        a.agencyId.length > 0 &&
        !context.agencies[a.agencyId] &&
        Number.isInteger(a.termDays) &&
        a.termDays > 0,
    )
  );
};

export const guards = {
  isAgencyPending,
  onlyThisAgencyPending,
  validAgencyList,
  /** DPR 160 art. 7 / art. 14-bis: a conferenza when opinions of at least two administrations are needed */
  convenesConference: (args: GuardArgs) =>
    validAgencyList(args) && args.event.type === "FORWARD_TO_AGENCIES" && args.event.agencies.length >= 2,
  agencyMayRequestIntegration: ({ context, event }: GuardArgs) =>
    event.type === "AGENCY_REQUESTS_INTEGRATION" &&
    isAgencyPending({ context, event }) &&
    Array.isArray(event.items) &&
    event.items.length > 0 &&
    !context.flags.integrationRequested &&
    atMost(event, context.integrationWindowEnd),
  /** art. 2 c.7: once per procedure, and there must be something to ask */
  integrationRequestAllowed: ({ context, event }: GuardArgs) => {
    if (event.type !== "SEND_INTEGRATION_REQUEST" || !context.clock) return false;
    if (context.clock.integrationSuspensionUsed || context.clock.suspension || context.clock.interruptedAt) {
      return false;
    }
    const own = Array.isArray(event.items) ? event.items.length : 0;
    if (own + context.integrationRequests.length === 0) return false;
    const max = context.input.times.max_gg_int_resp;
    const days = event.answerDays ?? max;
    return Number.isInteger(days) && days! > 0 && (max === undefined || days! <= max);
  },
  integrationInTime: ({ context, event }: GuardArgs) =>
    !!context.clock && atMost(event, integrationDueDate(context.clock, cal(context))),
  integrationTermReached: ({ context, event }: GuardArgs) =>
    !!context.clock && atLeast(event, integrationDueDate(context.clock, cal(context))),
  correctionTermElapsed: ({ context, event }: GuardArgs) => atLeast(event, context.correctionDue),
  conformationTermValid: ({ context, event }: GuardArgs) =>
    event.type === "REQUEST_CONFORMATION" &&
    Number.isInteger(event.termDays) &&
    event.termDays >= (context.input.times.conformation_min_days ?? Number.POSITIVE_INFINITY) &&
    withinTerm({ context, event }),
  conformationTermReached: ({ context, event }: GuardArgs) => atLeast(event, context.conformationDue),
  /** after the term the SUAP can only act in autotutela (art. 21-nonies), not through this workflow */
  withinTerm: (args: GuardArgs) => withinTerm(args),
  termReached: (args: GuardArgs) => termReached(args),
  termReachedWithNegative: (args: GuardArgs) =>
    termReached(args) && Object.values(args.context.agencies).some((a) => a.outcome === "negative"),
  termReachedWithConformation: (args: GuardArgs) =>
    termReached(args) && Object.values(args.context.agencies).some((a) => a.outcome === "conformation"),
  observationsInTime: ({ context, event }: GuardArgs) =>
    !!context.clock && atMost(event, observationsDueDate(context.clock, cal(context))),
  observationsTermReached: ({ context, event }: GuardArgs) =>
    !!context.clock && atLeast(event, observationsDueDate(context.clock, cal(context))),
  /** art. 10-bis: no refusal without a notice of refusal first */
  refusalNoticeSent: ({ context }: GuardArgs) => context.flags.refusalNoticeSent,
  /** no agency still to answer and none against (art. 14-bis c.5: an unresolved dissent blocks approval) */
  grantAllowed: ({ context }: GuardArgs) =>
    pendingAgencies(context).length === 0 &&
    !Object.values(context.agencies).some((a) => a.outcome === "negative"),
  /** SCIA condizionata: the activity waits for the authorisations, so the conferenza must have concluded */
  conferenceConcludedPositively: ({ context }: GuardArgs) =>
    Object.keys(context.agencies).length > 0 &&
    pendingAgencies(context).length === 0 &&
    !Object.values(context.agencies).some((a) => a.outcome === "negative"),
  /**
   * SCIA (scia@2): the office may end the checks with a positive outcome before the term (art. 19 c.3 leaves
   * it 60 days at most), once no agency is still to answer and none proposed a prohibition or conformation.
   */
  /** CANCEL_BY_OFFICE on the applicant's withdrawal: the pratica ends as withdrawn (SSU submitter cancel) */
  cancelOnWithdrawal: ({ event }: GuardArgs) =>
    event.type === "CANCEL_BY_OFFICE" && event.ground === "withdrawal",
  checksConcludable: (args: GuardArgs) =>
    withinTerm(args) &&
    pendingAgencies(args.context).length === 0 &&
    !Object.values(args.context.agencies).some(
      (a) => a.outcome === "negative" || a.outcome === "conformation",
    ),
  attestationNotRequested: ({ context }: GuardArgs) => !context.flags.attestationRequested,
  attestationPending: ({ context }: GuardArgs) =>
    context.flags.attestationRequested && !context.flags.attestationIssued,
} satisfies Record<string, GuardFn>;

function termReached({ context, event }: GuardArgs): boolean {
  return !!context.clock && atLeast(event, dueDate(context.clock, cal(context)));
}

function withinTerm({ context, event }: GuardArgs): boolean {
  return !!context.clock && atMost(event, dueDate(context.clock, cal(context)));
}

export type GuardName = keyof typeof guards;

/** Guards that look at the event's payload: allowedEvents() cannot evaluate them without one. */
export const payloadGuards = new Set<GuardName>([
  "isAgencyPending",
  "onlyThisAgencyPending",
  "validAgencyList",
  "convenesConference",
  "agencyMayRequestIntegration",
  "integrationRequestAllowed",
  "conformationTermValid",
  "cancelOnWithdrawal",
]);

// ---------------------------------------------------------------------------------------------------------
// actions

type ActionImpl = (ctx: Ctx, ev: Ev) => Ctx;

/** action object -> the function it runs (XState keeps it in a closure): read by the frozen-definition test */
const implementations = new WeakMap<object, ActionImpl>();

const act = (fn: ActionImpl) => {
  const action = assign<Ctx, Ev, undefined, Ev, never>(({ context, event }) => fn(context, event));
  implementations.set(action, fn);
  return action;
};

/** The function a named action runs, so its code can be compared with a frozen snapshot. */
export const actionImplementation = (action: unknown): ActionImpl | undefined =>
  typeof action === "function" ? implementations.get(action) : undefined;

const reasonsOf = (ev: Ev): string | undefined =>
  "reasons" in ev && typeof ev.reasons === "string" ? ev.reasons : undefined;

export const actions = {
  recordSubmission: act((ctx, ev) =>
    emit(
      { ...ctx, submittedAt: eventDate(ev) },
      { type: "protocol", direction: "in", subject: "Presentazione pratica" },
    ),
  ),

  /** DPR 160 art. 5: the receipt is immediate and the protocol date is the filing date, when the term starts. */
  startTerm: act((ctx, ev) => {
    const date = eventDate(ev);
    const protocol: Ctx["protocol"] = { date };
    if (ev.type === "PROTOCOL" && ev.protocolNumber) protocol.number = ev.protocolNumber;
    let next = withClock({ ...ctx, protocol, termActive: true }, startClock(date, ctx.input.termDays));
    const finalDue = next.deadlines.final?.due;
    next = emit(
      next,
      { type: "document", kind: "ricevuta", protocol: "pratica", data: { protocol, finalDue } },
      { type: "notify", template: "ricevuta", to: ["applicant"] },
      { type: "notify", template: "nuova_pratica", to: ["desk"] },
    );
    if (ctx.input.times.max_gg_cdss_req !== undefined && ctx.input.regime === "scia_condizionata") {
      next = setDeadline(
        next,
        "cdss_convocation",
        termEnd(date, time(ctx, "max_gg_cdss_req"), cal(ctx)),
        null,
      );
    }
    return next;
  }),

  /** Comunicazione: effective on filing, so the receipt is the whole procedure. */
  issueReceiptEffective: act((ctx, ev) => {
    const date = eventDate(ev);
    const protocol: Ctx["protocol"] = { date };
    if (ev.type === "PROTOCOL" && ev.protocolNumber) protocol.number = ev.protocolNumber;
    return emit(
      { ...ctx, protocol, decision: { outcome: "effective", at: date } },
      { type: "document", kind: "ricevuta", protocol: "pratica", data: { protocol, effective: true } },
      { type: "notify", template: "ricevuta", to: ["applicant"] },
      { type: "notify", template: "nuova_pratica", to: ["desk"] },
    );
  }),

  /** BPMN "Fermo tempi procedimento" + "rich. regolarizzazione": the term stops and restarts in full. */
  requestCorrection: act((ctx, ev) => {
    const date = eventDate(ev);
    const correctionDue = termEnd(date, time(ctx, "max_gg_correction"), cal(ctx));
    let next = withClock(
      { ...ctx, correctionDue, flags: { ...ctx.flags, correctionRequested: true } },
      interruptClock(clockOf(ctx), date),
    );
    next = emit(
      next,
      {
        type: "document",
        kind: "richiesta_regolarizzazione",
        protocol: "out",
        data: { items: ev.type === "REQUEST_CORRECTION" ? (ev.items ?? []) : [], reasons: reasonsOf(ev) },
      },
      { type: "protocol", direction: "out", subject: "Richiesta di regolarizzazione" },
      { type: "notify", template: "richiesta_regolarizzazione", to: ["applicant"] },
    );
    // a reminder for the desk: once it passes, the office may declare the filing inadmissible
    return setDeadline(next, "correction", correctionDue, null);
  }),

  /** BPMN "Reset tempi procedimento": a regularised filing gets the full term again. */
  applyCorrection: act((ctx, ev) => {
    const date = eventDate(ev);
    let next = cancelDeadline({ ...ctx, correctionDue: null }, "correction");
    next = withClock(next, resetClock(clockOf(ctx), date, ctx.input.termDays));
    return emit(
      next,
      { type: "protocol", direction: "in", subject: "Regolarizzazione" },
      { type: "notify", template: "pratica_regolarizzata", to: ["desk"] },
    );
  }),

  refuseInadmissible: act((ctx, ev) =>
    emit(
      conclude(ctx, ev, "inadmissible", reasonsOf(ev)),
      {
        type: "document",
        kind: "dichiarazione_irricevibilita",
        protocol: "out",
        data: { reasons: reasonsOf(ev) },
      },
      { type: "protocol", direction: "out", subject: "Dichiarazione di irricevibilità" },
      { type: "notify", template: "end_by_instance_refused", to: ["applicant", ...agencyRecipients(ctx)] },
    ),
  ),

  forwardToAgencies: act((ctx, ev) => {
    if (ev.type !== "FORWARD_TO_AGENCIES") return ctx;
    const date = eventDate(ev);
    let clock = clockOf(ctx);
    const agencies = { ...ctx.agencies };
    for (const a of ev.agencies) {
      clock = addAgencyTerm(clock, a.agencyId, date, a.termDays, ctx.config.agencyLeadDays ?? undefined);
      agencies[a.agencyId] = {
        agencyId: a.agencyId,
        termDays: a.termDays,
        forwardedAt: date,
        status: "pending",
      };
    }
    const integrationWindowEnd =
      ctx.input.times.max_gg_int_req !== undefined
        ? termEnd(date, time(ctx, "max_gg_int_req"), cal(ctx))
        : null;
    let next: Ctx = { ...ctx, clock, agencies, integrationWindowEnd };
    const conference =
      ev.agencies.length >= 2 && ctx.input.regime !== "scia" && ctx.input.regime !== "scia_unica";
    next = emit(
      next,
      {
        type: "document",
        kind: conference ? "indizione_conferenza" : "inoltro_enti",
        protocol: "out",
        data: { agencies: ev.agencies },
      },
      {
        type: "protocol",
        direction: "out",
        subject: conference ? "Indizione conferenza di servizi" : "Inoltro agli enti terzi",
      },
      {
        type: "notify",
        template: conference ? "cdss_convened" : "richiesta_parere",
        to: ev.agencies.map((a) => ({ agencyId: a.agencyId })),
      },
    );
    for (const a of ev.agencies) {
      const due = agencyDueDate(clock, a.agencyId, cal(ctx))!;
      next = setDeadline(next, agencyDeadline(a.agencyId), due, "AGENCY_TERM_EXPIRED", {
        agencyId: a.agencyId,
      });
    }
    if (integrationWindowEnd) next = setDeadline(next, "integration_requests", integrationWindowEnd, null);
    return cancelDeadline(next, "cdss_convocation");
  }),

  /** SSU: agencies' requests are collected and merged into ONE request to the applicant. */
  collectIntegrationRequest: act((ctx, ev) => {
    if (ev.type !== "AGENCY_REQUESTS_INTEGRATION") return ctx;
    const a = ctx.agencies[ev.agencyId];
    return emit(
      {
        ...ctx,
        agencies: { ...ctx.agencies, [a.agencyId]: { ...a, integrationRequested: true } },
        integrationRequests: [
          ...ctx.integrationRequests,
          { from: ev.agencyId, items: [...ev.items], at: eventDate(ev) },
        ],
      },
      { type: "protocol", direction: "in", subject: `Richiesta di integrazione dell'ente ${ev.agencyId}` },
      { type: "notify", template: "integration_requested_from_agency", to: ["desk"] },
    );
  }),

  sendIntegrationRequest: act((ctx, ev) => {
    if (ev.type !== "SEND_INTEGRATION_REQUEST") return ctx;
    const date = eventDate(ev);
    const answerDays = ev.answerDays ?? time(ctx, "max_gg_int_resp");
    const maxDays = Math.min(answerDays, MAX_INTEGRATION_SUSPENSION_DAYS);
    const own: IntegrationRequest[] = ev.items?.length
      ? [{ from: "suap", items: [...ev.items], at: date }]
      : [];
    const merged = [...ctx.integrationRequests, ...own];
    let next = cancelDeadline(
      { ...ctx, integrationRequests: merged, flags: { ...ctx.flags, integrationRequested: true } },
      "integration_requests",
    );
    next = withClock(next, suspendForIntegration(clockOf(ctx), date, maxDays, answerDays));
    next = emit(
      next,
      {
        type: "document",
        kind: "richiesta_integrazione",
        protocol: "out",
        data: { requests: merged, answerDays },
      },
      { type: "protocol", direction: "out", subject: "Richiesta di integrazione" },
      { type: "notify", template: "integration_requested", to: ["applicant"] },
    );
    if (Object.keys(ctx.agencies).length > 0) {
      next = emit(next, {
        type: "notify",
        template: "integration_request_time_expired",
        to: agencyRecipients(ctx, true),
      });
    }
    return setDeadline(
      next,
      "integration",
      integrationDueDate(next.clock!, cal(ctx))!,
      "INTEGRATION_TERM_EXPIRED",
    );
  }),

  receiveIntegration: act((ctx, ev) => {
    let next = cancelDeadline(ctx, "integration");
    next = withClock(next, resumeClock(clockOf(ctx), eventDate(ev)));
    next = emit(
      next,
      { type: "protocol", direction: "in", subject: "Integrazione documentale" },
      { type: "notify", template: "instance_integrated", to: ["desk"] },
    );
    if (pendingAgencies(ctx).length > 0) {
      next = emit(
        next,
        { type: "document", kind: "inoltro_integrazione", protocol: "out" },
        { type: "notify", template: "instance_integrated", to: agencyRecipients(ctx, true) },
      );
    }
    return next;
  }),

  integrationExpired: act((ctx, ev) =>
    emit(
      conclude(firedDeadline(ctx, "integration"), ev, "integration_expired"),
      { type: "document", kind: "provvedimento", protocol: "out", data: { outcome: "integration_expired" } },
      { type: "protocol", direction: "out", subject: "Conclusione per mancata integrazione" },
      {
        type: "notify",
        template: "end_by_integration_times_expired",
        to: ["applicant", "desk", ...agencyRecipients(ctx)],
      },
    ),
  ),

  recordConclusion: act((ctx, ev) => {
    if (ev.type !== "AGENCY_CONCLUSION") return ctx;
    const date = eventDate(ev);
    const a = ctx.agencies[ev.agencyId];
    const due = ctx.deadlines[agencyDeadline(a.agencyId)]?.due;
    const updated: AgencyState = { ...a, status: "concluded", outcome: ev.outcome, concludedAt: date };
    if (ev.reasons) updated.reasons = ev.reasons;
    if (due && date > due) updated.late = true;
    return emit(
      cancelDeadline(
        { ...ctx, agencies: { ...ctx.agencies, [a.agencyId]: updated } },
        agencyDeadline(a.agencyId),
      ),
      { type: "protocol", direction: "in", subject: `Conclusioni dell'ente ${a.agencyId}` },
      {
        type: "document",
        kind: "parere",
        protocol: "in",
        data: { agencyId: a.agencyId, outcome: ev.outcome, reasons: ev.reasons },
      },
      { type: "notify", template: `conclusion_${ev.outcome}`, to: ["desk"] },
    );
  }),

  /** Silence of an agency: tacit assent in the simplified conferenza (art. 14-bis c.4), no proposal in SCIA. */
  agencyTermExpired: act((ctx, ev) => {
    if (ev.type !== "AGENCY_TERM_EXPIRED") return ctx;
    const a = ctx.agencies[ev.agencyId];
    return emit(
      firedDeadline(
        { ...ctx, agencies: { ...ctx.agencies, [a.agencyId]: { ...a, status: "expired" } } },
        agencyDeadline(a.agencyId),
      ),
      { type: "notify", template: "agency_term_expired", to: ["desk"] },
    );
  }),

  /** art. 19 c.3: the order interrupts the 60-day term. */
  requestConformation: act((ctx, ev) => {
    if (ev.type !== "REQUEST_CONFORMATION") return ctx;
    return conformationOrder(ctx, ev, ev.termDays, ev.reasons);
  }),

  /** SSU end_by_conformation_requested: agencies asked for conformation and the term ran out. */
  conformationFromAgencies: act((ctx, ev) => {
    const reasons = Object.values(ctx.agencies)
      .filter((a) => a.outcome === "conformation")
      .map((a) => `${a.agencyId}: ${a.reasons ?? ""}`.trim())
      .join("\n");
    return conformationOrder(firedDeadline(ctx, "final"), ev, time(ctx, "conformation_min_days"), reasons);
  }),

  /** art. 19 c.3: the 60-day term starts again in full when the measures are communicated. */
  conformed: act((ctx, ev) => {
    let next = cancelDeadline({ ...ctx, conformationDue: null, termActive: true }, "conformation");
    next = withClock(next, resetClock(clockOf(ctx), eventDate(ev), ctx.input.termDays));
    return emit(
      next,
      { type: "protocol", direction: "in", subject: "Comunicazione delle misure di conformazione" },
      { type: "notify", template: "conformed", to: ["desk", ...agencyRecipients(ctx)] },
    );
  }),

  /** art. 19 c.3: without the measures, at the end of the term the activity is prohibited. */
  prohibitForNoConformation: act((ctx, ev) =>
    emit(
      conclude(firedDeadline(ctx, "conformation"), ev, "prohibited", "Mancata conformazione nel termine"),
      {
        type: "document",
        kind: "provvedimento",
        protocol: "out",
        data: { outcome: "divieto", cause: "conformation_term_expired" },
      },
      { type: "protocol", direction: "out", subject: "Divieto di prosecuzione dell'attività" },
      {
        type: "notify",
        template: "end_by_suspension_requested",
        to: ["applicant", ...agencyRecipients(ctx)],
      },
    ),
  ),

  /** art. 10-bis: the notice suspends the term; observations within the window. */
  noticeOfRefusal: act((ctx, ev) => {
    const clock = noticeOfRefusal(
      clockOf(ctx),
      eventDate(ev),
      time(ctx, "observations_days"),
      time(ctx, "resume_after_observations_days"),
    );
    let next = withClock({ ...ctx, flags: { ...ctx.flags, refusalNoticeSent: true } }, clock);
    next = emit(
      next,
      { type: "document", kind: "preavviso_rigetto", protocol: "out", data: { reasons: reasonsOf(ev) } },
      { type: "protocol", direction: "out", subject: "Preavviso di rigetto (art. 10-bis L. 241/1990)" },
      { type: "notify", template: "preavviso_rigetto", to: ["applicant"] },
    );
    return setDeadline(
      next,
      "observations",
      observationsDueDate(clock, cal(ctx))!,
      "OBSERVATIONS_TERM_EXPIRED",
    );
  }),

  observationsReceived: act((ctx, ev) => {
    const next = withClock(
      cancelDeadline(ctx, "observations"),
      observationsReceived(clockOf(ctx), eventDate(ev)),
    );
    return emit(
      next,
      { type: "protocol", direction: "in", subject: "Osservazioni al preavviso di rigetto" },
      { type: "notify", template: "observations_received", to: ["desk"] },
    );
  }),

  observationsExpired: act((ctx) => {
    const next = withClock(
      firedDeadline(ctx, "observations"),
      observationsTermExpired(clockOf(ctx), cal(ctx)),
    );
    return emit(next, { type: "notify", template: "observations_term_expired", to: ["desk"] });
  }),

  grant: act((ctx, ev) =>
    emit(
      conclude(ctx, ev, "granted", reasonsOf(ev)),
      {
        type: "document",
        kind: "provvedimento",
        protocol: "out",
        data: { outcome: "positive", reasons: reasonsOf(ev) },
      },
      { type: "protocol", direction: "out", subject: "Provvedimento di accoglimento" },
      { type: "notify", template: "end_by_positive_outcome", to: ["applicant", ...agencyRecipients(ctx)] },
    ),
  ),

  deny: act((ctx, ev) =>
    emit(
      conclude(ctx, ev, "denied", reasonsOf(ev)),
      {
        type: "document",
        kind: "provvedimento",
        protocol: "out",
        data: { outcome: "negative", reasons: reasonsOf(ev) },
      },
      { type: "protocol", direction: "out", subject: "Provvedimento di diniego" },
      { type: "notify", template: "end_by_negative_outcome", to: ["applicant", ...agencyRecipients(ctx)] },
    ),
  ),

  /** SCIA: prohibition of the activity (art. 19 c.3), on the office's initiative or an agency's proposal. */
  prohibit: act((ctx, ev) =>
    emit(
      conclude(ctx, ev, "prohibited", reasonsOf(ev)),
      {
        type: "document",
        kind: "provvedimento",
        protocol: "out",
        data: { outcome: "divieto", reasons: reasonsOf(ev) },
      },
      { type: "protocol", direction: "out", subject: "Divieto di prosecuzione dell'attività" },
      {
        type: "notify",
        template: "end_by_suspension_requested",
        to: ["applicant", ...agencyRecipients(ctx)],
      },
    ),
  ),

  /** SSU end_by_suspension_requested: at the term, an agency's negative conclusion stands. */
  prohibitOnTerm: act((ctx, ev) => {
    const reasons = Object.values(ctx.agencies)
      .filter((a) => a.outcome === "negative")
      .map((a) => `${a.agencyId}: ${a.reasons ?? ""}`.trim())
      .join("\n");
    return emit(
      conclude(firedDeadline(ctx, "final"), ev, "prohibited", reasons),
      { type: "document", kind: "provvedimento", protocol: "out", data: { outcome: "divieto", reasons } },
      { type: "protocol", direction: "out", subject: "Divieto di prosecuzione dell'attività" },
      {
        type: "notify",
        template: "end_by_suspension_requested",
        to: ["applicant", ...agencyRecipients(ctx)],
      },
    );
  }),

  /** SCIA: the check period is over with no measure: the SCIA is consolidated (SSU proceeding_time_expired). */
  consolidate: act((ctx, ev) =>
    emit(conclude(firedDeadline(ctx, "final"), ev, "effective"), {
      type: "notify",
      template: "end_by_proceeding_time_expired",
      to: ["applicant", "desk", ...agencyRecipients(ctx)],
    }),
  ),

  /**
   * SCIA (scia@2): the checks ended with no measure before the term. The activity (effective since filing)
   * goes on; the outgoing communication is protocolled and the SSU end state is ended_by_positive_outcome.
   */
  concludeChecks: act((ctx, ev) =>
    emit(
      conclude(ctx, ev, "checks_passed", reasonsOf(ev)),
      {
        type: "document",
        kind: "provvedimento",
        protocol: "out",
        data: { outcome: "positive", reasons: reasonsOf(ev) },
      },
      { type: "protocol", direction: "out", subject: "Conclusione positiva dei controlli sulla SCIA" },
      { type: "notify", template: "end_by_positive_outcome", to: ["applicant", ...agencyRecipients(ctx)] },
    ),
  ),

  /** art. 20: silence at the term is approval. */
  silentConsent: act((ctx, ev) =>
    emit(conclude(firedDeadline(ctx, "final"), ev, "silent_consent"), {
      type: "notify",
      template: "end_by_positive_outcome",
      to: ["applicant", "desk", ...agencyRecipients(ctx)],
      data: { silentConsent: true },
    }),
  ),

  requestAttestation: act((ctx, ev) => {
    const next = emit(
      { ...ctx, flags: { ...ctx.flags, attestationRequested: true } },
      { type: "protocol", direction: "in", subject: "Richiesta di attestazione del silenzio-assenso" },
      { type: "notify", template: "attestation_requested", to: ["desk"] },
    );
    return setDeadline(
      next,
      "attestation",
      termEnd(eventDate(ev), time(ctx, "attestation_days"), cal(ctx)),
      null,
    );
  }),

  issueAttestation: act((ctx) =>
    emit(
      cancelDeadline({ ...ctx, flags: { ...ctx.flags, attestationIssued: true } }, "attestation"),
      { type: "document", kind: "attestazione_silenzio_assenso", protocol: "out" },
      {
        type: "protocol",
        direction: "out",
        subject: "Attestazione del silenzio-assenso (art. 20 L. 241/1990)",
      },
      { type: "notify", template: "attestazione_silenzio_assenso", to: ["applicant"] },
    ),
  ),

  cancel: act((ctx, ev) =>
    emit(
      conclude(ctx, ev, "cancelled", reasonsOf(ev)),
      { type: "protocol", direction: "in", subject: "Ritiro della pratica" },
      {
        type: "notify",
        template: "end_by_submitter_cancel_requested",
        to: ["applicant", "desk", ...agencyRecipients(ctx, true)],
      },
    ),
  ),

  archive: act((ctx) => cancelAllDeadlines(ctx)),

  /** The office closes the procedure without a decision: reasons, outgoing communication, everyone told. */
  cancelByOffice: act((ctx, ev) => {
    const withdrawal = ev.type === "CANCEL_BY_OFFICE" && ev.ground === "withdrawal";
    const ground = ev.type === "CANCEL_BY_OFFICE" ? ev.ground : "other";
    return emit(
      conclude(ctx, ev, withdrawal ? "cancelled" : "cancelled_by_office", reasonsOf(ev)),
      {
        type: "document",
        kind: "chiusura_ufficio",
        protocol: "out",
        data: { outcome: withdrawal ? "cancelled" : "cancelled_by_office", ground, reasons: reasonsOf(ev) },
      },
      { type: "protocol", direction: "out", subject: "Chiusura del procedimento da parte dell'ufficio" },
      { type: "notify", template: "end_by_office_cancel", to: ["applicant", ...agencyRecipients(ctx, true)] },
    );
  }),
};

function conformationOrder(ctx: Ctx, ev: Ev, termDays: number, reasons: string): Ctx {
  const date = eventDate(ev);
  const conformationDue = termEnd(date, termDays, cal(ctx));
  let next = withClock(
    { ...ctx, conformationDue, flags: { ...ctx.flags, conformationRequested: true } },
    interruptClock(clockOf(ctx), date),
  );
  next = emit(
    next,
    { type: "document", kind: "richiesta_conformazione", protocol: "out", data: { termDays, reasons } },
    {
      type: "protocol",
      direction: "out",
      subject: "Richiesta di conformazione (art. 19, comma 3, L. 241/1990)",
    },
    {
      type: "notify",
      template: "end_by_conformation_requested",
      to: ["applicant", ...agencyRecipients(ctx)],
    },
  );
  return setDeadline(next, "conformation", conformationDue, "CONFORMATION_TERM_EXPIRED");
}

export type ActionName = keyof typeof actions;

/** Per-state metadata: a stable status for DB/UI and the matching SSU instance state. */
export interface StateMeta {
  status: string;
  ssu: string;
  /** an outcome has been reached (ended_by_*): only archiving and attestations remain */
  ended?: boolean;
}

/**
 * The helpers that guards and actions call, by name. The frozen-definition test
 * (tests/unit/workflows/frozen.test.ts) adds the code of every helper a version's guards and actions reach, so
 * changing one of them (e.g. how a conclusion cancels the deadlines) is seen as a change of that version.
 * A new helper used by guards or actions belongs in this list.
 */
export const helpers: Record<string, (...args: never[]) => unknown> = {
  initialContext,
  eventDate,
  safeDate,
  time,
  cal,
  emit,
  clockOf,
  pendingAgencies,
  agencyRecipients,
  setDeadline,
  cancelDeadline,
  firedDeadline,
  cancelAllDeadlines,
  syncDeadlines,
  suspendOne,
  withClock,
  conclude,
  atLeast,
  atMost,
  agencyOf,
  isAgencyPending,
  onlyThisAgencyPending,
  validAgencyList,
  termReached,
  withinTerm,
  reasonsOf,
  conformationOrder,
  act,
};
