/**
 * Deterministic serialisation of a registered workflow version, for the frozen-definition test.
 *
 * What a version is, for a pratica that runs on it: the resolved state tree (states, nested states, initial
 * states, meta, entry/exit/always, every transition with its guard, targets, actions and reenter flag), the
 * machine's context factory, and the CODE of the guards and actions it uses (`Function.prototype.toString`),
 * plus the code of the helpers those reach (shared.ts `helpers`, the exported functions of clock.ts and
 * effects.ts), found by name, transitively. Anything that can change what an event does to a running pratica
 * shows up here.
 */
import type { AnyStateMachine } from "xstate";
import * as clockModule from "../../../workflows/clock";
import * as effectsModule from "../../../workflows/effects";
import type { WorkflowDefinition } from "../../../workflows/index";
import { actionImplementation, helpers } from "../../../workflows/shared";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface FrozenDefinition {
  key: string;
  id: string;
  version: number;
  requiredTimes: string[];
  /** the machine's `context` factory (it sets finalEvent and the lead-days cap) */
  context: string[];
  states: Json;
  guards: Record<string, string[]>;
  actions: Record<string, string[]>;
  helpers: Record<string, string[]>;
}

interface TransitionLike {
  target?: { id: string }[];
  guard?: unknown;
  actions: unknown[];
  reenter?: boolean;
}

interface NodeLike {
  id: string;
  key: string;
  type: string;
  meta?: unknown;
  tags: string[];
  history?: unknown;
  entry: unknown[];
  exit: unknown[];
  always?: TransitionLike[];
  invoke: { id: string; src: string }[];
  initial?: { target?: { id: string }[]; actions: unknown[] };
  on: Record<string, TransitionLike[]>;
  states: Record<string, NodeLike>;
}

/**
 * Source text as lines (readable diffs), trailing blanks dropped. The test runner rewrites imported names
 * (`(0, __vite_ssr_import_1__.startClock)(...)`) with numbers that follow the order of a file's imports:
 * those are put back to the plain name, so reordering imports does not count as a change.
 */
const lines = (fn: unknown): string[] =>
  String(fn)
    .replace(/\(0,\s*__vite_ssr_import_\d+__\.(\w+)\)/g, "$1")
    .replace(/__vite_ssr_import_\d+__\.(\w+)/g, "$1")
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""));

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Plain data, keys in a fixed order; functions become their source. */
function plain(value: unknown): Json {
  if (value === undefined || value === null) return null;
  if (typeof value === "function") return { code: lines(value) };
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = plain(v);
    }
    return out;
  }
  return value as Json;
}

interface Uses {
  guards: Set<string>;
  actions: Set<string>;
  inline: unknown[];
}

function ref(r: unknown, kind: Set<string>, uses: Uses): Json {
  if (typeof r === "string") {
    kind.add(r);
    return r;
  }
  if (typeof r === "function") {
    uses.inline.push(r);
    return { inline: lines(actionImplementation(r) ?? r) };
  }
  if (r && typeof r === "object" && "type" in r && typeof r.type === "string") {
    kind.add(r.type);
    return plain(r);
  }
  return plain(r);
}

function transition(t: TransitionLike, uses: Uses): Json {
  const out: Record<string, Json> = {
    target: (t.target ?? []).map((n) => n.id),
    actions: t.actions.map((a) => ref(a, uses.actions, uses)),
  };
  if (t.guard !== undefined) out.guard = ref(t.guard, uses.guards, uses);
  if (t.reenter) out.reenter = true;
  return out;
}

function node(n: NodeLike, uses: Uses): Json {
  const out: Record<string, Json> = { id: n.id, type: n.type };
  if (n.meta !== undefined) out.meta = plain(n.meta);
  if (n.tags.length) out.tags = [...n.tags].sort();
  if (n.history) out.history = plain(n.history);
  if (n.initial?.target?.length) {
    out.initial = n.initial.target.map((t) => t.id);
    if (n.initial.actions.length)
      out.initialActions = n.initial.actions.map((a) => ref(a, uses.actions, uses));
  }
  if (n.entry.length) out.entry = n.entry.map((a) => ref(a, uses.actions, uses));
  if (n.exit.length) out.exit = n.exit.map((a) => ref(a, uses.actions, uses));
  if (n.always?.length) out.always = n.always.map((t) => transition(t, uses));
  if (n.invoke.length) out.invoke = n.invoke.map((i) => ({ id: i.id, src: i.src }));
  const on: Record<string, Json> = {};
  // the order of the candidates for one event matters (first guard that passes wins): kept as is
  for (const [event, ts] of Object.entries(n.on)) on[event] = ts.map((t) => transition(t, uses));
  if (Object.keys(on).length) out.on = sorted(on);
  const states: Record<string, Json> = {};
  for (const [k, child] of Object.entries(n.states)) states[k] = node(child, uses);
  if (Object.keys(states).length) out.states = sorted(states);
  return out;
}

