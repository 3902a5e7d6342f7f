import { createHash, randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { Secret, TOTP } from "otpauth";
import type { Database } from "../db/schema.server";
import { reserveAttempt, THROTTLE_MAX_FAILURES, THROTTLE_WINDOW_MINUTES } from "./accounts.server";
import { hashToken } from "./session.server";

/**
 * The staff second factor (issue 13, ADR 0015): TOTP as RFC 6238 says (HMAC-SHA1, 6 digits, 30-second steps,
 * one step of clock drift either way), through `otpauth`. Every code is throttled like the password (the
 * attempt is reserved first, 5 per account in 15 minutes) and a step once used is never accepted again
 * (`users.totp_last_step` only moves forward, in one conditional UPDATE). Enrolment shows the secret once
 * and is confirmed by a first code; ten recovery codes, each good once, are shown at the same time; an
 * administrator can reset the factor.
 */

export const TOTP_ISSUER = "Portale SUAP";
const PERIOD = 30;
const DIGITS = 6;
export const RECOVERY_CODES = 10;
/** A pending second step is good for this long after the password. */
export const STAFF_SIGNIN_MINUTES = 10;

export const STAFF_ROLES = new Set(["officer", "manager", "agency_reviewer", "admin"]);

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, label: string): string {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    secret: Secret.fromBase32(secret),
    digits: DIGITS,
    period: PERIOD,
  }).toString();
}

/** The code for a secret at a time (tests and the README's demo use it; never the server's own checks). */
export function totpCode(secret: string, at = Date.now()): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), digits: DIGITS, period: PERIOD, timestamp: at });
}

/** The time step a code belongs to (within one step of now), or null. */
export function matchingStep(secret: string, code: string, at = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secret),
    digits: DIGITS,
    period: PERIOD,
    timestamp: at,
    window: 1,
  });
  return delta === null ? null : Math.floor(at / 1000 / PERIOD) + delta;
}

export type SecondFactorResult =
  | { ok: true; via: "totp" | "recovery" }
  | { ok: false; reason: "invalid" | "replayed" }
  | { ok: false; reason: "throttled"; retryMinutes: number };

/** Normalises a typed code: spaces and dashes dropped, upper case. */
export function normaliseCode(input: string) {
  return input.replace(/[\s-]/g, "").toUpperCase();
}

/**
 * Checks a TOTP code (or a recovery code) of a user with an enabled factor. The attempt is counted before the
 * code is looked at; a success clears the count.
 */
export async function checkSecondFactor(
  db: Kysely<Database>,
  userId: string,
  input: string,
): Promise<SecondFactorResult> {
  const key = `totp:${userId}`;
  const attempt = await reserveAttempt(key);
  if (attempt.attempts > THROTTLE_MAX_FAILURES) {
    const until = attempt.windowStart.getTime() + THROTTLE_WINDOW_MINUTES * 60_000;
    return {
      ok: false,
      reason: "throttled",
      retryMinutes: Math.max(1, Math.ceil((until - Date.now()) / 60_000)),
    };
  }
  const code = normaliseCode(input);
  const user = await db
    .selectFrom("users")
    .select(["totp_secret", "totp_enabled_at"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user?.totp_secret || !user.totp_enabled_at) return { ok: false, reason: "invalid" };
  let result: SecondFactorResult;
  if (/^\d{6}$/.test(code)) {
    const step = matchingStep(user.totp_secret, code);
    result = step === null ? { ok: false, reason: "invalid" } : await claimStep(db, userId, step);
  } else {
    const used = await db
      .updateTable("totp_recovery_codes")
      .set({ used_at: sql`now()` })
      .where("user_id", "=", userId)
      .where("code_hash", "=", recoveryHash(code))
      .where("used_at", "is", null)
      .executeTakeFirst();
    result =
      Number(used.numUpdatedRows) === 1 ? { ok: true, via: "recovery" } : { ok: false, reason: "invalid" };
  }
  if (result.ok) await db.deleteFrom("login_throttle").where("key", "=", key).execute();
  return result;
}

/** Accepts a step only if it is later than the last one used: two requests with one code cannot both pass. */
async function claimStep(db: Kysely<Database>, userId: string, step: number): Promise<SecondFactorResult> {
  const moved = await db
    .updateTable("users")
    .set({ totp_last_step: step })
    .where("id", "=", userId)
    .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) === 1 ? { ok: true, via: "totp" } : { ok: false, reason: "replayed" };
}

