import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as callback from "~/routes/accedi_.oidc.callback";
import { completeSignIn, startSignIn } from "~/server/auth/oidc-login.server";
import { devClientSecret, mountDevIdp } from "~/server/integrations/identity/dev-idp.server";
import { runtime } from "~/server/runtime.server";
import { useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { listen, throughDevIdp } from "./support";

const BROWSER = "b".repeat(43);

/** SPID/CIE sign-in against the real development provider (oidc-provider) on loopback. */
describe.each(DATABASES)("SPID/CIE through the development provider on %s", (kind) => {
  let test: TestDatabase;
  let idp: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    useTestEnv();
    test = await useMigratedDatabase(kind);
    idp = await listen((app, base) =>
      mountDevIdp(app, () => ({
        issuer: `${base()}/dev/idp`,
        redirectUris: [`${base()}/accedi/oidc/callback`],
        postLogoutRedirectUris: [`${base()}/`],
        clientSecret: devClientSecret(runtime.env.SESSION_SECRET!),
        dataDir: runtime.env.DATA_DIR,
        cookieSecret: "c".repeat(32),
        isProduction: false,
      })),
    );
    runtime.env = { ...runtime.env, HOST: "127.0.0.1", PORT: idp.port, oidc: { mode: "development" } };
  });
  afterAll(async () => {
    await idp?.close();
    await test.drop();
  });

  const users = async () => {
    const r = await test.handle.db
      .selectFrom("users")
      .select(test.handle.db.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
  const signIn = async (person: string, level: 1 | 2 | 3 = 2, scheme: "spid" | "cie" = "spid") => {
    const url = await startSignIn(scheme, BROWSER, "/imprese");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("acr_values")).toBe("https://www.spid.gov.it/SpidL2");
    return throughDevIdp(url, { person, level });
  };

  it("creates the account on the first sign-in and refreshes the name later; the person is their fiscal code", async () => {
    const { db } = test.handle;
    const before = await users();
    const first = await completeSignIn(await signIn("giovanni"), BROWSER);
    expect(first).toMatchObject({
      ok: true,
      created: true,
      scheme: "spid",
      loa: 2,
      fiscalCode: "VRDGNN75C12M126F",
      redirectTo: "/imprese",
    });
    expect(await users()).toBe(before + 1);
    const row = await db
      .selectFrom("users")
      .selectAll()
      .where("fiscal_code", "=", "VRDGNN75C12M126F")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      full_name: "Giovanni Verdi",
      email: "giovanni.verdi@example.test",
      password_hash: null,
    });
    await db.updateTable("users").set({ full_name: "Nome Vecchio" }).where("id", "=", row.id).execute();
    const again = await completeSignIn(await signIn("giovanni", 3, "cie"), BROWSER);
    expect(again).toMatchObject({ ok: true, created: false, scheme: "cie", loa: 3, userId: row.id });
    expect(
      (await db.selectFrom("users").select("full_name").where("id", "=", row.id).executeTakeFirstOrThrow())
        .full_name,
    ).toBe("Giovanni Verdi");
    expect(await users()).toBe(before + 1);
  });

  it("matches an existing account by fiscal code", async () => {
    const maria = await test.handle.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "impresa@demo.test")
      .executeTakeFirstOrThrow();
    const result = await completeSignIn(await signIn("maria"), BROWSER);
    expect(result).toMatchObject({ ok: true, created: false, userId: maria.id });
  });

  it("refuses a wrong state, a replayed callback and another browser's callback, creating nothing", async () => {
    const before = await users();
    const good = await signIn("franco");
    const forged = new URL(good);
    forged.searchParams.set("state", "x".repeat(43));
    expect(await completeSignIn(forged, BROWSER)).toEqual({ ok: false, reason: "state" });
    expect(await completeSignIn(good, "o".repeat(43))).toEqual({ ok: false, reason: "state" });
    expect((await completeSignIn(good, BROWSER)).ok).toBe(true);
    expect(await completeSignIn(good, BROWSER)).toEqual({ ok: false, reason: "state" });
    expect(await users()).toBe(before);
  });

  it("refuses a replayed code even with a fresh state", async () => {
    const used = await signIn("maria");
    expect((await completeSignIn(used, BROWSER)).ok).toBe(true);
    const fresh = await startSignIn("spid", BROWSER, "/");
    const replay = new URL(used);
    replay.searchParams.set("state", fresh.searchParams.get("state")!);
    expect(await completeSignIn(replay, BROWSER)).toEqual({ ok: false, reason: "code" });
  });

  it("refuses a level of assurance below the required one, and a cancelled sign-in, creating nothing", async () => {
    const before = await users();
    await test.handle.db.deleteFrom("users").where("fiscal_code", "=", "VRDGNN75C12M126F").execute();
    const low = await completeSignIn(await signIn("giovanni", 1), BROWSER);
    expect(low).toEqual({ ok: false, reason: "loa" });
    const url = await startSignIn("spid", BROWSER, "/");
    const aborted = await completeSignIn(await throughDevIdp(url, "abort"), BROWSER);
    expect(aborted).toEqual({ ok: false, reason: "provider_error" });
    expect(await users()).toBe(before - 1);
    expect(
      await test.handle.db
        .selectFrom("users")
        .select("id")
        .where("fiscal_code", "=", "VRDGNN75C12M126F")
        .executeTakeFirst(),
    ).toBeUndefined();
  });

  it("shows a refused callback as a clear Italian page and logs one line", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const request = new Request(`http://127.0.0.1:${idp.port}/accedi/oidc/callback?code=abc&state=nessuno`, {
      headers: {},
    });
    const response = (await callback.loader({ request, params: {}, context: {} })) as Response;
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ reason: "state" });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("[identity] sign-in refused (state)"));
    warn.mockRestore();
  });
});
