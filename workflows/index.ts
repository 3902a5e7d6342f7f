/**
 * Registry of workflow machines and the single pure function the engine calls: `step()`.
 *
 * Versions coexist: a pratica is pinned to the machine id + version it started with (stored in its snapshot).
 * A new version is added next to the old one, never in place of it, so a pratica filed under scia@1 keeps
 * running on scia@1 while new filings start on scia@2.
 */
import { type AnyStateMachine, initialTransition, type StateValue, transition } from "xstate";
import { eventText, refusalWords } from "../app/i18n/modules/words";
import { autorizzazioneMachine, autorizzazioneV2Machine } from "./autorizzazione";
import { ClockError, dueDate, integrationDueDate, isIsoDate, agencyDueDate } from "./clock";
import { comunicazioneMachine } from "./comunicazione";
import type { Effect } from "./effects";
import { type EventType, eventTypes, type WorkflowEvent } from "./events";
import type { Refusal } from "./refusal";
import { sciaMachine, sciaV2Machine, sciaV3Machine } from "./scia";
import { sciaCondizionataMachine, sciaCondizionataV2Machine } from "./scia-condizionata";
import {
  type GuardName,
  guards,
  payloadGuards,
  type Regime,
  type StateMeta,
  type TimeName,
  type WorkflowContext,
  type WorkflowInput,
} from "./shared";
import { silenzioAssensoMachine, silenzioAssensoV2Machine } from "./silenzio-assenso";

export type { ActorKind, EventType, WorkflowEvent } from "./events";
export { eventActors, eventTypes } from "./events";
export type { Effect, Recipient, DocumentKind } from "./effects";
export type { Regime, WorkflowInput, WorkflowTimes, WorkflowContext, StateMeta } from "./shared";

export interface WorkflowDefinition {
  id: string;
  version: number;
  /** "<id>@<version>", stored with the pratica */
  key: string;
  machine: AnyStateMachine;
  /** catalogue day counts this machine needs; a filing without them is refused at start, not mid-way */
  requiredTimes: TimeName[];
}

export function defineWorkflow(
  id: string,
  version: number,
  machine: AnyStateMachine,
  requiredTimes: TimeName[] = [],
): WorkflowDefinition {
  return { id, version, key: `${id}@${version}`, machine, requiredTimes };
}

const checkingTimes: TimeName[] = ["max_gg_correction", "max_gg_int_resp"];
const refusalTimes: TimeName[] = ["observations_days", "resume_after_observations_days"];

export const comunicazioneV1 = defineWorkflow("comunicazione", 1, comunicazioneMachine);
const sciaTimes: TimeName[] = [...checkingTimes, "conformation_min_days"];
export const sciaV1 = defineWorkflow("scia", 1, sciaMachine, sciaTimes);
/** scia@2: the office may record the positive end of the checks before the term (CONCLUDE_CHECKS). */
export const sciaV2 = defineWorkflow("scia", 2, sciaV2Machine, sciaTimes);
export const sciaCondizionataV1 = defineWorkflow("scia-condizionata", 1, sciaCondizionataMachine, [
  ...checkingTimes,
  ...refusalTimes,
  "max_gg_cdss_req",
]);
export const silenzioAssensoV1 = defineWorkflow("silenzio-assenso", 1, silenzioAssensoMachine, [
  ...checkingTimes,
  ...refusalTimes,
  "attestation_days",
]);
export const autorizzazioneV1 = defineWorkflow("autorizzazione", 1, autorizzazioneMachine, [
  ...checkingTimes,
  ...refusalTimes,
]);

/**
 * The v2 line (scia@3): the office may close a procedure without deciding it (CANCEL_BY_OFFICE), on the
 * applicant's withdrawal received outside the portal or for a duplicate or another ground, with reasons.
 */
