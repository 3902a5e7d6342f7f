import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "~/server/env.server";
import { assertDoubleAllowed, creditorFor, paymentConfig } from "~/server/integrations/payment/config.server";

describe("pagoPA configuration", () => {
  it("defaults to the double's Comuni and 30 days", () => {
    const env = parseEnv({});
    expect(env.PAGOPA_CREDITORS).toBe("050011,050019,050021");
    expect(env.PAGOPA_DUE_DAYS).toBe(30);
    expect(env.PAGOPA_GPD_URL).toBeUndefined();
  });
  it("refuses a real GPD in production without key, secret and checkout, with a sentence naming them", () => {
    expect(() =>
      parseEnv({
        NODE_ENV: "production",
        SESSION_SECRET: "x".repeat(32),
        PAGOPA_GPD_URL: "https://gpd.example.it/v1",
      }),
    ).toThrow(/PAGOPA_API_KEY/);
    expect(() =>
      parseEnv({
        NODE_ENV: "production",
        SESSION_SECRET: "x".repeat(32),
        PAGOPA_GPD_URL: "https://gpd.example.it/v1",
        PAGOPA_CHECKOUT_URL: "https://checkout.example.it/ec/v1",
        PAGOPA_API_KEY: "k".repeat(16),
        PAGOPA_NOTIFY_SECRET: "s".repeat(32),
      }),
    ).not.toThrow();
  });
  it("refuses malformed values", () => {
    expect(() => parseEnv({ PAGOPA_CREDITORS: "Volterra" })).toThrow(ConfigError);
    expect(() => parseEnv({ PAGOPA_DUE_DAYS: "0" })).toThrow(/PAGOPA_DUE_DAYS/);
    expect(() => parseEnv({ PAGOPA_NOTIFY_SECRET: "short" })).toThrow(/PAGOPA_NOTIFY_SECRET/);
  });
});

describe("the development double in production", () => {
  it("is never the peer in production: no URL means no pagoPA, and the double refuses to run", () => {
    const env = parseEnv({ NODE_ENV: "production", SESSION_SECRET: "x".repeat(32) });
    const config = paymentConfig(env);
    expect(config).toMatchObject({ enabled: false, creditors: [] });
    expect(creditorFor(config, "050011", "Castelnuovo")).toBeUndefined();
    expect(() => assertDoubleAllowed(env)).toThrow(/production/);
  });
  it("a configured GPD in production is used for the configured Comuni", () => {
    const env = parseEnv({
      NODE_ENV: "production",
      SESSION_SECRET: "x".repeat(32),
      PUBLIC_URL: "https://suap.example.it",
      PAGOPA_GPD_URL: "https://api.platform.pagopa.it/gpd/debt-positions-service/v1/",
      PAGOPA_CHECKOUT_URL: "https://api.platform.pagopa.it/checkout/ec/v1",
      PAGOPA_API_KEY: "k".repeat(16),
      PAGOPA_NOTIFY_SECRET: "s".repeat(32),
      PAGOPA_CREDITORS: "050039",
    });
    const config = paymentConfig(env, "http://evil.example");
    expect(config).toMatchObject({
      enabled: true,
      double: false,
      gpdUrl: "https://api.platform.pagopa.it/gpd/debt-positions-service/v1",
      publicUrl: "https://suap.example.it",
      creditors: ["050039"],
    });
    expect(creditorFor(config, "050039", "Volterra")?.fiscalCode).toMatch(/^\d{11}$/);
    expect(creditorFor(config, "050011", "Castelnuovo")).toBeUndefined();
  });
});
