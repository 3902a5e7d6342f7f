import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "~/server/env.server";

describe("configuration", () => {
  it("has working defaults for the embedded setup", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: "0.0.0.0",
      DATA_DIR: "./data",
      WORKER: "1",
      DEV_MAILBOX: "admin",
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.demoAccounts).toBe(true);
    expect(env.UPLOAD_MAX_FILE_MB).toBe(20);
  });

  it("accepts PORT=0 (any free port)", () => {
    expect(parseEnv({ PORT: "0" }).PORT).toBe(0);
  });

  it("treats empty values as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "" }).PORT).toBe(3000);
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ PORT: "-1" }, "PORT"],
    [{ DEV_MAILBOX: "tutti" }, "DEV_MAILBOX"],
    [{ NODE_ENV: "production", SESSION_SECRET: "x".repeat(40), DEV_MAILBOX: "open" }, "DEV_MAILBOX"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ SMTP_URL: "http://mail" }, "SMTP_URL"],
    [{ WORKER: "yes" }, "WORKER"],
    [{ SESSION_SECRET: "short" }, "SESSION_SECRET"],
    [{ NODE_ENV: "production" }, "SESSION_SECRET"],
    [{ NODE_ENV: "production", SESSION_SECRET: "x".repeat(40), SEED_DEMO: "1" }, "SEED_DEMO"],
    [{ NODE_ENV: "production", SESSION_SECRET: "x".repeat(40), DEMO_PRATICHE: "1" }, "DEMO_PRATICHE"],
  ])("refuses %j with one sentence naming %s", (input, name) => {
    try {
      parseEnv(input as Record<string, string>);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain(name);
      expect(message.split("\n")).toHaveLength(1);
    }
  });

  it("never creates demo accounts in production", () => {
    const env = parseEnv({ NODE_ENV: "production", SESSION_SECRET: "s".repeat(40) });
    expect(env.demoAccounts).toBe(false);
    // nor the demo desk's pratiche (issue 12: "never in production")
    expect(env.demoPratiche).toBe(false);
    expect(env.isProduction).toBe(true);
  });
});
