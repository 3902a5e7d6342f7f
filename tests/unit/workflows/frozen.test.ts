/**
 * Frozen definitions: every registered workflow version is compared with its committed snapshot in
 * tests/unit/workflows/__frozen__/<id>@<version>.json (states, transitions, guards, actions and the code they
 * run). Pratiche in the database hold snapshots of these versions, so a registered version must never change:
 * a change of rules is a NEW version (ADR 0003, README "Workflows").
 *
 * Writing snapshots: only with UPDATE_FROZEN=1, and only for versions that have none yet.
 *   UPDATE_FROZEN=1 npx vitest run --project unit tests/unit/workflows/frozen.test.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AnyStateMachine, setup } from "xstate";
import { describe, expect, it } from "vitest";
import type { WorkflowEvent } from "../../../workflows/events";
import { defineWorkflow, registry, sciaV1, type WorkflowDefinition } from "../../../workflows/index";
import { sciaMachine } from "../../../workflows/scia";
import {
  actions,
  guards,
  helpers,
  type StateMeta,
  type WorkflowContext,
  type WorkflowInput,
} from "../../../workflows/shared";
import { differences, type FrozenDefinition, freeze, frozenText } from "./frozen-definition";

const dir = join(dirname(fileURLToPath(import.meta.url)), "__frozen__");
const fileOf = (key: string) => join(dir, `${key}.json`);
const relative = (key: string) => `tests/unit/workflows/__frozen__/${key}.json`;
const updating = process.env.UPDATE_FROZEN === "1";
const WRITE_COMMAND = "UPDATE_FROZEN=1 npx vitest run --project unit tests/unit/workflows/frozen.test.ts";

function changedMessage(def: WorkflowDefinition, diffs: string[]): string {
  return [
    `The registered workflow version ${def.key} differs from its frozen snapshot ${relative(def.key)}.`,
    "Editing a version that pratiche run on is forbidden: their persisted snapshots name it, and they would",
    "change rules half-way. Put the old definition back and add a NEW version instead:",
    `  1. build the new machine (e.g. ${def.id} version ${def.version + 1}) beside the old one; new or changed`,
    "     guards/actions get new names, the old ones stay as they are;",
    "  2. register it in workflows/index.ts (defineWorkflow + the registry's definitions) and point the",
    "     regime at it in `current`; keep the old version registered while any pratica runs on it;",
    `  3. write its snapshot: ${WRITE_COMMAND}`,
    "Differences:",
    ...diffs.slice(0, 40).map((d) => `  - ${d}`),
    ...(diffs.length > 40 ? [`  ... and ${diffs.length - 40} more`] : []),
  ].join("\n");
}

function missingMessage(def: WorkflowDefinition): string {
  return [
    `The workflow version ${def.key} is registered but has no frozen snapshot (${relative(def.key)}).`,
    `Write it, check the file and commit it: ${WRITE_COMMAND}`,
  ].join("\n");
}

/** What the test decides for one registered version: "ok", or a message saying what to do. */
function check(
  def: WorkflowDefinition,
  committed: string | null,
): { ok: true } | { ok: false; message: string } {
  if (committed === null) return { ok: false, message: missingMessage(def) };
  const diffs = differences(JSON.parse(committed) as FrozenDefinition, JSON.parse(frozenText(freeze(def))));
  return diffs.length === 0 ? { ok: true } : { ok: false, message: changedMessage(def, diffs) };
}

describe("frozen workflow definitions", () => {
  for (const def of registry.all()) {
    it(`${def.key} matches its committed snapshot`, () => {
      const file = fileOf(def.key);
      if (!existsSync(file) && updating) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(file, frozenText(freeze(def)));
      }
      const result = check(def, existsSync(file) ? readFileSync(file, "utf8") : null);
      // an existing snapshot is never rewritten, even with UPDATE_FROZEN=1: a frozen version stays frozen
      expect(result.ok, result.ok ? "" : result.message).toBe(true);
    });
  }

  it("every top-level function of shared.ts is listed in its `helpers`, so its code is frozen with the versions", () => {
    const source = readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), "../../../workflows/shared.ts"),
      "utf8",
    );
    const declared = [
      ...source.matchAll(/^(?:export )?function (\w+)/gm),
      ...source.matchAll(/^(?:export )?const (\w+)(?::[^=]+)? = (?:\([^)]*\)|\w+) *(?::[^=]+)?=>/gm),
    ].map((m) => m[1]);
    expect(declared.length).toBeGreaterThan(20);
    const listed = new Set([...Object.keys(helpers), "actionImplementation"]);
    expect(declared.filter((name) => !listed.has(name))).toEqual([]);
  });

  it("the serialisation is deterministic", () => {
    for (const def of registry.all()) expect(frozenText(freeze(def))).toBe(frozenText(freeze(def)));
  });
});

describe("the comparison reports a changed definition (so the test above can fail)", () => {
  const committed = frozenText(freeze(sciaV1));

  it("the unchanged definition passes", () => {
    expect(check(sciaV1, committed)).toEqual({ ok: true });
  });

  it("a changed target in a copy of the definition is reported, with how to add a version", () => {
    const config = sciaMachine.config as { states: Record<string, { on?: Record<string, unknown> }> };
    const copy = setup({
      types: {
        context: {} as WorkflowContext,
        events: {} as WorkflowEvent,
        input: {} as WorkflowInput,
        meta: {} as StateMeta,
      },
      guards,
      actions,
    }).createMachine({
      ...(sciaMachine.config as object),
      states: {
        ...config.states,
        // a cancelled filing goes straight to the archive instead of "cancelled"
        submitted: {
          ...config.states.submitted,
          on: { ...config.states.submitted.on, CANCEL: { target: "archived", actions: "cancel" } },
        },
      },
    } as never) as unknown as AnyStateMachine;
    const result = check(defineWorkflow("scia", 1, copy, sciaV1.requiredTimes), committed);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain("scia@1");
    expect(result.message).toContain("states.states.submitted.on.CANCEL[0].target");
    expect(result.message).toMatch(/forbidden/);
    expect(result.message).toContain("add a NEW version");
    expect(result.message).toContain(WRITE_COMMAND);
  });

  it("a changed guard implementation is reported even when the state tree is the same", () => {
    const copy = sciaMachine.provide({ guards: { termReached: () => true } });
    const result = check(defineWorkflow("scia", 1, copy, sciaV1.requiredTimes), committed);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("guards.termReached");
  });

  it("a changed action implementation is reported", () => {
    const copy = sciaMachine.provide({ actions: { consolidate: actions.silentConsent } });
    const result = check(defineWorkflow("scia", 1, copy, sciaV1.requiredTimes), committed);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("actions.consolidate");
  });

  it("a changed required catalogue term is reported", () => {
    const result = check(defineWorkflow("scia", 1, sciaMachine, ["max_gg_correction"]), committed);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("requiredTimes");
  });

  it("a version with no snapshot fails with the command that writes it", () => {
    const result = check(defineWorkflow("scia", 99, sciaMachine), null);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain("scia@99");
      expect(result.message).toContain(WRITE_COMMAND);
    }
  });
});
