import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "~/server/env.server";

const base = { NODE_ENV: "test", SESSION_SECRET: "s".repeat(48) };

describe("INI-PEC configuration is validated at boot", () => {
  it("INIPEC_URL needs INIPEC_PURPOSE_ID", () => {
    expect(() => parseEnv({ ...base, INIPEC_URL: "https://inipec.example.it/v1" })).toThrow(ConfigError);
    expect(() => parseEnv({ ...base, INIPEC_URL: "https://inipec.example.it/v1" })).toThrow(
      /INIPEC_PURPOSE_ID/,
    );
    expect(
      parseEnv({ ...base, INIPEC_URL: "https://inipec.example.it/v1", INIPEC_PURPOSE_ID: "p-1" }).INIPEC_URL,
    ).toBe("https://inipec.example.it/v1");
  });

  it("INIPEC_URL must be an address", () => {
    expect(() => parseEnv({ ...base, INIPEC_URL: "inipec", INIPEC_PURPOSE_ID: "p-1" })).toThrow(/INIPEC_URL/);
  });
});