export const sciaV3 = defineWorkflow("scia", 3, sciaV3Machine, sciaTimes);
export const sciaCondizionataV2 = defineWorkflow("scia-condizionata", 2, sciaCondizionataV2Machine, [
  ...checkingTimes,
  ...refusalTimes,
  "max_gg_cdss_req",
]);
export const silenzioAssensoV2 = defineWorkflow("silenzio-assenso", 2, silenzioAssensoV2Machine, [
  ...checkingTimes,
  ...refusalTimes,
  "attestation_days",
]);
export const autorizzazioneV2 = defineWorkflow("autorizzazione", 2, autorizzazioneV2Machine, [
  ...checkingTimes,
  ...refusalTimes,
]);

export interface WorkflowRegistry {
  /** the version new pratiche of this regime start on */
  current(regime: Regime): WorkflowDefinition;
  /** any registered version, for pratiche already running */
  get(id: string, version: number): WorkflowDefinition | undefined;
  byKey(key: string): WorkflowDefinition | undefined;
  all(): WorkflowDefinition[];
}

/**
 * `definitions`: every version still in use (old ones must stay while a pratica runs on them).
 * `current`: regime -> key of the version new filings use.
 */
export function createRegistry(
  definitions: WorkflowDefinition[],
  current: Partial<Record<Regime, string>>,
): WorkflowRegistry {
  const byKey = new Map<string, WorkflowDefinition>();
  for (const d of definitions) {
    if (byKey.has(d.key)) throw new Error(`Duplicate workflow ${d.key}`);
    byKey.set(d.key, d);
  }
  for (const [regime, key] of Object.entries(current)) {
    if (!byKey.has(key)) throw new Error(`Regime ${regime} points to unknown workflow ${key}`);
  }
  return {
    current(regime) {
      const key = current[regime];
      const def = key ? byKey.get(key) : undefined;
      if (!def) throw new Error(`No workflow for regime ${regime}`);
      return def;
    },
    get: (id, version) => byKey.get(`${id}@${version}`),
    byKey: (key) => byKey.get(key),
    all: () => [...byKey.values()],
  };
}

export const registry = createRegistry(
  // scia@1 stays registered: pratiche filed on it keep running on it
  [
    comunicazioneV1,
    sciaV1,
    sciaV2,
    sciaCondizionataV1,
    silenzioAssensoV1,
    autorizzazioneV1,
    // the office's cancellation (issue 12): new filings start on these; older pratiche keep their version
    sciaV3,
    sciaCondizionataV2,
    silenzioAssensoV2,
    autorizzazioneV2,
  ],
  {
    comunicazione: comunicazioneV1.key,
    scia: sciaV3.key,
    // SCIA unica is a SCIA forwarded at once to several offices: same machine, the lead-days cap comes from input
    scia_unica: sciaV3.key,
    scia_condizionata: sciaCondizionataV2.key,
    silenzio_assenso: silenzioAssensoV2.key,
    autorizzazione: autorizzazioneV2.key,
  },
);

export const workflowFor = (regime: Regime): WorkflowDefinition => registry.current(regime);
export const getWorkflow = (id: string, version: number): WorkflowDefinition | undefined =>
  registry.get(id, version);

// ---------------------------------------------------------------------------------------------------------
// persisted snapshot

/** What the engine stores in `pratiche.snapshot` (jsonb). */
export interface PersistedWorkflow {
  machine: string;
  value: StateValue;
  context: WorkflowContext;
  /** date of the last accepted event: later events may not go back in time */
  lastAt: string | null;
}

export interface DueDates {
  final?: string;
  integration?: string;
  agencies: Record<string, string>;
  /** other named deadlines still open (observations, conformation, correction, attestation, ...) */
  other: Record<string, string>;
}

export type StepResult =
  | {
      accepted: true;
      snapshot: PersistedWorkflow;
      status: string;
      ssu: string;
      /** XState final (archived): nothing else can happen */
      final: boolean;
      /** an outcome was reached (ended_by_*): only archiving/attestation remain */
      ended: boolean;
      effects: Effect[];
      dueDates: DueDates;
      suspended: boolean;
    }
  | { accepted: false; reason: string; reasonEn: string; refusal?: Refusal };

