import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/server/db/schema.server";
import { parseEnv } from "~/server/env.server";
import { domicilioLookup } from "~/server/integrations/pec/index.server";
import {
  InipecError,
  type InipecDouble,
  inipecClient,
  startInipecDouble,
} from "~/server/integrations/pec/inipec.server";
import { runtime } from "~/server/runtime.server";
import { useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";

/** INI-PEC (ADR 0028, docs/integrations/inipec.md): the real adapter against the double, over loopback. */
describe("the INI-PEC adapter and its double speak docs/integrations/inipec.md", () => {
  let double: InipecDouble;
  beforeAll(async () => {
    double = await startInipecDouble({
      register: { "01234567890": "Impresa@PEC.it" },
      token: "t".repeat(32),
    });
  });
  afterAll(() => double?.close());

  it("finds the domicilio digitale, says null when there is none, refuses a bad voucher", async () => {
    const client = inipecClient({ baseUrl: double.url, voucher: async () => double.token });
    expect(await client.lookup(" 01234567890 ")).toBe("impresa@pec.it");
    expect(await client.lookup("09876543210")).toBeNull();
    // Not a codice fiscale: no request at all.
    const before = double.requests.length;
    expect(await client.lookup("../admin")).toBeNull();
    expect(double.requests.length).toBe(before);
    expect(double.requests.every((r) => r.authorised)).toBe(true);
    const wrong = inipecClient({ baseUrl: double.url, voucher: async () => "sbagliato" });
    await expect(wrong.lookup("01234567890")).rejects.toThrow(InipecError);
    await expect(wrong.lookup("01234567890")).rejects.toThrow(/401/);
    double.set("01234567890", "nuovo@pec.it");
    expect(await client.lookup("01234567890")).toBe("nuovo@pec.it");
  });

  it("an unreachable INI-PEC is an error, not a missing domicilio", async () => {
    const client = inipecClient({
      baseUrl: "http://127.0.0.1:9",
      voucher: async () => "x",
      timeoutMs: 5_000,
    });
    await expect(client.lookup("01234567890")).rejects.toThrow(/non raggiungibile/);
  });

  it("the double refuses to start in production", async () => {
    await expect(startInipecDouble({ register: {}, token: "x", nodeEnv: "production" })).rejects.toThrow(
      /INIPEC_URL/,
    );
  });
});

describe.each(DATABASES)("the configured INI-PEC lookup, on %s", (kind) => {
  let test: TestDatabase;
  let db: Kysely<Database>;
  beforeAll(async () => {
    useTestEnv();
    test = await useMigratedDatabase(kind);
    db = test.handle.db;
  }, 180_000);
  afterAll(() => test?.drop());

  it("outside production without INIPEC_URL: the double, holding the businesses' declared PEC", async () => {
    const business = await db
      .selectFrom("businesses")
      .select(["fiscal_code", "pec"])
      .where("pec", "is not", null)
      .executeTakeFirstOrThrow();
    const configured = await domicilioLookup(runtime.env, db);
    expect(configured?.double).toBeDefined();
    expect(await configured!.lookup.lookup(business.fiscal_code)).toBe(business.pec!.toLowerCase());
    configured!.double!.set(business.fiscal_code, "domicilio@pec.registroimprese.test");
    expect(await configured!.lookup.lookup(business.fiscal_code)).toBe("domicilio@pec.registroimprese.test");
    await configured!.double!.close();
  });

  it("in production without INIPEC_URL: no lookup", async () => {
    const env = parseEnv({
      ...process.env,
      NODE_ENV: "production",
      DATA_DIR: runtime.env.DATA_DIR,
      SESSION_SECRET: "s".repeat(48),
    });
    expect(await domicilioLookup({ ...env, INIPEC_URL: undefined }, db)).toBeNull();
  });
});
