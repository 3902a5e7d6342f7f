import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from "jose";

/**
 * The development PDND (Piattaforma Digitale Nazionale Dati, "interoperabilità"): the same protocol as PDND
 * on the wire, for development and tests only (it refuses to exist in production).
 * - `POST /token.oauth2`: client_credentials with a signed client assertion (`client_assertion_type`
 *   jwt-bearer; header `kid` of a key registered for the client; `iss` = `sub` = client_id; `aud` = this token
 *   endpoint; `jti` used once; `purposeId` a purpose of that client). Answers a voucher (RS256 JWT: `iss`,
 *   `aud` = the e-service audience of the purpose, `sub` and `client_id`, `purposeId`, `jti`, `iat`, `nbf`,
 *   `exp` ten minutes later), `{ access_token, token_type: "Bearer", expires_in }`.
 * - `GET /.well-known/jwks.json`: the keys vouchers are signed with, as PDND publishes them.
 * - `GET /keys/{kid}`: a client's public key by kid (PDND's keys API), to check Agid-JWT-Signature tokens.
 * - `POST /clients` `{ client_id, jwk }` and `POST /purposes` `{ purposeId, client_id, audience }`: what a
 *   PDND administrator does in the back-office (register a client's key; a purpose for an e-service).
 */

export class PdndDoubleRefused extends Error {}

export function assertPdndDoubleAllowed(isProduction: boolean) {
  // The configuration's NODE_ENV (the Remix bundle inlines process.env.NODE_ENV, so it is not read here).
  if (isProduction)
    throw new PdndDoubleRefused(
      "Il PDND di sviluppo non può essere avviato in produzione: configura PDND_TOKEN_URL, PDND_JWKS_URL, PDND_KEYS_URL e PDND_ISSUER.",
    );
}

interface Client {
  clientId: string;
  keys: Map<string, JWK>;
}

interface Purpose {
  purposeId: string;
  clientId: string;
  audience: string;
}

const VOUCHER_TTL_S = 600;

export class PdndDouble {
  readonly issuer: string;
  readonly tokenUrl: string;
  private clients = new Map<string, Client>();
  private purposes = new Map<string, Purpose>();
  private keysByKid = new Map<string, { clientId: string; jwk: JWK }>();
  private usedAssertions = new Map<string, number>();
  private signing: Promise<{ kid: string; privateKey: CryptoKey; publicJwk: JWK }>;
  /** Vouchers issued (for tests: each one checked by the peer). */
  issued = 0;

  constructor(opts: { issuer: string; tokenUrl?: string; isProduction: boolean }) {
    assertPdndDoubleAllowed(opts.isProduction);
    this.issuer = opts.issuer.replace(/\/$/, "");
    this.tokenUrl = opts.tokenUrl ?? `${this.issuer}/token.oauth2`;
    this.signing = (async () => {
      const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
      const publicJwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(publicJwk);
      return { kid, privateKey, publicJwk: { ...publicJwk, kid, alg: "RS256", use: "sig" } };
    })();
  }

