import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as root from "~/root";
import * as logout from "~/routes/esci";
import { login, THROTTLE_MAX_FAILURES, THROTTLE_MAX_FAILURES_PER_IP } from "~/server/auth/accounts.server";
import { installClientAddress } from "~/server/auth/client-ip.server";
import {
  formToken,
  getCurrentUser,
  requireFreshSignIn,
  revokeUserSessions,
} from "~/server/auth/session.server";
import { DEMO_PASSWORD } from "~/server/seed-data.server";
import { CSRF, cookieFor, get, post, useTestEnv } from "./desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "./support/databases";

async function signedIn(cookie: string) {
  return (await getCurrentUser(get("/area-personale", cookie)))?.email ?? null;
}

describe.each(DATABASES)("server-side sessions on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    useTestEnv();
    test = await useMigratedDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("stores only a hash of the token, and the cookie carries nothing but the signed token", async () => {
    const cookie = await cookieFor(test.handle.db, "impresa@demo.test");
    const value = decodeURIComponent(cookie.split("=")[1]!);
    const token = JSON.parse(Buffer.from(value.split(".")[0]!, "base64").toString("utf8"));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await test.handle.db.selectFrom("sessions").select("id").execute();
    expect(rows.map((r) => r.id)).not.toContain(token);
    expect(await signedIn(cookie)).toBe("impresa@demo.test");
    // A tampered signature is no session at all.
    expect(await signedIn(cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A")))).toBeNull();
  });

  it("logout revokes the session: a copied cookie no longer reads nor acts", async () => {
    const cookie = await cookieFor(test.handle.db, "impresa@demo.test");
    const copy = cookie;
    expect(await signedIn(copy)).toBe("impresa@demo.test");
    const response = (await logout.action({
      request: post("/esci", cookie, {}),
      params: {},
      context: {},
    })) as Response;
    expect(response.status).toBe(302);
    expect(response.headers.get("Set-Cookie")).toMatch(/__suap_session=/);
    expect(await signedIn(copy)).toBeNull();
    // Acting with the copied cookie and its old CSRF token is refused (the CSRF token died with the session).
    await expect(
      logout.action({ request: post("/esci", copy, {}), params: {}, context: {} }),
    ).rejects.toMatchObject({
      status: 403,
    });
    const row = await test.handle.db
      .selectFrom("sessions")
      .select(["revoked_at", "revoked_reason"])
      .where("revoked_reason", "=", "logout")
      .executeTakeFirst();
    expect(row?.revoked_at).toBeTruthy();
  });

  it("expires on the server after the idle timeout and after the absolute timeout", async () => {
    const { db } = test.handle;
    const idle = await cookieFor(db, "operatore@demo.test");
    const absolute = await cookieFor(db, "responsabile@demo.test");
    expect(await signedIn(idle)).toBe("operatore@demo.test");
    expect(await signedIn(absolute)).toBe("responsabile@demo.test");
    const idleMinutes = 30; // the default SESSION_IDLE_MINUTES
    const operator = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "operatore@demo.test")
      .executeTakeFirstOrThrow();
    await db
      .updateTable("sessions")
      .set({ last_seen_at: new Date(Date.now() - (idleMinutes + 1) * 60_000) })
      .where("user_id", "=", operator.id)
      .execute();
    expect(await signedIn(idle)).toBeNull();
    const manager = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "responsabile@demo.test")
      .executeTakeFirstOrThrow();
    // Active a second ago, but past the absolute expiry.
    await db
      .updateTable("sessions")
      .set({ expires_at: new Date(Date.now() - 1000), last_seen_at: new Date() })
      .where("user_id", "=", manager.id)
      .execute();
    expect(await signedIn(absolute)).toBeNull();
  });

  it("keeps a session alive while it is used (last seen moves on)", async () => {
    const { db } = test.handle;
    const cookie = await cookieFor(db, "asl@demo.test");
    const user = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "asl@demo.test")
      .executeTakeFirstOrThrow();
    const old = new Date(Date.now() - 20 * 60_000);
    await db.updateTable("sessions").set({ last_seen_at: old }).where("user_id", "=", user.id).execute();
    expect(await signedIn(cookie)).toBe("asl@demo.test");
    const row = await db
      .selectFrom("sessions")
      .select("last_seen_at")
      .where("user_id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(new Date(row.last_seen_at).getTime()).toBeGreaterThan(old.getTime() + 10 * 60_000);
  });

  it("ends every session of a user at once (all devices, or an administrator)", async () => {
    const { db } = test.handle;
    const a = await cookieFor(db, "vvf@demo.test");
    const b = await cookieFor(db, "vvf@demo.test");
    const other = await cookieFor(db, "arpat@demo.test");
    const user = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "vvf@demo.test")
      .executeTakeFirstOrThrow();
    expect(await revokeUserSessions(db, user.id, "admin")).toBe(2);
    expect(await signedIn(a)).toBeNull();
    expect(await signedIn(b)).toBeNull();
    expect(await signedIn(other)).toBe("arpat@demo.test");
  });

  it("asks for a fresh sign-in before a submission when the last one is older than FRESH_SIGNIN_MINUTES", async () => {
    const { db } = test.handle;
    const cookie = await cookieFor(db, "soprintendenza@demo.test");
    const url = "/pratiche/00000000-0000-0000-0000-000000000000/riepilogo";
    const fresh = (await getCurrentUser(get(url, cookie)))!;
    expect(() => requireFreshSignIn(get(url, cookie), fresh)).not.toThrow();
    await db
      .updateTable("sessions")
      .set({ authenticated_at: new Date(Date.now() - 61 * 60_000) })
      .where("user_id", "=", fresh.id)
      .execute();
    const stale = (await getCurrentUser(get(url, cookie)))!;
    let thrown: unknown;
    try {
      requireFreshSignIn(get(url, cookie), stale);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).headers.get("Location")).toBe(
      `/accedi?rinnova=1&redirectTo=${encodeURIComponent(url)}`,
    );
  });

  it("sets no cookie for an anonymous page; a form page gives a token and a CSRF token bound to it", async () => {
    // The shell of every page: no cookie, no token for a visitor who is not signed in (issue 18).
    const response = (await root.loader({ request: get("/", ""), params: {}, context: {} })) as Response;
    expect(response.headers.get("Set-Cookie")).toBeNull();
    const body = (await response.json()) as { csrf: string; user: unknown };
    expect(body.user).toBeNull();
    expect(body.csrf).toBe("");
    // A page with a form an anonymous visitor posts (formToken): the cookie, and the token derived from it.
    const first = await formToken(get("/accedi", ""));
    const setCookie = first.headers.get("Set-Cookie") ?? "";
    expect(setCookie).toMatch(/^__suap_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(first.csrf).not.toBe(CSRF);
    expect(first.csrf.length).toBeGreaterThan(20);
    const again = await formToken(get("/accedi", setCookie.split(";")[0]!));
    expect(again.headers.get("Set-Cookie")).toBeNull();
    expect(again.csrf).toBe(first.csrf);
    // Another browser's cookie gives another token.
    const other = await formToken(get("/accedi", ""));
    expect(other.csrf).not.toBe(first.csrf);
    // Signed in: the root gives the session's token.
    const cookie = await cookieFor(test.handle.db, "impresa@demo.test");
    const signedIn = (await root.loader({ request: get("/", cookie), params: {}, context: {} })) as Response;
    expect(((await signedIn.json()) as { csrf: string }).csrf).toBe(CSRF);
  });
});

