import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as login from "~/routes/accedi";
import * as second from "~/routes/accedi_.codice";
import * as people from "~/routes/amministrazione.utenti";
import * as security from "~/routes/area-personale_.sicurezza";
import * as enrolPage from "~/routes/area-personale_.secondo-fattore";
import { getCurrentUser } from "~/server/auth/session.server";
import { totpCode } from "~/server/auth/totp.server";
import { parseEnv } from "~/server/env.server";
import { runtime } from "~/server/runtime.server";
import { DEMO_PASSWORD } from "~/server/seed-data.server";
import { cookieFor, get, post, useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";

/** A browser's first visit to the sign-in page: its cookie and the CSRF token the page gives it (formToken). */
async function visitor() {
  const { formToken } = await import("~/server/auth/session.server");
  const { csrf, headers } = await formToken(get("/accedi", ""));
  const cookie = headers.get("Set-Cookie")!.split(";")[0]!;
  return { cookie, csrf };
}

type Outcome = { status: number; location: string | null; body: any; cookie: string | null };

async function run(fn: () => Promise<unknown>): Promise<Outcome> {
  const settle = async (r: Response): Promise<Outcome> => ({
    status: r.status,
    location: r.headers.get("Location"),
    body: r.headers.get("Content-Type")?.includes("json") ? await r.json() : null,
    cookie: r.headers.get("Set-Cookie")?.split(";")[0] ?? null,
  });
  try {
    const r = await fn();
    if (r instanceof Response) return settle(r);
    return { status: 200, location: null, body: r, cookie: null };
  } catch (thrown) {
    if (thrown instanceof Response) return settle(thrown);
    throw thrown;
  }
}

const args = (request: Request) => ({ request, params: {}, context: {} });

async function signedIn(cookie: string) {
  const user = await getCurrentUser(get("/area-personale", cookie));
  return user ? { email: user.email, method: user.session.method, loa: user.session.loa } : null;
}

/** The password step: a new browser posts e-mail and password to /accedi. */
async function password(email: string) {
  const browser = await visitor();
  const r = await run(() =>
    login.action(args(post("/accedi", browser.cookie, { email, password: DEMO_PASSWORD }, browser.csrf))),
  );
  return { browser, r };
}

async function giveCode(browser: { cookie: string; csrf: string }, code: string) {
  return run(() => second.action(args(post("/accedi/codice", browser.cookie, { code }, browser.csrf))));
}

describe.each(DATABASES)("staff second factor (TOTP) on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    useTestEnv();
    runtime.env = parseEnv({
      ...process.env,
      DATA_DIR: runtime.env.DATA_DIR,
      SESSION_SECRET: "s".repeat(48),
      NODE_ENV: "test",
      STAFF_TOTP: "required",
    });
    test = await useMigratedDatabase(kind);
  }, 180_000);
  afterAll(async () => {
    await test.drop();
  });

  it("with STAFF_TOTP=required a staff member enrols at the first sign-in, then needs a fresh code each time", async () => {
    // The password alone opens no session: it leads to the second step, in this browser only.
    const first = await password("operatore@demo.test");
    expect(first.r.location).toBe("/accedi/codice");
    expect(first.r.cookie).toBeNull();
    expect(await signedIn(first.browser.cookie)).toBeNull();
    const stranger = await visitor();
    const elsewhere = await run(() => second.loader(args(get("/accedi/codice", stranger.cookie))));
    expect(elsewhere.body.mode).toBe("none");

    // Enrolment: the secret is shown (the same one again after a wrong code), confirmed by a first code.
    const page = await run(() => second.loader(args(get("/accedi/codice", first.browser.cookie))));
    expect(page.body.mode).toBe("enrol");
    const secret: string = page.body.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(page.body.qrSvg).toContain("<svg");
    const wrong = await giveCode(first.browser, totpCode(secret, Date.now() - 10 * 60_000));
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].message).toMatch(/non corrisponde alla chiave/);
    const again = await run(() => second.loader(args(get("/accedi/codice", first.browser.cookie))));
    expect(again.body.secret).toBe(secret);
    const firstCode = totpCode(secret);
    const enrolled = await giveCode(first.browser, firstCode);
    expect(enrolled.status).toBe(200);
    const codes: string[] = enrolled.body.codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(await signedIn(enrolled.cookie!)).toEqual({
      email: "operatore@demo.test",
      method: "password_totp",
      loa: 2,
    });
    // Once confirmed the secret is never shown again.
    const after = await run(() => second.loader(args(get("/accedi/codice", first.browser.cookie))));
    expect(after.body.mode).toBe("none");

    // Next sign-in: the code just used is refused (replay), a later one is accepted.
    const next = await password("operatore@demo.test");
    expect(next.r.location).toBe("/accedi/codice");
    const verify = await run(() => second.loader(args(get("/accedi/codice", next.browser.cookie))));
    expect(verify.body).toMatchObject({ mode: "verify", secret: "" });
    // (The same code string, whatever the clock: within one step of drift it is the step already used.)
    const replay = await giveCode(next.browser, firstCode);
    expect(replay.status).toBe(400);
    expect(replay.body.errors[0].message).toMatch(/già stato usato/);
    const ok = await giveCode(next.browser, totpCode(secret, Date.now() + 30_000));
    expect(ok.status).toBe(302);
    expect(ok.location).toBe("/scrivania");
    expect((await signedIn(ok.cookie!))?.method).toBe("password_totp");
    // The pending step is good once.
    const twice = await giveCode(next.browser, totpCode(secret, Date.now() + 60_000));
    expect(twice.location).toBe("/accedi");

    // A recovery code works once.
    const lost = await password("operatore@demo.test");
    const recovered = await giveCode(lost.browser, codes[0]!.toLowerCase());
    expect(recovered.status).toBe(302);
    const reuse = await password("operatore@demo.test");
    const refused = await giveCode(reuse.browser, codes[0]!);
    expect(refused.status).toBe(400);
  });

  it("throttles codes like the password: after 5 wrong ones even the right code waits", async () => {
    const first = await password("responsabile@demo.test");
    const page = await run(() => second.loader(args(get("/accedi/codice", first.browser.cookie))));
    const secret: string = page.body.secret;
    expect((await giveCode(first.browser, totpCode(secret))).status).toBe(200);
    const next = await password("responsabile@demo.test");
    const results = await Promise.all(
      ["000000", "111111", "222222", "333333", "444444"].map((c) => giveCode(next.browser, c)),
    );
    expect(results.every((r) => r.status === 400)).toBe(true);
    const blocked = await giveCode(next.browser, totpCode(secret, Date.now() + 30_000));
    expect(blocked.status).toBe(429);
    expect(blocked.body.errors[0].message).toMatch(/Troppi codici sbagliati/);
    expect(blocked.cookie).toBeNull();
  });

  it("an administrator resets the factor (the sessions end too) and revokes a person's sessions", async () => {
    const { db } = test.handle;
    const admin = await cookieFor(db, "admin@demo.test");
    const operator = await db
      .selectFrom("users")
      .select(["id", "totp_enabled_at"])
      .where("email", "=", "operatore@demo.test")
      .executeTakeFirstOrThrow();
    expect(operator.totp_enabled_at).not.toBeNull();
    const desk = await cookieFor(db, "operatore@demo.test");
    expect(await signedIn(desk)).not.toBeNull();

    // Only administrators: an officer gets 403 on the page and on its form.
    const forbidden = await run(() => people.loader(args(get("/amministrazione/utenti", desk))));
    expect(forbidden.status).toBe(403);
    const forbiddenPost = await run(() =>
      people.action(args(post("/amministrazione/utenti", desk, { user: operator.id, intent: "revoke" }))),
    );
    expect(forbiddenPost.status).toBe(403);
    expect(await signedIn(desk)).not.toBeNull();

    const listed = await run(() => people.loader(args(get("/amministrazione/utenti?q=operatore", admin))));
    const row = listed.body.people.find((p: { email: string }) => p.email === "operatore@demo.test");
    expect(row).toMatchObject({ staff: true, factor: { enabled: true } });
    expect(row.sessions.length).toBeGreaterThan(0);

    const reset = await run(() =>
      people.action(
        args(post("/amministrazione/utenti", admin, { user: operator.id, intent: "reset", q: "operatore" })),
      ),
    );
    expect(reset.location).toMatch(/fatto=azzerato/);
    expect(await signedIn(desk)).toBeNull();
    const cleared = await db
      .selectFrom("users")
      .select(["totp_secret", "totp_enabled_at"])
      .where("id", "=", operator.id)
      .executeTakeFirstOrThrow();
    expect(cleared).toEqual({ totp_secret: null, totp_enabled_at: null });
    expect(
      await db
        .selectFrom("totp_recovery_codes")
        .select("code_hash")
        .where("user_id", "=", operator.id)
        .execute(),
    ).toEqual([]);
    // Required mode: the next sign-in enrols again.
    expect((await password("operatore@demo.test")).r.location).toBe("/accedi/codice");

    const agency = await cookieFor(db, "asl@demo.test");
    const agencyUser = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "asl@demo.test")
      .executeTakeFirstOrThrow();
    const revoked = await run(() =>
      people.action(args(post("/amministrazione/utenti", admin, { user: agencyUser.id, intent: "revoke" }))),
    );
    expect(revoked.location).toMatch(/fatto=revocate&n=1/);
    expect(await signedIn(agency)).toBeNull();
    expect(await signedIn(admin)).not.toBeNull();
  });

  it("the account page lists the live sessions and 'esci da tutti i dispositivi' ends every one", async () => {
    const { db } = test.handle;
    const laptop = await cookieFor(db, "impresa@demo.test");
    const phone = await cookieFor(db, "impresa@demo.test");
    const page = await run(() => security.loader(args(get("/area-personale/sicurezza", laptop))));
    expect(page.body.sessions.length).toBe(2);
    expect(page.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(page.body.staff).toBe(false);
    // Without the CSRF token nothing happens.
    await expect(
      security.action(args(post("/area-personale/sicurezza", laptop, {}, "wrong"))),
    ).rejects.toMatchObject({
      status: 403,
    });
    expect(await signedIn(phone)).not.toBeNull();
    const ended = await run(() => security.action(args(post("/area-personale/sicurezza", laptop, {}))));
    expect(ended.location).toBe("/accedi?uscito=ovunque");
    expect(await signedIn(laptop)).toBeNull();
    expect(await signedIn(phone)).toBeNull();
    // Business people have no second factor to enrol.
    const again = await cookieFor(db, "impresa@demo.test");
    expect(
      (await run(() => enrolPage.loader(args(get("/area-personale/secondo-fattore", again))))).status,
    ).toBe(403);
  });

  it("a staff member enrols from the account page; recovery codes are stored hashed", async () => {
    const { db } = test.handle;
    const cookie = await cookieFor(db, "vvf@demo.test");
    const page = await run(() => enrolPage.loader(args(get("/area-personale/secondo-fattore", cookie))));
    const secret: string = page.body.secret;
    const done = await run(() =>
      enrolPage.action(args(post("/area-personale/secondo-fattore", cookie, { code: totpCode(secret) }))),
    );
    const codes: string[] = done.body.codes;
    expect(codes).toHaveLength(10);
    const stored = await db.selectFrom("totp_recovery_codes").select("code_hash").execute();
    const text = JSON.stringify(stored);
    for (const c of codes) expect(text).not.toContain(c.replace("-", ""));
    const view = await run(() => security.loader(args(get("/area-personale/sicurezza", cookie))));
    expect(view.body.factor).toEqual({ enabled: true, recoveryLeft: 10 });
  });
});