function recoveryHash(code: string) {
  return createHash("sha256")
    .update(`suap-recovery:${normaliseCode(code)}`)
    .digest("hex");
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A recovery code: 10 base32 characters (50 random bits), shown as XXXXX-XXXXX. */
function newRecoveryCode() {
  const bytes = randomBytes(10);
  let out = "";
  for (const b of bytes) out += BASE32[b & 31];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

/**
 * Starts an enrolment: a new secret is stored, not yet enabled, and returned to be shown. While it is not
 * confirmed, `keepPending` returns the same secret (a wrong first code re-renders the page: the secret the
 * person scanned must not change under them). Once confirmed it is never shown again; a factor already
 * enabled is not touched (the administrator resets it first).
 */
export async function beginEnrolment(
  db: Kysely<Database>,
  userId: string,
  options: { keepPending?: boolean } = {},
): Promise<string | null> {
  if (options.keepPending) {
    const current = await db
      .selectFrom("users")
      .select(["totp_secret", "totp_enabled_at"])
      .where("id", "=", userId)
      .executeTakeFirst();
    if (current?.totp_enabled_at) return null;
    if (current?.totp_secret) return current.totp_secret;
  }
  const secret = newTotpSecret();
  const updated = await db
    .updateTable("users")
    .set({ totp_secret: secret, totp_last_step: null })
    .where("id", "=", userId)
    .where("totp_enabled_at", "is", null)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1 ? secret : null;
}

export type EnrolResult =
  | { ok: true; recoveryCodes: string[] }
  | { ok: false; reason: "invalid" | "replayed" | "not_started" }
  | { ok: false; reason: "throttled"; retryMinutes: number };

/** Confirms an enrolment with a first code: the factor is enabled and ten recovery codes are issued. */
export async function confirmEnrolment(
  db: Kysely<Database>,
  userId: string,
  input: string,
): Promise<EnrolResult> {
  const key = `totp:${userId}`;
  const attempt = await reserveAttempt(key);
  if (attempt.attempts > THROTTLE_MAX_FAILURES) {
    const until = attempt.windowStart.getTime() + THROTTLE_WINDOW_MINUTES * 60_000;
    return {
      ok: false,
      reason: "throttled",
      retryMinutes: Math.max(1, Math.ceil((until - Date.now()) / 60_000)),
    };
  }
  const user = await db
    .selectFrom("users")
    .select(["totp_secret", "totp_enabled_at"])
    .where("id", "=", userId)
    .executeTakeFirst();
  if (!user?.totp_secret || user.totp_enabled_at) return { ok: false, reason: "not_started" };
  const step = matchingStep(user.totp_secret, normaliseCode(input));
  if (step === null) return { ok: false, reason: "invalid" };
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  const enabled = await db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable("users")
      .set({ totp_enabled_at: sql`now()`, totp_last_step: step })
      .where("id", "=", userId)
      .where("totp_secret", "=", user.totp_secret)
      .where("totp_enabled_at", "is", null)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) return false;
    await trx.deleteFrom("totp_recovery_codes").where("user_id", "=", userId).execute();
    await trx
      .insertInto("totp_recovery_codes")
      .values(codes.map((c) => ({ user_id: userId, code_hash: recoveryHash(c), used_at: null })))
      .execute();
    return true;
  });
  if (!enabled) return { ok: false, reason: "replayed" };
  await db.deleteFrom("login_throttle").where("key", "=", key).execute();
  return { ok: true, recoveryCodes: codes };
}

/** An administrator's reset: the factor, its recovery codes and every session of the person are gone. */
export async function resetSecondFactor(db: Kysely<Database>, userId: string) {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("users")
      .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null })
      .where("id", "=", userId)
      .execute();
    await trx.deleteFrom("totp_recovery_codes").where("user_id", "=", userId).execute();
    await trx
      .updateTable("sessions")
      .set({ revoked_at: sql`now()`, revoked_reason: "totp_reset" })
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .execute();
  });
}

export async function secondFactorStatus(db: Kysely<Database>, userId: string) {
  const [user, left] = await Promise.all([
    db.selectFrom("users").select(["totp_enabled_at"]).where("id", "=", userId).executeTakeFirst(),
    db
      .selectFrom("totp_recovery_codes")
      .select(sql<number>`count(*)`.as("n"))
      .where("user_id", "=", userId)
      .where("used_at", "is", null)
      .executeTakeFirst(),
  ]);
  return { enabled: Boolean(user?.totp_enabled_at), recoveryLeft: Number(left?.n ?? 0) };
}

// --- the second step of a staff sign-in, bound to the browser that gave the password ---

/** After a right password: remember, for this browser only, that the second factor is due. */
export async function startStaffSignin(
  db: Kysely<Database>,
  browserToken: string,
  userId: string,
  purpose: "verify" | "enrol",
  redirectTo: string,
) {
  const browser_hash = hashToken(browserToken);
  await db
    .insertInto("staff_signins")
    .values({ browser_hash, user_id: userId, purpose, redirect_to: redirectTo, used_at: null })
    .onConflict((oc) =>
      oc.column("browser_hash").doUpdateSet({
        user_id: userId,
        purpose,
        redirect_to: redirectTo,
        created_at: sql`now()`,
        used_at: null,
      }),
    )
    .execute();
}

/** The pending second step of this browser, if any and still fresh. */
export async function pendingStaffSignin(db: Kysely<Database>, browserToken: string) {
  return db
    .selectFrom("staff_signins")
    .innerJoin("users", "users.id", "staff_signins.user_id")
    .select([
      "staff_signins.user_id",
      "staff_signins.purpose",
      "staff_signins.redirect_to",
      "users.email",
      "users.totp_enabled_at",
    ])
    .where("staff_signins.browser_hash", "=", hashToken(browserToken))
    .where("staff_signins.used_at", "is", null)
    .where("staff_signins.created_at", ">", sql<Date>`now() - make_interval(mins => ${STAFF_SIGNIN_MINUTES})`)
    .executeTakeFirst();
}

/** Marks the pending step used (once: a second request with the same browser finds nothing). */
export async function finishStaffSignin(db: Kysely<Database>, browserToken: string): Promise<boolean> {
  const done = await db
    .updateTable("staff_signins")
    .set({ used_at: sql`now()` })
    .where("browser_hash", "=", hashToken(browserToken))
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}
