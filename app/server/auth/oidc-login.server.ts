import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { randomPKCECodeVerifier } from "openid-client";
import { safeRedirect } from "~/domain/redirect";
import { identityProvider } from "../integrations/registry.server";
import {
  IdentityError,
  type IdentityFailure,
  type IdentityScheme,
} from "../integrations/identity/port.server";
import { db, runtime } from "../runtime.server";
import { hashToken, sessionSecret } from "./session.server";

/** A sign-in started and not finished within this time is refused. */
const LOGIN_TTL_MINUTES = 10;

export function requiredLoa(): number {
  return Number(runtime.env.OIDC_SPID_LOA);
}

export function identityAvailable() {
  return runtime.env.oidc.mode !== "off";
}

function provider() {
  const p = identityProvider(runtime.env, sessionSecret());
  if (!p) throw new IdentityError("unavailable", "SPID/CIE is not configured (OIDC_ISSUER)");
  return p;
}

/**
 * Starts a SPID/CIE sign-in: a fresh state, nonce and PKCE verifier, stored (state hashed) with the
 * browser's cookie token, so the callback is good once and only in this browser. Nothing external is
 * called inside a transaction: the row is one insert, the discovery happens before it.
 */
export async function startSignIn(scheme: IdentityScheme, browserToken: string, redirectTo: string) {
  const state = randomBytes(32).toString("base64url");
  const nonce = randomBytes(32).toString("base64url");
  const codeVerifier = randomPKCECodeVerifier();
  const url = await provider().authorizationUrl({ scheme, state, nonce, codeVerifier, loa: requiredLoa() });
  await db()
    .insertInto("oidc_logins")
    .values({
      state_hash: hashToken(state),
      browser_hash: hashToken(browserToken),
      provider: scheme,
      nonce,
      code_verifier: codeVerifier,
      redirect_to: safeRedirect(redirectTo, ""),
    })
    .execute();
  return url;
}

export type SignInResult =
  | {
      ok: true;
      userId: string;
      created: boolean;
      scheme: IdentityScheme;
      loa: number;
      fiscalCode: string;
      idToken: string;
      redirectTo: string;
    }
  | { ok: false; reason: IdentityFailure | "state" };

/**
 * Finishes the sign-in at the callback. Refused (nothing created, one log line): an unknown, replayed,
 * expired or other browser's state; a provider error; a code the provider refuses (replayed); an ID token
 * that fails verification (signature, alg, issuer, audience, expiry, nonce); a level of assurance below
 * the required one; no fiscal code. The person is their fiscal code: the first sign-in creates the account,
 * later ones refresh name and e-mail.
 */
export async function completeSignIn(callbackUrl: URL, browserToken: string): Promise<SignInResult> {
  const state = callbackUrl.searchParams.get("state");
  const refuse = (reason: IdentityFailure | "state", detail: string): SignInResult => {
    console.warn(`[identity] sign-in refused (${reason}): ${detail}`);
    return { ok: false, reason };
  };
  if (!state || state.length > 200) return refuse("state", "no state in the callback");
  const login = await db()
    .updateTable("oidc_logins")
    .set({ used_at: sql`now()` })
    .where("state_hash", "=", hashToken(state))
    .where("browser_hash", "=", hashToken(browserToken))
    .where("used_at", "is", null)
    .where("created_at", ">", sql<Date>`now() - make_interval(mins => ${LOGIN_TTL_MINUTES})`)
    .returningAll()
    .executeTakeFirst();
  if (!login) return refuse("state", "unknown, replayed, expired or another browser's state");
  let identity: Awaited<ReturnType<ReturnType<typeof provider>["complete"]>>;
  try {
    identity = await provider().complete(callbackUrl, {
      state,
      nonce: login.nonce,
      codeVerifier: login.code_verifier,
      loa: requiredLoa(),
    });
  } catch (error) {
    if (error instanceof IdentityError) return refuse(error.reason, error.message);
    return refuse("token", (error as Error).message);
  }
  const { userId, created } = await upsertPerson(identity);
  return {
    ok: true,
    userId,
    created,
    scheme: login.provider === "cie" ? "cie" : "spid",
    loa: identity.loa,
    fiscalCode: identity.fiscalCode,
    idToken: identity.idToken,
    redirectTo: login.redirect_to,
  };
}

async function upsertPerson(identity: {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  email: string | null;
}) {
  const fullName = `${identity.givenName} ${identity.familyName}`.trim() || identity.fiscalCode;
  return db()
    .transaction()
    .execute(async (trx) => {
      const existing = await trx
        .selectFrom("users")
        .select(["id", "email"])
        .where(sql`upper(fiscal_code)`, "=", identity.fiscalCode)
        .forUpdate()
        .executeTakeFirst();
      // An e-mail another account already uses is not taken over.
      const emailFree = identity.email
        ? !(await trx
            .selectFrom("users")
            .select("id")
            .where("email", "=", identity.email)
            .$if(!!existing, (q) => q.where("id", "!=", existing!.id))
            .executeTakeFirst())
        : false;
      if (existing) {
        await trx
          .updateTable("users")
          .set({ full_name: fullName, ...(emailFree && identity.email ? { email: identity.email } : {}) })
          .where("id", "=", existing.id)
          .execute();
        return { userId: existing.id, created: false };
      }
      const id = randomUUID();
      const email =
        emailFree && identity.email ? identity.email : `${identity.fiscalCode.toLowerCase()}@persone.invalid`;
      await trx
        .insertInto("users")
        .values({ id, email, password_hash: null, full_name: fullName, fiscal_code: identity.fiscalCode })
        .execute();
      await trx
        .insertInto("memberships")
        .values({ user_id: id, role: "business", entity_id: null })
        .execute();
      return { userId: id, created: true };
    });
}

export async function endSessionUrl(idToken: string | null) {
  if (!idToken || !identityAvailable()) return null;
  return provider()
    .endSessionUrl(idToken)
    .catch(() => null);
}