export type { Refusal };

type AnySnapshot = ReturnType<AnyStateMachine["resolveState"]>;

const reject = (reason: string, reasonEn: string, refusal?: Refusal): StepResult =>
  refusal ? { accepted: false, reason, reasonEn, refusal } : { accepted: false, reason, reasonEn };

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function restore(
  def: WorkflowDefinition,
  persisted: unknown,
): { snapshot: AnySnapshot; lastAt: string | null } | { error: StepResult } {
  if (!isRecord(persisted) || typeof persisted.machine !== "string" || !isRecord(persisted.context)) {
    return {
      error: reject("Lo stato salvato della pratica non è leggibile.", "The persisted snapshot is invalid."),
    };
  }
  if (persisted.machine !== def.key) {
    return {
      error: reject(
        `La pratica segue il procedimento ${persisted.machine}, non ${def.key}.`,
        `The case runs on ${persisted.machine}, not ${def.key}.`,
      ),
    };
  }
  const context = { ...(persisted.context as unknown as WorkflowContext), effects: [] };
  const snapshot = def.machine.resolveState({ value: persisted.value as StateValue, context });
  return { snapshot, lastAt: typeof persisted.lastAt === "string" ? persisted.lastAt : null };
}

function validateInput(def: WorkflowDefinition, input: unknown): string | null {
  if (!isRecord(input)) return "input mancante";
  const i = input as unknown as WorkflowInput;
  if (!Number.isInteger(i.termDays) || i.termDays < 0)
    return "termine del procedimento (max_gg_proc) non valido";
  if (!isRecord(i.calendar) || !Array.isArray(i.calendar.patronDays)) return "calendario mancante";
  if (!isRecord(i.times)) return "termini del catalogo mancanti";
  const missing = def.requiredTimes.filter(
    (t) => !Number.isInteger(i.times[t]) || (i.times[t] as number) < 0,
  );
  return missing.length ? `termini del catalogo mancanti: ${missing.join(", ")}` : null;
}

function metaOf(snapshot: AnySnapshot): StateMeta {
  // the deepest active state that declares a status wins (child states refine their parent)
  const entries = Object.entries(snapshot.getMeta() as Record<string, StateMeta | undefined>)
    .filter(([, m]) => m?.status)
    .sort(([a], [b]) => b.split(".").length - a.split(".").length);
  return entries[0]?.[1] ?? { status: "unknown", ssu: "unknown" };
}

type TransitionLike = { guard?: unknown; eventType: string };

/** State nodes active in the snapshot, from the root down. */
function activeNodes(snapshot: AnySnapshot): { on: Record<string, TransitionLike[]> }[] {
  return (snapshot as unknown as { _nodes: { on: Record<string, TransitionLike[]> }[] })._nodes;
}

function guardNameOf(t: TransitionLike): GuardName | null | "unknown" {
  if (t.guard === undefined) return null;
  const name = typeof t.guard === "string" ? t.guard : isRecord(t.guard) ? t.guard.type : undefined;
  return typeof name === "string" && name in guards ? (name as GuardName) : "unknown";
}

function transitionsFor(snapshot: AnySnapshot, type: string): TransitionLike[] {
  return activeNodes(snapshot).flatMap((n) => n.on?.[type] ?? []);
}