/** Named functions a piece of code may call: shared helpers and the exported functions of clock and effects. */
function knownHelpers(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(clockModule)) {
    if (typeof value === "function") out[`clock.${name}`] = value;
  }
  for (const [name, value] of Object.entries(effectsModule)) {
    if (typeof value === "function") out[`effects.${name}`] = value;
  }
  for (const [name, value] of Object.entries(helpers)) out[name] = value;
  return out;
}

const shortName = (qualified: string) => qualified.slice(qualified.lastIndexOf(".") + 1);

/** Helpers reached from `sources`, by identifier, transitively. */
function reachedHelpers(sources: string[]): Record<string, string[]> {
  const known = knownHelpers();
  const reached = new Map<string, string>();
  const queue = [...sources];
  while (queue.length > 0) {
    const src = queue.pop()!;
    for (const [qualified, fn] of Object.entries(known)) {
      if (reached.has(qualified)) continue;
      if (new RegExp(`\\b${shortName(qualified)}\\b`).test(src)) {
        const code = String(fn);
        reached.set(qualified, code);
        queue.push(code);
      }
    }
  }
  return sorted(Object.fromEntries([...reached].map(([k, v]) => [k, lines(v)])));
}

export function freeze(def: WorkflowDefinition): FrozenDefinition {
  const machine: AnyStateMachine = def.machine;
  const uses: Uses = { guards: new Set(), actions: new Set(), inline: [] };
  const states = node(machine.root as unknown as NodeLike, uses);
  const impl = machine.implementations as {
    guards: Record<string, unknown>;
    actions: Record<string, unknown>;
  };
  const code = (fn: unknown, missing: string): string[] => (fn === undefined ? [missing] : lines(fn));
  const guards = sorted(
    Object.fromEntries(
      [...uses.guards].map((g) => [g, code(impl.guards[g], "<no implementation: built-in or missing>")]),
    ),
  );
  const actions = sorted(
    Object.fromEntries(
      [...uses.actions].map((a) => {
        const fn = impl.actions[a];
        return [a, code(actionImplementation(fn) ?? fn, "<no implementation: built-in or missing>")];
      }),
    ),
  );
  const contextFactory = (machine.config as { context?: unknown }).context;
  const sources = [
    String(contextFactory),
    ...Object.values(guards).map((l) => l.join("\n")),
    ...Object.values(actions).map((l) => l.join("\n")),
    ...uses.inline.map((f) => String(actionImplementation(f) ?? f)),
  ];
  return {
    key: def.key,
    id: def.id,
    version: def.version,
    requiredTimes: [...def.requiredTimes],
    context: lines(contextFactory),
    states,
    guards,
    actions,
    helpers: reachedHelpers(sources),
  };
}

/** Stable text of a frozen definition (what is committed under __frozen__/). */
export const frozenText = (f: FrozenDefinition): string => `${JSON.stringify(f, null, 2)}\n`;

/** Paths (a.b.c) where two frozen definitions differ; empty when they are the same. */
export function differences(expected: unknown, actual: unknown, path = ""): string[] {
  if (expected === actual) return [];
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    // source code is an array of lines: report the function, not each line
    if (expected.every((l) => typeof l === "string") && actual.every((l) => typeof l === "string")) {
      return expected.join("\n") === actual.join("\n") ? [] : [path || "(root)"];
    }
    const out: string[] = [];
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) out.push(...differences(expected[i], actual[i], `${path}[${i}]`));
    return out;
  }
  if (isObj(expected) && isObj(actual) && !Array.isArray(expected) && !Array.isArray(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
    return keys.flatMap((k) => differences(expected[k], actual[k], path ? `${path}.${k}` : k));
  }
  return [path || "(root)"];
}
