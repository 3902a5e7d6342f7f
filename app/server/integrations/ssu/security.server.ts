import { createHash, randomUUID } from "node:crypto";
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.server";
import type { SsuKey } from "./config.server";

/**
 * The SSU's security (text/07; Linee Guida interoperabilità, ModI): the PDND voucher (OAuth2 client
 * credentials with a signed client assertion carrying `kid`, `purposeId`, `aud`, `jti`) authorises each call;
 * the `Agid-JWT-Signature` integrity token (INTEGRITY_REST_01) signs every request AND response, binding the
 * body through its `Digest`. Accepted tokens' `jti` are kept until they expire (table ssu_seen_tokens), so a
 * replay is refused.
 */

export const SIGNATURE_HEADER = "Agid-JWT-Signature";
/** Lifetime of an integrity token: long enough for a slow peer, short enough for replay storage. */
const INTEGRITY_TTL_S = 300;
const CLOCK_TOLERANCE_S = 60;

/** RFC 3230 digest of a body, as ModI writes it. */
export function digestOf(body: string | Uint8Array): string {
  return `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
}

// ---------------------------------------------------------------------------------------------- voucher

/** The client assertion a PDND client signs to ask for a voucher (PDND "client_credentials" flow). */
export async function clientAssertion(opts: {
  key: SsuKey;
  clientId: string;
  audience: string;
  purposeId: string;
  now?: Date;
}): Promise<string> {
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ purposeId: opts.purposeId })
    .setProtectedHeader({ alg: opts.key.alg, kid: opts.key.kid, typ: "JWT" })
    .setIssuer(opts.clientId)
    .setSubject(opts.clientId)
    .setAudience(opts.audience)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .sign(opts.key.privateKey);
}

export interface Voucher {
  token: string;
  expiresAt: number;
}

/** Asks PDND for a voucher: POST token endpoint, form-encoded, as PDND documents it. */
export async function requestVoucher(opts: {
  tokenUrl: string;
  key: SsuKey;
  clientId: string;
  assertionAudience: string;
  purposeId: string;
  signal?: AbortSignal;
}): Promise<Voucher> {
  const assertion = await clientAssertion({
    key: opts.key,
    clientId: opts.clientId,
    audience: opts.assertionAudience,
    purposeId: opts.purposeId,
  });
  const response = await fetch(opts.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      client_id: opts.clientId,
      client_assertion: assertion,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      grant_type: "client_credentials",
    }).toString(),
    signal: opts.signal,
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status !== 200 || typeof body.access_token !== "string") {
    throw new VoucherError(
      `PDND ha rifiutato la richiesta di voucher (${response.status} ${String(body.error ?? "")}).`,
      response.status,
    );
  }
  const expiresIn = typeof body.expires_in === "number" ? body.expires_in : 600;
  return { token: body.access_token, expiresAt: Date.now() + expiresIn * 1000 };
}

export class VoucherError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = "VoucherError";
  }
}

export interface VoucherClaims {
  clientId: string;
  purposeId: string;
  jti: string;
  exp: number;
}

const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function remoteJwks(url: string) {
  let set = jwksCache.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { cooldownDuration: 5_000, timeoutDuration: 10_000 });
    jwksCache.set(url, set);
  }
  return set;
}

/**
 * Checks a voucher: signed by PDND (its published keys), issued by PDND, for this e-service's audience, not
 * expired, carrying a purpose (and one of the accepted purposes when a list is given) and a client.
 * Throws with a sentence when any of it fails.
 */
export async function verifyVoucher(
  token: string,
  opts: { jwksUrl: string; issuer: string; audience: string; acceptedPurposes?: readonly string[] },
): Promise<VoucherClaims> {
  const { payload } = await jwtVerify(token, remoteJwks(opts.jwksUrl), {
    issuer: opts.issuer,
    audience: opts.audience,
    clockTolerance: CLOCK_TOLERANCE_S,
    requiredClaims: ["exp", "jti", "purposeId"],
  });
  const purposeId = typeof payload.purposeId === "string" ? payload.purposeId : "";
  const clientId = typeof payload.client_id === "string" ? payload.client_id : (payload.sub ?? "");
  if (!purposeId) throw new Error("il voucher non indica la finalità (purposeId)");
  if (opts.acceptedPurposes?.length && !opts.acceptedPurposes.includes(purposeId))
    throw new Error(`la finalità ${purposeId} non è autorizzata per questo e-service`);
  if (!clientId) throw new Error("il voucher non indica il client");
  return { clientId, purposeId, jti: String(payload.jti), exp: payload.exp! };
}

// ---------------------------------------------------------------------------------------------- integrity

/** Signs a message (request or response): the token binds its digest and content type. */
export async function integrityToken(opts: {
  key: SsuKey;
  issuer: string;
  audience: string;
  digest: string;
  contentType?: string | null;
  now?: Date;
}): Promise<string> {
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const signed: Record<string, string>[] = [{ digest: opts.digest }];
  if (opts.contentType) signed.push({ "content-type": opts.contentType });
  return new SignJWT({ signed_headers: signed })
    .setProtectedHeader({ alg: opts.key.alg, kid: opts.key.kid, typ: "JWT" })
    .setIssuer(opts.issuer)
    .setSubject(opts.issuer)
    .setAudience(opts.audience)
    .setJti(randomUUID())
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + INTEGRITY_TTL_S)
    .sign(opts.key.privateKey);
}

/** Finds a PDND client's public key by `kid` (PDND's keys API; the development PDND serves the same). */
export type KeyResolver = (kid: string) => Promise<JWK | null>;

const keyCache = new Map<string, JWK>();

export function pdndKeyResolver(keysUrl: string, opts: { signal?: AbortSignal } = {}): KeyResolver {
  return async (kid) => {
    const cacheKey = `${keysUrl}|${kid}`;
    const cached = keyCache.get(cacheKey);
    if (cached) return cached;
    const response = await fetch(`${keysUrl}/${encodeURIComponent(kid)}`, {
      headers: { accept: "application/json" },
      signal: opts.signal ?? AbortSignal.timeout(10_000),
    });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`il servizio delle chiavi PDND ha risposto ${response.status}`);
    const jwk = (await response.json()) as JWK;
    keyCache.set(cacheKey, jwk);
    return jwk;
  };
}

export interface IntegrityClaims extends JWTPayload {
  jti: string;
  exp: number;
  iss: string;
}

/**
 * Checks an Agid-JWT-Signature: signed by the key `kid` names (belonging to `expectedIssuer` when given,
 * the voucher's client), for `audience`, in its validity, and binding exactly this body: its `digest` must
 * equal the body's, and the Digest header when one was sent. Throws with a sentence otherwise.
 */
export async function verifyIntegrity(
  token: string,
  opts: {
    body: string | Uint8Array;
    digestHeader?: string | null;
    contentType?: string | null;
    audience: string;
    expectedIssuer?: string;
    resolveKey: KeyResolver;
  },
): Promise<IntegrityClaims> {
  const header = decodeProtectedHeader(token);
  if (!header.kid) throw new Error("il token di integrità non indica la chiave (kid)");
  if (header.alg === "none" || !header.alg) throw new Error("algoritmo di firma non ammesso");
  const jwk = await opts.resolveKey(header.kid);
  if (!jwk) throw new Error(`la chiave ${header.kid} non è registrata su PDND`);
  const key = await importJWK({ ...jwk, alg: jwk.alg ?? header.alg }, header.alg);
  const { payload } = await jwtVerify(token, key, {
    audience: opts.audience,
    clockTolerance: CLOCK_TOLERANCE_S,
    requiredClaims: ["exp", "jti", "iss", "signed_headers"],
  });
  if (opts.expectedIssuer && payload.iss !== opts.expectedIssuer)
    throw new Error("il token di integrità non è firmato dal client del voucher");
  const signed = Array.isArray(payload.signed_headers)
    ? (payload.signed_headers as Record<string, unknown>[])
    : [];
  const digest = signed.find((h) => typeof h.digest === "string")?.digest as string | undefined;
  const actual = digestOf(opts.body);
  if (!digest) throw new Error("il token di integrità non contiene il digest del corpo");
  if (digest !== actual) throw new Error("il digest firmato non corrisponde al corpo del messaggio");
  if (opts.digestHeader && opts.digestHeader.trim() !== actual)
    throw new Error("l'intestazione Digest non corrisponde al corpo del messaggio");
  const type = signed.find((h) => typeof h["content-type"] === "string")?.["content-type"] as
    | string
    | undefined;
  if (type && opts.contentType && type.toLowerCase() !== opts.contentType.toLowerCase())
    throw new Error("il Content-Type firmato non corrisponde a quello del messaggio");
  return payload as IntegrityClaims;
}

// ---------------------------------------------------------------------------------------------- replay

/**
 * Remembers an accepted token's jti until it expires. Returns false when it was seen already (a replay).
 * Expired entries are purged on the way.
 */
export async function rememberToken(
  db: Kysely<Database>,
  token: { jti: string; issuer: string; exp: number },
  now = new Date(),
): Promise<boolean> {
  await db.deleteFrom("ssu_seen_tokens").where("expires_at", "<", now).execute();
  const inserted = await db
    .insertInto("ssu_seen_tokens")
    .values({
      jti: `${token.issuer}|${token.jti}`.slice(0, 500),
      issuer: token.issuer,
      expires_at: new Date((token.exp + CLOCK_TOLERANCE_S) * 1000),
    })
    .onConflict((oc) => oc.column("jti").doNothing())
    .returning("jti")
    .executeTakeFirst();
  return !!inserted;
}
