import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { completeSignIn, startSignIn } from "~/server/auth/oidc-login.server";
import { runtime } from "~/server/runtime.server";
import { useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { listen } from "./support";

const BROWSER = "f".repeat(43);
const CLIENT_ID = "suap-test-client";

/**
 * A test-only OpenID provider with its own key, to forge ID tokens the development provider would never
 * issue: the portal must refuse each one and create nothing.
 */
describe.each(DATABASES)("forged ID tokens on %s", (kind) => {
  let test: TestDatabase;
  let op: Awaited<ReturnType<typeof listen>>;
  let nextToken: (nonce: string) => Promise<string>;
  let lastNonce = "";
  let published: Awaited<ReturnType<typeof generateKeyPair>>;
  let other: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    useTestEnv();
    test = await useMigratedDatabase(kind);
    published = await generateKeyPair("RS256");
    other = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(published.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    op = await listen((app, base) => {
      app.get("/.well-known/openid-configuration", (_req, res) => {
        res.json({
          issuer: base(),
          authorization_endpoint: `${base()}/auth`,
          token_endpoint: `${base()}/token`,
          jwks_uri: `${base()}/jwks`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          code_challenge_methods_supported: ["S256"],
        });
      });
      app.get("/jwks", (_req, res) => {
        res.json({ keys: [jwk] });
      });
      app.post("/token", async (_req, res) => {
        res.json({
          access_token: "at",
          token_type: "Bearer",
          expires_in: 60,
          id_token: await nextToken(lastNonce),
        });
      });
    });
    runtime.env = {
      ...runtime.env,
      OIDC_ISSUER: op.base,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: "segreto-di-prova-lungo",
      OIDC_REDIRECT_URI: "http://127.0.0.1/accedi/oidc/callback",
      oidc: { mode: "external" },
    };
  });
  afterAll(async () => {
    await op?.close();
    await test.drop();
  });

  const claims = (nonce: string, over: Record<string, unknown> = {}) => ({
    iss: op.base,
    aud: CLIENT_ID,
    sub: "VRDGNN75C12M126F",
    nonce,
    acr: "https://www.spid.gov.it/SpidL2",
    fiscal_number: "TINIT-VRDGNN75C12M126F",
    given_name: "Giovanni",
    family_name: "Verdi",
    email: "giovanni@example.test",
    ...over,
  });
  const signed = (payload: Record<string, unknown>, key = published.privateKey, exp = "5m") =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(key);

  async function attempt(token: (nonce: string) => Promise<string>) {
    nextToken = token;
    const url = await startSignIn("spid", BROWSER, "/");
    lastNonce = url.searchParams.get("nonce")!;
    const back = new URL("http://127.0.0.1/accedi/oidc/callback");
    back.searchParams.set("code", "un-codice");
    back.searchParams.set("state", url.searchParams.get("state")!);
    return completeSignIn(back, BROWSER);
  }
  const people = async () =>
    (
      await test.handle.db
        .selectFrom("users")
        .select("id")
        .where("fiscal_code", "=", "VRDGNN75C12M126F")
        .execute()
    ).length;

  it.each([
    ["a wrong nonce", (n: string) => signed(claims(`${n}x`)), "token", /CLAIM_COMPARISON/],
    [
      "a token signed by another key",
      (n: string) => signed(claims(n), other.privateKey),
      "token",
      /signature verification failed/,
    ],
    [
      "alg: none",
      async (n: string) => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
        const now = Math.floor(Date.now() / 1000);
        return `${enc({ alg: "none", typ: "JWT" })}.${enc({ ...claims(n), iat: now, exp: now + 300 })}.`;
      },
      "token",
      /"alg"/,
    ],
    [
      "a wrong issuer",
      (n: string) => signed(claims(n, { iss: "https://altro.example" })),
      "token",
      /CLAIM_COMPARISON/,
    ],
    [
      "a wrong audience",
      (n: string) => signed(claims(n, { aud: "un-altro-client" })),
      "token",
      /CLAIM_COMPARISON/,
    ],
    [
      "an expired token",
      (n: string) => signed(claims(n), published.privateKey, "-10m"),
      "token",
      /TIMESTAMP/,
    ],
    [
      "a level of assurance below 2",
      (n: string) => signed(claims(n, { acr: "https://www.spid.gov.it/SpidL1" })),
      "loa",
      /below level 2/,
    ],
    [
      "no fiscal code",
      (n: string) => signed(claims(n, { fiscal_number: undefined })),
      "fiscal_code",
      /fiscal_number/,
    ],
    [
      "a malformed fiscal code",
      (n: string) => signed(claims(n, { fiscal_number: "RSSMRA" })),
      "fiscal_code",
      /fiscal_number/,
    ],
  ])("refuses %s and creates nothing, with a log line saying why", async (_name, token, reason, logged) => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await attempt(token)).toEqual({ ok: false, reason });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(logged);
    warn.mockRestore();
    expect(await people()).toBe(0);
  });

  it("accepts the same provider's well-formed token (the refusals above are not a broken setup)", async () => {
    const result = await attempt((n) => signed(claims(n)));
    expect(result).toMatchObject({ ok: true, created: true, fiscalCode: "VRDGNN75C12M126F", loa: 2 });
    expect(await people()).toBe(1);
  });
});
