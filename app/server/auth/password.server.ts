import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { DEMO_PASSWORD } from "../seed-data.server";

// scrypt parameters: N=2^15, r=8, p=1 keeps one hash near 50 ms on two cores (OWASP minimum is 2^17 with
// r=8 for new systems if affordable; the parameters are stored in each hash, so raising them is a config
// change, not a migration).
const N = 32768;
const R = 8;
const P = 1;
const KEYLEN = 64;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, KEYLEN, { N: n, r, p, maxmem: 256 * n * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, "base64");
  const actual = await scrypt(password, Buffer.from(salt, "base64"), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export type PasswordProblem = "too_short" | "too_long" | "email" | "demo" | "repeated";

/**
 * Checked on the server when registering; the page explains each rule. Besides the length: not the e-mail
 * (or its part before the @), not the public demo password, not one short pattern repeated ("aaaaaaaaaa",
 * "abcabcabcabc", "1212121212").
 */
export function passwordProblem(password: string, context: { email?: string } = {}): PasswordProblem | null {
  if (password.length < 10) return "too_short";
  if (password.length > 200) return "too_long";
  const lower = password.toLowerCase();
  const email = context.email?.trim().toLowerCase();
  if (email) {
    const local = email.split("@")[0] ?? "";
    if (lower.includes(email) || (local.length >= 4 && lower.includes(local))) return "email";
  }
  if (lower.includes(DEMO_PASSWORD)) return "demo";
  if (/^(.{1,4})\1+.{0,3}$/su.test(lower) || new Set(lower).size < 4) return "repeated";
  return null;
}
