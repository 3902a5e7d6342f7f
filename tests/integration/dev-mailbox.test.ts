import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as root from "~/root";
import * as mailbox from "~/routes/dev.posta";
import { enqueue } from "~/server/mail/outbox.server";
import { parseEnv } from "~/server/env.server";
import { runtime } from "~/server/runtime.server";
import { cookieFor, useTestEnv } from "./desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "./support/databases";

/** The development mailbox shows everyone's mail: administrators only, unless DEV_MAILBOX=open. */
describe.each(DATABASES)("the development mailbox on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    useTestEnv();
    test = await useMigratedDatabase(kind);
    await enqueue(test.handle.db, {
      recipient: "someone@pec.imprese.test",
      template: "test",
      subject: "Un messaggio riservato",
      text: "Corpo del messaggio",
    });
  });
  afterAll(async () => {
    await test.drop();
  });

  const open = async (email: string | null) => {
    const cookie = await cookieFor(test.handle.db, email);
    const request = new Request("http://localhost/dev/posta", { headers: cookie ? { cookie } : {} });
    try {
      const data = await mailbox.loader({ request, params: {}, context: {} });
      return { status: 200, subjects: data.messages.map((m) => m.subject) };
    } catch (thrown) {
      const res = thrown as Response;
      return { status: res.status, location: res.headers.get("location") };
    }
  };

  it("by default lets administrators read it, sends others to log in or refuses them", async () => {
    runtime.env = { ...runtime.env, DEV_MAILBOX: "admin" };
    expect(await open("admin@demo.test")).toEqual({ status: 200, subjects: ["Un messaggio riservato"] });
    expect(await open(null)).toMatchObject({ status: 302, location: "/accedi?redirectTo=%2Fdev%2Fposta" });
    for (const email of ["impresa@demo.test", "operatore@demo.test", "associazione@demo.test"])
      expect(await open(email)).toEqual({ status: 403, location: null });
  });

  it("links it in the footer only for those it lets in", async () => {
    const link = async (email: string | null) => {
      const cookie = await cookieFor(test.handle.db, email);
      const request = new Request("http://localhost/", { headers: cookie ? { cookie } : {} });
      const res = (await root.loader({ request, params: {}, context: {} })) as Response;
      return ((await res.json()) as { devMailbox: boolean }).devMailbox;
    };
    runtime.env = { ...runtime.env, DEV_MAILBOX: "admin", isProduction: false };
    expect(await link("admin@demo.test")).toBe(true);
    expect(await link("impresa@demo.test")).toBe(false);
    expect(await link(null)).toBe(false);
    runtime.env = { ...runtime.env, DEV_MAILBOX: "open" };
    expect(await link(null)).toBe(true);
  });

  it("is open to anyone with DEV_MAILBOX=open, and absent in production", async () => {
    runtime.env = { ...runtime.env, DEV_MAILBOX: "open" };
    expect(await open(null)).toMatchObject({ status: 200 });
    runtime.env = { ...runtime.env, isProduction: true };
    expect(await open("admin@demo.test")).toEqual({ status: 404, location: null });
    expect(() =>
      parseEnv({ NODE_ENV: "production", SESSION_SECRET: "s".repeat(40), DEV_MAILBOX: "open" }),
    ).toThrow(/DEV_MAILBOX=open non è ammesso in produzione/);
  });
});