function explainRefusal(snapshot: AnySnapshot, event: WorkflowEvent, status: string): StepResult {
  // The words come from the one vocabulary (app/i18n/modules/words.ts); `reasonEn` stays the log text.
  const label = eventText("it", event.type);
  const candidates = transitionsFor(snapshot, event.type);
  if (candidates.length === 0) {
    return reject(
      `L'atto «${label}» non è ammesso nello stato attuale della pratica (${status}).`,
      `Event ${event.type} is not allowed in the current state (${status}).`,
      { event: event.type, status },
    );
  }
  const context = snapshot.context as WorkflowContext;
  for (const t of candidates) {
    const g = guardNameOf(t);
    if (g && g !== "unknown" && !safeGuard(g, context, event)) {
      return reject(`${label}: ${refusalWords[g].it}`, `${event.type}: ${refusalWords[g].en}`, {
        event: event.type,
        guard: g,
      });
    }
  }
  return reject(`L'atto «${label}» non è ammesso ora.`, `Event ${event.type} is not allowed now.`, {
    event: event.type,
  });
}

function safeGuard(name: GuardName, context: WorkflowContext, event: WorkflowEvent): boolean {
  try {
    return guards[name]({ context, event });
  } catch {
    return false;
  }
}

function dueDatesOf(ctx: WorkflowContext): DueDates {
  const out: DueDates = { agencies: {}, other: {} };
  const cal = ctx.input.calendar;
  for (const [name, d] of Object.entries(ctx.deadlines)) {
    if (name === "final") {
      const final = ctx.clock ? dueDate(ctx.clock, cal) : null;
      if (final) out.final = final;
    } else if (name === "integration") {
      out.integration = (ctx.clock && integrationDueDate(ctx.clock, cal)) || d.due;
    } else if (name.startsWith("agency:")) {
      const id = name.slice("agency:".length);
      out.agencies[id] = (ctx.clock && agencyDueDate(ctx.clock, id, cal)) || d.due;
    } else {
      out.other[name] = d.due;
    }
  }
  return out;
}

function toPersisted(
  def: WorkflowDefinition,
  snapshot: AnySnapshot,
  lastAt: string | null,
): PersistedWorkflow {
  const { effects: _effects, ...context } = snapshot.context as WorkflowContext;
  // a JSON round trip guarantees what we hand back is exactly what the database will give us next time
  return JSON.parse(
    JSON.stringify({ machine: def.key, value: snapshot.value, context: { ...context, effects: [] }, lastAt }),
  );
}

/**
 * Applies one event to a pratica. Pure: same arguments, same result. Never throws for an event the state does
 * not accept; returns `accepted: false` with a sentence the user can read.
 *
 * With `persisted === null` the machine starts from `input` and the event is applied to the initial state.
 */
export function step(
  def: WorkflowDefinition,
  persisted: unknown | null,
  event: WorkflowEvent,
  input?: WorkflowInput,
): StepResult {
  if (!isRecord(event) || typeof event.type !== "string" || !eventTypes.includes(event.type as EventType)) {
    return reject("Atto sconosciuto.", "Unknown event type.");
  }
  if (typeof event.at !== "string" || !isIsoDate(event.at.slice(0, 10))) {
    return reject("La data dell'atto manca o non è valida.", "The event date is missing or invalid.");
  }
  const date = event.at.slice(0, 10);

  let snapshot: AnySnapshot;
  let lastAt: string | null;
  try {
    if (persisted === null || persisted === undefined) {
      const problem = validateInput(def, input);
      if (problem) {
        return reject(`Impossibile avviare la pratica: ${problem}.`, `Cannot start the case: ${problem}.`);
      }
      [snapshot] = initialTransition(def.machine, input);
      lastAt = null;
    } else {
      const restored = restore(def, persisted);
      if ("error" in restored) return restored.error;
      ({ snapshot, lastAt } = restored);
    }
  } catch {
    return reject("Lo stato salvato della pratica non è valido.", "The persisted snapshot is not valid.");
  }

  const status = metaOf(snapshot).status;
  if (snapshot.status === "done") {
    return reject(
      "La pratica è archiviata: non sono ammessi altri atti.",
      "The case is archived: no more events.",
    );
  }
  if (lastAt && date < lastAt) {
    return reject(
      `La data dell'atto (${date}) precede l'ultimo atto registrato (${lastAt}).`,
      `The event date (${date}) is before the last recorded event (${lastAt}).`,
    );
  }
  if (!snapshot.can(event)) return explainRefusal(snapshot, event, status);

  let next: AnySnapshot;
  try {
    [next] = transition(def.machine, snapshot, event);
  } catch (e) {
    if (e instanceof ClockError) return reject(e.messageIt, e.message);
    const msg = e instanceof Error ? e.message : String(e);
    return reject(`L'atto non può essere applicato: ${msg}.`, `The event cannot be applied: ${msg}.`);
  }
  if (next.status === "error") {
    return reject("L'atto non può essere applicato.", "The event cannot be applied.");
  }
  const ctx = next.context as WorkflowContext;
  const meta = metaOf(next);
  return {
    accepted: true,
    snapshot: toPersisted(def, next, date),
    status: meta.status,
    ssu: meta.ssu,
    final: next.status === "done",
    ended: meta.ended === true,
    effects: ctx.effects,
    dueDates: dueDatesOf(ctx),
    suspended: ctx.clock?.suspension != null,
  };
}

