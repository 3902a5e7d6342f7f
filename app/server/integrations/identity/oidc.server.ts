import { readFileSync } from "node:fs";
import { importJWK, importPKCS8, type JWK } from "jose";
import * as client from "openid-client";
import { ACR, fiscalCodeOfClaim, loaOfAcr } from "~/domain/identity/acr";
import {
  type AuthorizationRequest,
  IdentityError,
  type IdentityProvider,
  type VerifiedIdentity,
} from "./port.server";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  privateKeyFile?: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
}

async function clientAuth(settings: OidcSettings): Promise<client.ClientAuth> {
  if (settings.clientSecret) return client.ClientSecretBasic(settings.clientSecret);
  const text = readFileSync(settings.privateKeyFile!, "utf8").trim();
  if (text.startsWith("{")) {
    const jwk = JSON.parse(text) as JWK;
    const key = (await importJWK(jwk, jwk.alg ?? "RS256")) as CryptoKey;
    return client.PrivateKeyJwt({ key, kid: jwk.kid });
  }
  return client.PrivateKeyJwt(await importPKCS8(text, "RS256"));
}

/** The OpenID Connect adapter (openid-client): the same for a deployment's provider and /dev/idp. */
export function oidcIdentityProvider(settings: OidcSettings): IdentityProvider {
  let configuration: Promise<client.Configuration> | undefined;
  const config = () => {
    configuration ??= (async () => {
      const insecure = settings.issuer.startsWith("http://");
      const c = await client.discovery(
        new URL(settings.issuer),
        settings.clientId,
        { id_token_signed_response_alg: "RS256" },
        await clientAuth(settings),
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      // Verify the ID token's signature against the provider's JWKS too (not only TLS to the token endpoint).
      client.enableNonRepudiationChecks(c);
      return c;
    })().catch((error) => {
      configuration = undefined;
      throw new IdentityError(
        "unavailable",
        `discovery of ${settings.issuer} failed: ${(error as Error).message}`,
      );
    });
    return configuration;
  };

  return {
    async authorizationUrl(request: AuthorizationRequest) {
      const c = await config();
      return client.buildAuthorizationUrl(c, {
        redirect_uri: settings.redirectUri,
        scope: "openid profile email",
        response_type: "code",
        state: request.state,
        nonce: request.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(request.codeVerifier),
        code_challenge_method: "S256",
        acr_values: ACR[Math.min(3, Math.max(1, request.loa)) as 1 | 2 | 3],
        prompt: "login",
        idp_hint: request.scheme,
      });
    },

    async complete(callbackUrl, checks): Promise<VerifiedIdentity> {
      const c = await config();
      const error = callbackUrl.searchParams.get("error");
      if (error)
        throw new IdentityError(
          "provider_error",
          `${error}: ${callbackUrl.searchParams.get("error_description") ?? ""}`.trim(),
        );
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
      try {
        tokens = await client.authorizationCodeGrant(c, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
      } catch (e) {
        const err = e as Error & { error?: string; code?: string };
        if (err.error === "invalid_grant") throw new IdentityError("code", `token endpoint: ${err.message}`);
        const cause = (err.cause as Error | undefined)?.message;
        throw new IdentityError(
          "token",
          `${err.code ?? err.name}: ${err.message}${cause ? ` (${cause})` : ""}`,
        );
      }
      const claims = tokens.claims();
      if (!claims || !tokens.id_token) throw new IdentityError("token", "no ID token");
      const loa = loaOfAcr(claims.acr);
      if (loa === null || loa < checks.loa)
        throw new IdentityError("loa", `acr ${String(claims.acr)} is below level ${checks.loa}`);
      let source: Record<string, unknown> = claims;
      if (!claims.fiscal_number && tokens.access_token) {
        source = await client.fetchUserInfo(c, tokens.access_token, claims.sub).catch(() => claims);
      }
      const fiscalCode = fiscalCodeOfClaim(source.fiscal_number);
      if (!fiscalCode)
        throw new IdentityError("fiscal_code", "the fiscal_number claim is missing or malformed");
      const text = (v: unknown) => (typeof v === "string" ? v.trim().slice(0, 100) : "");
      return {
        fiscalCode,
        givenName: text(source.given_name),
        familyName: text(source.family_name),
        email:
          typeof source.email === "string" && source.email.length <= 254
            ? source.email.trim().toLowerCase()
            : null,
        loa,
        idToken: tokens.id_token,
      };
    },

    async endSessionUrl(idToken) {
      const c = await config().catch(() => null);
      if (!c?.serverMetadata().end_session_endpoint) return null;
      return client.buildEndSessionUrl(c, {
        id_token_hint: idToken,
        post_logout_redirect_uri: settings.postLogoutRedirectUri,
      });
    },
  };
}