describe.each(DATABASES)("the login throttle on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    useTestEnv();
    test = await useMigratedDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("checks only the allowed number of 40 parallel guesses against one account", async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login("operatore@demo.test", `sbagliata-${i}`, `10.1.0.${i}`)),
    );
    const checked = results.filter((r) => !r.ok && r.reason === "invalid").length;
    const throttled = results.filter((r) => !r.ok && r.reason === "throttled").length;
    expect(checked).toBe(THROTTLE_MAX_FAILURES);
    expect(throttled).toBe(40 - THROTTLE_MAX_FAILURES);
    expect(await login("operatore@demo.test", DEMO_PASSWORD, "10.1.1.1")).toMatchObject({
      reason: "throttled",
    });
  });

  it("never lets the right password through after 99 parallel guesses from one address", async () => {
    const guesses = await Promise.all(
      Array.from({ length: 99 }, (_, i) => login("responsabile@demo.test", `tentativo-${i}`, "192.0.2.7")),
    );
    expect(guesses.every((g) => !g.ok)).toBe(true);
    expect(await login("responsabile@demo.test", DEMO_PASSWORD, "192.0.2.7")).toMatchObject({
      ok: false,
      reason: "throttled",
    });
  });

  it("limits one address across many accounts", async () => {
    const results = await Promise.all(
      Array.from({ length: THROTTLE_MAX_FAILURES_PER_IP + 10 }, (_, i) =>
        login(`nessuno-${i}@demo.test`, "qualsiasi", "198.51.100.9"),
      ),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid")).toHaveLength(THROTTLE_MAX_FAILURES_PER_IP);
    // Even a real account with its right password is refused from that address now...
    expect(await login("asl@demo.test", DEMO_PASSWORD, "198.51.100.9")).toMatchObject({
      reason: "throttled",
    });
    // ...and not from another one.
    expect((await login("asl@demo.test", DEMO_PASSWORD, "198.51.100.10")).ok).toBe(true);
  });

  it("starts a new window once the old one is over, and a success clears the account's count", async () => {
    const { db } = test.handle;
    for (let i = 0; i < THROTTLE_MAX_FAILURES; i++) await login("arpat@demo.test", `no-${i}`, "203.0.113.1");
    expect(await login("arpat@demo.test", DEMO_PASSWORD, "203.0.113.1")).toMatchObject({
      reason: "throttled",
    });
    await db
      .updateTable("login_throttle")
      .set({ window_started_at: new Date(Date.now() - 16 * 60_000) })
      .where("key", "=", "email:arpat@demo.test")
      .execute();
    expect((await login("arpat@demo.test", DEMO_PASSWORD, "203.0.113.2")).ok).toBe(true);
    const row = await db
      .selectFrom("login_throttle")
      .select("key")
      .where("key", "=", "email:arpat@demo.test")
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });
});

describe("X-Forwarded-For and TRUST_PROXY", () => {
  async function addressSeen(trustedProxies: string[], forwarded: string) {
    const app = express();
    installClientAddress(app, { trustedProxies });
    app.get("/", (req, res) => {
      res.send(String(req.headers["x-suap-client-ip"]));
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const { port } = server.address() as { port: number };
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { "X-Forwarded-For": forwarded, "X-Suap-Client-Ip": "6.6.6.6" },
      });
      return await response.text();
    } finally {
      server.close();
    }
  }

  it("ignores the header by default, even from loopback, and any forged client-address header", async () => {
    expect(await addressSeen([], "203.0.113.50")).toMatch(/127\.0\.0\.1$/);
  });

  it("believes it only from a configured proxy", async () => {
    expect(await addressSeen(["loopback"], "203.0.113.50")).toBe("203.0.113.50");
    expect(await addressSeen(["10.0.0.0/8"], "203.0.113.50")).toMatch(/127\.0\.0\.1$/);
  });
});
