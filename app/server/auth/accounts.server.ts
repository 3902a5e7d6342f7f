import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { enqueue } from "../mail/outbox.server";
import { db, runtime } from "../runtime.server";
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
 * Throttled by account and by address (ADR 0010). Each attempt is first RESERVED with one atomic upsert per
 * key (the counter goes up before the password is looked at), so parallel guesses cannot all pass a count
 * read earlier: after THROTTLE_MAX_FAILURES reservations in THROTTLE_WINDOW_MINUTES the account refuses
 * even the right password until the window passes. A successful sign-in clears the account's counter and
 * gives the address back its reservation. The rows live in the database, so every process counts the same.
 */
export async function login(emailInput: string, password: string, ip: string): Promise<LoginResult> {
  const email = normaliseEmail(emailInput);
  const accountKey = `email:${email}`;
  const addressKey = `ip:${ip}`;
  const account = await reserveAttempt(accountKey);
  const address = await reserveAttempt(addressKey);
  const blocked = [
    account.attempts > THROTTLE_MAX_FAILURES ? account : null,
    address.attempts > THROTTLE_MAX_FAILURES_PER_IP ? address : null,
  ].filter((b) => b !== null);
  if (blocked.length) {
    const until = Math.max(...blocked.map((b) => b.windowStart.getTime() + THROTTLE_WINDOW_MINUTES * 60_000));
    return {
      ok: false,
      reason: "throttled",
      retryMinutes: Math.max(1, Math.ceil((until - Date.now()) / 60_000)),
    };
  }
  const user = await db()
    .selectFrom("users")
    .select(["id", "password_hash"])
    .where("email", "=", email)
    .executeTakeFirst();
  // Without an account (or without a password: people who sign in with SPID/CIE), still spend one hash's
  // time, so the answer's delay does not tell who is registered.
  const matches = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
  const ok = Boolean(user?.password_hash) && matches;
  if (ok && user) {
    await db().deleteFrom("login_throttle").where("key", "=", accountKey).execute();
    await db()
      .updateTable("login_throttle")
      .set({ attempts: sql`greatest(attempts - 1, 0)` })
      .where("key", "=", addressKey)
      .execute();
    return { ok: true, userId: user.id };
  }
  return { ok: false, reason: "invalid" };
}

/** Counts one attempt for `key` (a new window when the last one is over) and returns the count, atomically. */
export async function reserveAttempt(key: string): Promise<{ attempts: number; windowStart: Date }> {
  const window = sql`make_interval(mins => ${THROTTLE_WINDOW_MINUTES})`;
  const result = await sql<{ attempts: number; window_started_at: Date | string }>`
    insert into login_throttle as t (key, attempts, window_started_at) values (${key}, 1, now())
    on conflict (key) do update set
      attempts = case when t.window_started_at <= now() - ${window} then 1 else t.attempts + 1 end,
      window_started_at = case when t.window_started_at <= now() - ${window} then now() else t.window_started_at end
    returning attempts, window_started_at`.execute(db());
  const row = result.rows[0]!;
  return { attempts: Number(row.attempts), windowStart: new Date(row.window_started_at) };
}

const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

export type NameProblem = "missing" | "too_long" | "characters";

/** A person's name as typed: 2 to 100 characters, no control or invisible formatting characters (bidi overrides). */
export function nameProblem(name: string): NameProblem | null {
  if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(name)) return "characters";
  const trimmed = name.trim();
  if (trimmed.length < 2) return "missing";
  if (trimmed.length > 100) return "too_long";
  return null;
}

export type RegisterResult = { ok: true; userId: string } | { ok: false; reason: "email_taken" };

/**
 * Creates a business user. The unique index on email decides races between two registrations. Either way
 * a message goes to the address (a welcome, or "you already have an account"), so the page can give the
 * same answer to everyone and never tell who is registered.
 */
export async function registerBusinessUser(input: {
  email: string;
  password: string;
  fullName: string;
}): Promise<RegisterResult> {
  const email = normaliseEmail(input.email);
  const hash = await hashPassword(input.password);
  const id = randomUUID();
  const site = runtime.env.PUBLIC_URL ?? `http://localhost:${runtime.env.PORT}`;
  return db()
    .transaction()
    .execute(async (trx) => {
      const inserted = await trx
        .insertInto("users")
        .values({ id, email, password_hash: hash, full_name: input.fullName.trim() })
        .onConflict((oc) => oc.column("email").doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!inserted) {
        await enqueue(trx, {
          recipient: email,
          template: "account.exists",
          subject: "Hai già un account sul portale SUAP",
          text: `Qualcuno ha chiesto di registrarsi al portale SUAP con questo indirizzo, che ha già un account.\n\nSe sei stato tu, accedi da ${site}/accedi con la tua password. Se non sei stato tu, non devi fare nulla: il tuo account non è cambiato.`,
        });
        return { ok: false as const, reason: "email_taken" as const };
      }
      await trx
        .insertInto("memberships")
        .values({ user_id: id, role: "business", entity_id: null })
        .execute();
      await enqueue(trx, {
        recipient: email,
        template: "account.created",
        subject: "Il tuo account sul portale SUAP",
        text: `Il tuo account sul portale SUAP è pronto.\n\nAccedi da ${site}/accedi con questo indirizzo e la password che hai scelto. Se non sei stato tu a registrarti, scrivi al SUAP.`,
      });
      return { ok: true as const, userId: id };
    });
}
