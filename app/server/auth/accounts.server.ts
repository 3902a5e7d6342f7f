import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { toNumber } from "../db/db.server";
import { db } from "../runtime.server";
import { hashPassword, verifyPassword } from "./password.server";

export const THROTTLE_WINDOW_MINUTES = 15;
export const THROTTLE_MAX_FAILURES = 5;
export const THROTTLE_MAX_FAILURES_PER_IP = 30;

export function normaliseEmail(email: string) {
  return email.trim().toLowerCase();
}

export function isPlausibleEmail(email: string) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254;
}

export type LoginResult =
  | { ok: true; userId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryMinutes: number };

/**
 * Throttled by account and by address: after THROTTLE_MAX_FAILURES failures in THROTTLE_WINDOW_MINUTES the
 * account refuses even the right password until the window passes; the rows live in the database so every
 * process counts the same attempts.
 */
export async function login(emailInput: string, password: string, ip: string): Promise<LoginResult> {
  const email = normaliseEmail(emailInput);
  const keys = [`email:${email}`, `ip:${ip}`];
  const since = sql<Date>`now() - make_interval(mins => ${THROTTLE_WINDOW_MINUTES})`;
  const failures = await db()
    .selectFrom("login_attempts")
    .select(["key", db().fn.countAll().as("n"), db().fn.min("at").as("first")])
    .where("key", "in", keys)
    .where("success", "=", false)
    .where("at", ">", since)
    .groupBy("key")
    .execute();
  for (const f of failures) {
    const limit = f.key.startsWith("email:") ? THROTTLE_MAX_FAILURES : THROTTLE_MAX_FAILURES_PER_IP;
    if (toNumber(f.n) >= limit) {
      const first = new Date(f.first as unknown as string).getTime();
      const retry = Math.max(1, Math.ceil((first + THROTTLE_WINDOW_MINUTES * 60_000 - Date.now()) / 60_000));
      return { ok: false, reason: "throttled", retryMinutes: retry };
    }
  }
  const user = await db()
    .selectFrom("users")
    .select(["id", "password_hash"])
    .where("email", "=", email)
    .executeTakeFirst();
  // Hash even for unknown emails so timing does not reveal which accounts exist.
  // Without an account, still spend one hash's time, so the answer's delay does not tell who is registered.
  const ok = await verifyPassword(password, user ? user.password_hash : DUMMY_HASH).then(
    (matches) => Boolean(user) && matches,
  );
  await db()
    .insertInto("login_attempts")
    .values(keys.map((key) => ({ key, success: ok })))
    .execute();
  if (ok && user) {
    // A successful login clears the account's failure count.
    await db()
      .deleteFrom("login_attempts")
      .where("key", "=", keys[0]!)
      .where("success", "=", false)
      .execute();
    return { ok: true, userId: user.id };
  }
  return { ok: false, reason: "invalid" };
}

const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

export type RegisterResult = { ok: true; userId: string } | { ok: false; reason: "email_taken" };

/** Creates a business user. The unique index on email decides races between two registrations. */
export async function registerBusinessUser(input: {
  email: string;
  password: string;
  fullName: string;
}): Promise<RegisterResult> {
  const email = normaliseEmail(input.email);
  const hash = await hashPassword(input.password);
  const id = randomUUID();
  return db()
    .transaction()
    .execute(async (trx) => {
      const inserted = await trx
        .insertInto("users")
        .values({ id, email, password_hash: hash, full_name: input.fullName.trim() })
        .onConflict((oc) => oc.column("email").doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!inserted) return { ok: false as const, reason: "email_taken" as const };
      await trx
        .insertInto("memberships")
        .values({ user_id: id, role: "business", entity_id: null })
        .execute();
      return { ok: true as const, userId: id };
    });
}