/** Convenience for the engine: finds the definition a persisted snapshot is pinned to, then steps. */
export function stepPersisted(
  reg: WorkflowRegistry,
  persisted: PersistedWorkflow,
  event: WorkflowEvent,
): StepResult {
  const def = isRecord(persisted) ? reg.byKey(String(persisted.machine)) : undefined;
  if (!def) {
    return reject(
      "La versione del procedimento di questa pratica non è più disponibile.",
      "The workflow version of this case is not registered.",
    );
  }
  return step(def, persisted, event);
}

export interface StatusView {
  status: string;
  ssu: string;
  final: boolean;
  ended: boolean;
  dueDates: DueDates;
  suspended: boolean;
}

/** Status and dates of a persisted pratica without applying an event (for lists and detail pages). */
export function describe(def: WorkflowDefinition, persisted: unknown): StatusView | null {
  const restored = restore(def, persisted);
  if ("error" in restored) return null;
  const meta = metaOf(restored.snapshot);
  const ctx = restored.snapshot.context as WorkflowContext;
  return {
    status: meta.status,
    ssu: meta.ssu,
    final: restored.snapshot.status === "done",
    ended: meta.ended === true,
    dueDates: dueDatesOf(ctx),
    suspended: ctx.clock?.suspension != null,
  };
}

/**
 * Event types the current state accepts, for "only the acts allowed now" in the UI. Guards that depend only on
 * the pratica (e.g. "a notice of refusal was sent") are evaluated, with `at` = opts.at or the last event date;
 * guards on the payload (which agency, how many days) are assumed satisfiable: the final word is step().
 * With `persisted === null` it answers for a pratica not yet started (only SUBMIT).
 */
export function allowedEvents(
  def: WorkflowDefinition,
  persisted: unknown | null,
  opts: { at?: string; input?: WorkflowInput } = {},
): EventType[] {
  let snapshot: AnySnapshot;
  let lastAt: string | null = null;
  if (persisted === null || persisted === undefined) {
    if (!opts.input) return ["SUBMIT"];
    [snapshot] = initialTransition(def.machine, opts.input);
  } else {
    const restored = restore(def, persisted);
    if ("error" in restored) return [];
    ({ snapshot, lastAt } = restored);
  }
  if (snapshot.status === "done") return [];
  const at = opts.at ?? lastAt ?? "1970-01-01";
  const context = snapshot.context as WorkflowContext;
  return eventTypes.filter((type) =>
    transitionsFor(snapshot, type).some((t) => {
      const g = guardNameOf(t);
      if (g === null) return true;
      if (g === "unknown" || payloadGuards.has(g)) return true;
      return safeGuard(g, context, { type, at } as WorkflowEvent);
    }),
  );
}
