import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as register from "~/routes/registrati";
import * as linkPage from "~/routes/imprese.nuova";
import { getCurrentUser, openSession } from "~/server/auth/session.server";
import { passwordProblem } from "~/server/auth/password.server";
import { runtime } from "~/server/runtime.server";
import { DEMO_PASSWORD } from "~/server/seed-data.server";
import { CSRF, get, post, useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";

/** The registration page's token for a first visit (formToken): the cookie and the CSRF token bound to it. */
async function anonymousCookie() {
  const { formToken } = await import("~/server/auth/session.server");
  const { csrf, headers } = await formToken(get("/registrati", ""));
  const cookie = headers.get("Set-Cookie")!.split(";")[0]!;
  return { cookie, csrf };
}

async function run(fn: () => Promise<unknown>) {
  try {
    const r = await fn();
    if (r instanceof Response) {
      const body = r.headers.get("Content-Type")?.includes("json") ? await r.json() : null;
      return { status: r.status, location: r.headers.get("Location"), body };
    }
    return { status: 200, location: null, body: r };
  } catch (thrown) {
    if (thrown instanceof Response)
      return { status: thrown.status, location: thrown.headers.get("Location"), body: null };
    throw thrown;
  }
}

describe("password rules", () => {
  it.each([
    ["corta", "too_short"],
    ["aaaaaaaaaa", "repeated"],
    ["abcabcabcabc", "repeated"],
    ["1212121212", "repeated"],
    ["aaaaaaaaaaaa!", "repeated"],
    [`x${DEMO_PASSWORD}`, "demo"],
    ["carla.test@example.test!", "email"],
    ["Carla.Test-2026-lunga", "email"],
    ["una frase abbastanza lunga", null],
  ])("%s -> %s", (password, expected) => {
    expect(passwordProblem(password, { email: "carla.test@example.test" })).toBe(expected);
  });
});

describe.each(DATABASES)("registration and linking a business on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    useTestEnv();
    test = await useMigratedDatabase(kind);
    // Password registration exists where SPID/CIE is off.
    runtime.env = { ...runtime.env, oidc: { mode: "off" } };
  });
  afterAll(async () => {
    await test.drop();
  });

  const submit = async (fields: Record<string, string>) => {
    const { cookie, csrf } = await anonymousCookie();
    return run(() =>
      register.action({ request: post("/registrati", cookie, fields, csrf), params: {}, context: {} }),
    );
  };
  const good = {
    fullName: "Carla Test",
    email: "carla@example.test",
    password: "una frase abbastanza lunga",
    passwordConfirm: "una frase abbastanza lunga",
  };

  it("explains each refused field in Italian, storing nothing", async () => {
    for (const [fields, field, text] of [
      [{ password: "aaaaaaaaaa", passwordConfirm: "aaaaaaaaaa" }, "password", "troppo semplice"],
      [{ password: DEMO_PASSWORD, passwordConfirm: DEMO_PASSWORD }, "password", "pubblica"],
      [
        { password: "carla@example.test", passwordConfirm: "carla@example.test" },
        "password",
        "indirizzo email",
      ],
      [{ fullName: "x".repeat(100_000) }, "fullName", "al massimo 100"],
      [{ fullName: "Carla\u0000Test" }, "fullName", "caratteri non ammessi"],
      [{ fullName: "Carla\u202eTest" }, "fullName", "caratteri non ammessi"],
      [{ fullName: "Carla\nTest" }, "fullName", "caratteri non ammessi"],
    ] as const) {
      const r = await submit({ ...good, ...fields });
      expect(r.status, JSON.stringify(fields).slice(0, 60)).toBe(400);
      const errors = (
        r.body as { errors: { field: string; message: string }[]; values: { fullName: string } }
      ).errors;
      expect(errors.find((e) => e.field === field)?.message).toContain(text);
      expect((r.body as { values: { fullName: string } }).values.fullName.length).toBeLessThanOrEqual(100);
    }
    expect(
      await test.handle.db
        .selectFrom("users")
        .select("id")
        .where("email", "=", "carla@example.test")
        .executeTakeFirst(),
    ).toBeUndefined();
  });

  it("answers the same for a new and a known e-mail, and sends a message to each", async () => {
    const fresh = await submit(good);
    const known = await submit({ ...good, email: "operatore@demo.test" });
    expect(fresh).toEqual({ status: 302, location: "/registrati?inviato=1", body: null });
    expect(known).toEqual(fresh);
    const mail = await test.handle.db
      .selectFrom("outbox")
      .select(["recipient", "template"])
      .where("template", "like", "account.%")
      .orderBy("id")
      .execute();
    expect(mail).toEqual([
      { recipient: "carla@example.test", template: "account.created" },
      { recipient: "operatore@demo.test", template: "account.exists" },
    ]);
    // The known account is untouched (its name is not the one typed).
    const operator = await test.handle.db
      .selectFrom("users")
      .select("full_name")
      .where("email", "=", "operatore@demo.test")
      .executeTakeFirstOrThrow();
    expect(operator.full_name).toBe("Luca Bianchi");
  });

  const business = {
    name: "Nuova Bottega S.n.c.",
    legal_form: "Società in nome collettivo",
    fiscal_code: "02468135799",
    vat_number: "02468135799",
    rea: "",
    pec: "nuovabottega@pec.imprese.test",
    office_address: "Via Roma 1",
    office_cap: "56048",
    office_municipality: "Volterra",
    rep_name: "Carla Test",
    rep_fiscal_code: "RSSMRA80A41M126H",
  };

  it("lets a registered user link a business, with check digits validated and a taken fiscal code explained", async () => {
    const { db } = test.handle;
    const carla = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "carla@example.test")
      .executeTakeFirstOrThrow();
    const { setCookie } = await openSession(db, carla.id, { method: "password", loa: 1, csrf: CSRF });
    const cookie = setCookie.split(";")[0]!;
    const call = (fields: Record<string, string>) =>
      run(() =>
        linkPage.action({ request: post("/imprese/nuova", cookie, fields), params: {}, context: {} }),
      );
    const bad = await call({ ...business, fiscal_code: "02468135798" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("codice fiscale");
    const ok = await call(business);
    expect(ok.status).toBe(302);
    expect(ok.location).toMatch(/^\/imprese\/[0-9a-f-]{36}\?aggiunta=1$/);
    const user = await getCurrentUser(get("/imprese", cookie));
    expect(user?.principal.businessIds).toHaveLength(1);
    // The demo business's fiscal code is already on the portal: a sentence, not a 500.
    const taken = await call({ ...business, fiscal_code: "RSSMRA80A41M126H", vat_number: "01234567897" });
    expect(taken.status).toBe(400);
    expect(JSON.stringify(taken.body)).toContain("già registrata sul portale");
    const count = await db
      .selectFrom("businesses")
      .select(db.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
  });
});
