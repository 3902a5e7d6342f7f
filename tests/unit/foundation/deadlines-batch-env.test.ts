import { describe, expect, it } from "vitest";
import { DEFAULT_DEADLINES_BATCH } from "~/server/engine/deadlines.server";
import { ConfigError, parseEnv } from "~/server/env.server";

describe("DEADLINES_BATCH, the due deadlines one transaction of the sweep fires", () => {
  it("defaults to the sweep's own batch and takes a whole number", () => {
    expect(parseEnv({}).DEADLINES_BATCH).toBe(DEFAULT_DEADLINES_BATCH);
    expect(parseEnv({ DEADLINES_BATCH: "64" }).DEADLINES_BATCH).toBe(64);
  });

  it.each(["0", "-5", "2.5", "many", "10000"])("refuses %s with one sentence naming it", (value) => {
    expect(() => parseEnv({ DEADLINES_BATCH: value })).toThrow(ConfigError);
    try {
      parseEnv({ DEADLINES_BATCH: value });
    } catch (error) {
      expect((error as Error).message).toContain("DEADLINES_BATCH");
      expect((error as Error).message.split("\n")).toHaveLength(1);
    }
  });
});
