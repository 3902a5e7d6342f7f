/**
 * Version coexistence: a pratica stays on the machine version it started with. Here a v2 of "comunicazione"
 * (fixture: it also notifies the Comune's commerce office) is registered next to v1 and made current.
 */
import { setup } from "xstate";
import { describe, expect, it } from "vitest";
import {
  comunicazioneV1,
  createRegistry,
  defineWorkflow,
  sciaV1,
  step,
  stepPersisted,
} from "../../../workflows/index";
import type { WorkflowEvent } from "../../../workflows/events";
import {
  actions,
  guards,
  initialContext,
  type StateMeta,
  type WorkflowContext,
  type WorkflowInput,
} from "../../../workflows/shared";
import { inputFor, ofType, run } from "./helpers";

const comunicazioneV2Machine = setup({
  types: {
    context: {} as WorkflowContext,
    events: {} as WorkflowEvent,
    input: {} as WorkflowInput,
    meta: {} as StateMeta,
  },
  guards,
  actions,
  delays: {},
}).createMachine({
  id: "comunicazione",
  context: ({ input }) => initialContext(input, { finalEvent: null, agencyLeadDays: null }),
  initial: "started",
  states: {
    started: {
      meta: { status: "draft", ssu: "started" },
      on: { SUBMIT: { target: "submitted", actions: "recordSubmission" } },
    },
    submitted: {
      meta: { status: "submitted", ssu: "started" },
      on: { PROTOCOL: { target: "registered", actions: "issueReceiptEffective" } },
    },
    // v2 renames the state and no longer accepts REFUSE_INADMISSIBLE
    registered: {
      meta: { status: "effective", ssu: "ended_by_positive_outcome", ended: true },
      on: { ARCHIVE: { target: "archived", actions: "archive" } },
    },
    archived: { type: "final", meta: { status: "archived", ssu: "archived", ended: true } },
  },
});
const comunicazioneV2 = defineWorkflow("comunicazione", 2, comunicazioneV2Machine);

describe("version coexistence", () => {
  const reg = createRegistry([comunicazioneV1, comunicazioneV2, sciaV1], {
    comunicazione: comunicazioneV2.key,
    scia: sciaV1.key,
  });
  const input = inputFor("comunicazione", 0);

  it("new pratiche start on the current version, old versions stay reachable", () => {
    expect(reg.current("comunicazione").key).toBe("comunicazione@2");
    expect(reg.get("comunicazione", 1)).toBe(comunicazioneV1);
    expect(reg.get("comunicazione", 3)).toBeUndefined();
  });

  it("a v1 snapshot keeps working on v1 after v2 is registered", () => {
    const old = run(comunicazioneV1, input, [
      { type: "SUBMIT", at: "2026-03-02" },
      { type: "PROTOCOL", at: "2026-03-02" },
    ]);
    expect(old.snapshot.machine).toBe("comunicazione@1");
    expect(old.snapshot.value).toBe("effective");
    // the engine looks the definition up from the snapshot, not from "current"
    const r = stepPersisted(reg, old.snapshot, {
      type: "REFUSE_INADMISSIBLE",
      at: "2026-03-05",
      reasons: "modulo errato",
    });
    expect(r).toMatchObject({ accepted: true, status: "inadmissible" });
  });

  it("the same event on a v2 pratica follows v2's rules", () => {
    const fresh = run(reg.current("comunicazione"), input, [
      { type: "SUBMIT", at: "2026-03-02" },
      { type: "PROTOCOL", at: "2026-03-02" },
    ]);
    expect(fresh.snapshot.machine).toBe("comunicazione@2");
    expect(fresh.snapshot.value).toBe("registered");
    expect(ofType(fresh.last.effects, "document")[0].kind).toBe("ricevuta");
    const r = stepPersisted(reg, fresh.snapshot, {
      type: "REFUSE_INADMISSIBLE",
      at: "2026-03-05",
      reasons: "x",
    });
    expect(r.accepted).toBe(false);
  });

  it("refuses to run a snapshot on another version's definition", () => {
    const old = run(comunicazioneV1, input, [{ type: "SUBMIT", at: "2026-03-02" }]);
    const r = step(comunicazioneV2, old.snapshot, { type: "PROTOCOL", at: "2026-03-02" });
    expect(r.accepted).toBe(false);
    expect(r.accepted ? "" : r.reason).toMatch(/comunicazione@1/);
    expect(() => createRegistry([comunicazioneV1, comunicazioneV1], {})).toThrow(/Duplicate/);
  });

  it("refuses a snapshot whose version is no longer registered", () => {
    const old = run(comunicazioneV1, input, [{ type: "SUBMIT", at: "2026-03-02" }]);
    const only2 = createRegistry([comunicazioneV2], { comunicazione: comunicazioneV2.key });
    expect(stepPersisted(only2, old.snapshot, { type: "PROTOCOL", at: "2026-03-02" }).accepted).toBe(false);
  });
});