  registerClient(clientId: string, jwk: JWK) {
    if (!jwk.kid) throw new Error("la chiave deve avere un kid");
    const client = this.clients.get(clientId) ?? { clientId, keys: new Map() };
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicOnly } = jwk;
    client.keys.set(jwk.kid, publicOnly);
    this.clients.set(clientId, client);
    this.keysByKid.set(jwk.kid, { clientId, jwk: publicOnly });
  }

  registerPurpose(purposeId: string, clientId: string, audience: string) {
    this.purposes.set(purposeId, { purposeId, clientId, audience });
  }

  async jwks() {
    return { keys: [(await this.signing).publicJwk] };
  }

  async handle(request: Request, subpath: string): Promise<Response> {
    const method = request.method.toUpperCase();
    if (method === "GET" && subpath === "/.well-known/jwks.json") return json(200, await this.jwks());
    if (method === "GET" && subpath.startsWith("/keys/")) {
      const kid = decodeURIComponent(subpath.slice("/keys/".length));
      const found = this.keysByKid.get(kid);
      return found ? json(200, found.jwk) : json(404, { title: "Not Found", detail: `kid ${kid}` });
    }
    if (method === "POST" && subpath === "/token.oauth2") return this.token(request);
    if (method === "POST" && subpath === "/clients") {
      const b = (await request.json().catch(() => null)) as { client_id?: string; jwk?: JWK } | null;
      if (!b?.client_id || !b.jwk?.kid) return json(400, { error: "invalid_request" });
      this.registerClient(b.client_id, b.jwk);
      return json(201, { client_id: b.client_id, kid: b.jwk.kid });
    }
    if (method === "POST" && subpath === "/purposes") {
      const b = (await request.json().catch(() => null)) as Partial<Purpose> & { client_id?: string };
      if (!b?.purposeId || !b.client_id || !b.audience) return json(400, { error: "invalid_request" });
      this.registerPurpose(b.purposeId, b.client_id, b.audience);
      return json(201, { purposeId: b.purposeId });
    }
    return json(404, { error: "not_found" });
  }

  private async token(request: Request): Promise<Response> {
    const form = new URLSearchParams(await request.text());
    if (form.get("grant_type") !== "client_credentials")
      return json(400, { error: "unsupported_grant_type" });
    if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
      return json(400, { error: "invalid_request", error_description: "client_assertion_type" });
    const assertion = form.get("client_assertion") ?? "";
    const clientId = form.get("client_id") ?? "";
    let claims: Record<string, unknown>;
    try {
      const header = decodeProtectedHeader(assertion);
      const registered = header.kid ? this.keysByKid.get(header.kid) : undefined;
      if (!registered || registered.clientId !== clientId)
        throw new Error("kid non registrato per il client");
      const key = await importJWK(registered.jwk, header.alg);
      const { payload } = await jwtVerify(assertion, key, {
        issuer: clientId,
        subject: clientId,
        audience: this.tokenUrl,
        requiredClaims: ["jti", "exp", "iat", "purposeId"],
        maxTokenAge: "10m",
      });
      claims = payload as Record<string, unknown>;
    } catch {
      return json(400, { error: "invalid_client" });
    }
    const now = Math.floor(Date.now() / 1000);
    for (const [jti, exp] of this.usedAssertions) if (exp < now) this.usedAssertions.delete(jti);
    const jti = String(claims.jti);
    if (this.usedAssertions.has(jti)) return json(400, { error: "invalid_client", error_description: "jti" });
    this.usedAssertions.set(jti, Number(claims.exp));
    const purpose = this.purposes.get(String(claims.purposeId));
    if (!purpose || purpose.clientId !== clientId) return json(400, { error: "invalid_grant" });
    const signing = await this.signing;
    const token = await new SignJWT({ client_id: clientId, purposeId: purpose.purposeId })
      .setProtectedHeader({ alg: "RS256", kid: signing.kid, typ: "at+jwt" })
      .setIssuer(this.issuer)
      .setAudience(purpose.audience)
      .setSubject(clientId)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + VOUCHER_TTL_S)
      .sign(signing.privateKey);
    this.issued += 1;
    return json(200, { access_token: token, token_type: "Bearer", expires_in: VOUCHER_TTL_S });
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** Peeks at a voucher's claims (tests; never to authorise). */
export const peekClaims = decodeJwt;

/** A standalone development PDND on loopback (tests, several portals sharing one PDND). */
export async function startPdndDouble(): Promise<{
  url: string;
  double: PdndDouble;
  close(): Promise<void>;
}> {
  assertPdndDoubleAllowed(false);
  let double: PdndDouble | undefined;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const request = new Request(url, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === "GET" ? undefined : Buffer.concat(chunks),
    });
    const response = await double!.handle(request, url.pathname);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  double = new PdndDouble({ issuer: url, isProduction: false });
  return {
    url,
    double,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
