import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "~/server/env.server";
import {
  adapterChoice,
  integrationHandlers,
  isRegistered,
  portChoices,
  QUEUED_KINDS,
  REGISTERED_KINDS,
} from "~/server/integrations/registry.server";
import { INTEGRATION_KINDS, type IntegrationKind } from "~/server/integrations/types.server";

/**
 * One registry picks every port's adapter (app/server/integrations/registry.server.ts). The kinds of the
 * issue: protocol registry, identity, signature verification, seal, payment, SSU, PEC, business register.
 *
 * AWAITING: kinds whose port is being written on other branches. Each one must be registered as soon as its
 * folder exists (the test below fails then); when it is, remove it from this list.
 */
const AWAITING: IntegrationKind[] = [];
const folderOf = (kind: string) => path.resolve("app/server/integrations", kind.replaceAll("_", "-"));

const devEnv = () => parseEnv({ NODE_ENV: "test", DATA_DIR: "/tmp/suap-registry-test" });
/** Production with nothing configured: parseEnv itself refuses some of it, so the flag is set here. */
const bareProduction = () => ({
  ...devEnv(),
  NODE_ENV: "production" as const,
  isProduction: true,
  oidc: { mode: "off" as const },
});

describe("the ports registry", () => {
  it("registers every kind of the issue (SSU and PEC once their folders land)", () => {
    const missing = INTEGRATION_KINDS.filter((k) => !isRegistered(k) && !AWAITING.includes(k));
    expect(missing).toEqual([]);
    // An awaited kind whose port folder is here must be registered now.
    const landed = AWAITING.filter((k) => existsSync(folderOf(k)) && !isRegistered(k));
    expect(landed, "add its line to `ports` in registry.server.ts and drop it from AWAITING").toEqual([]);
    expect([...REGISTERED_KINDS].sort()).toEqual(
      [
        "business_register",
        "document",
        "identity",
        "payment",
        "pec",
        "preservation",
        "protocol",
        "seal",
        "signature",
        "ssu",
      ].sort(),
    );
  });

  it("has a line for every port folder under app/server/integrations/", () => {
    const folders = readdirSync(path.resolve("app/server/integrations"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name.replaceAll("-", "_"));
    expect(folders.filter((f) => !isRegistered(f as IntegrationKind))).toEqual([]);
  });

  it("wires a development double (or the internal register) for every kind when nothing is configured", () => {
    const choices = portChoices(devEnv());
    for (const kind of REGISTERED_KINDS) {
      // The internal register and the receipt's rendering (ADR 0032) are the portal's own work.
      const expected = kind === "protocol" || kind === "document" ? "real" : "double";
      expect(choices[kind].adapter, kind).toBe(expected);
    }
    expect(adapterChoice(devEnv(), "protocol")).toEqual({ adapter: "real", target: "internal" });
    const remote = parseEnv({ NODE_ENV: "test", DATA_DIR: "/tmp/x", PROTOCOL_REGISTRY: "remote" });
    expect(adapterChoice(remote, "protocol").adapter).toBe("double");
    // The queue runs a handler for each queued kind that is not off.
    expect([...integrationHandlers(devEnv()).keys()].sort()).toEqual([...QUEUED_KINDS].sort());
  });

  it("never lets a double run in production: required ports stop the boot, optional ones are off", () => {
    const env = bareProduction();
    expect(() => adapterChoice(env, "seal")).toThrow(ConfigError);
    expect(() => adapterChoice(env, "seal")).toThrow(/SEAL_P12 è obbligatoria in produzione/);
    expect(() => adapterChoice(env, "signature")).toThrow(/TRUST_ANCHORS è obbligatoria in produzione/);
    expect(() => portChoices(env)).toThrow(ConfigError);
    expect(() => integrationHandlers({ ...env, PROTOCOL_REGISTRY: "remote" })).toThrow(/PROTOCOL_URL/);
    for (const kind of ["identity", "payment", "business_register"] as const) {
      expect(adapterChoice(env, kind).adapter, kind).toBe("none");
    }
    // Configured, production takes the real adapters and no double at all.
    const configured = {
      ...env,
      SEAL_P12: "/etc/suap/sigillo.p12",
      TRUST_ANCHORS: "/etc/suap/ca",
      PAGOPA_GPD_URL: "https://api.platform.pagopa.it/gpd/debt-positions-service/v1",
    };
    const choices = portChoices(configured);
    expect(Object.values(choices).some((c) => c.adapter === "double")).toBe(false);
    expect(choices.payment).toEqual({
      adapter: "real",
      target: "remote:https://api.platform.pagopa.it/gpd/debt-positions-service/v1",
    });
    // The one rule, whatever a kind's own choice says: its double is refused in production.
    expect(() => adapterChoice({ ...env, oidc: { mode: "development" } }, "identity")).toThrow(
      /il doppio di sviluppo di «identity» non si avvia con NODE_ENV=production/,
    );
  });
});
