/**
 * The identity port: SPID and CIE through OpenID Connect (authorization code + PKCE, state, nonce,
 * acr_values), as a service provider behind an SPID/CIE proxy (iam-proxy-italia) or the CIE OIDC federation.
 * One adapter speaks the protocol (openid-client); the development double is a real OpenID provider mounted
 * at /dev/idp, so both go through the same code path.
 */
export type IdentityScheme = "spid" | "cie";

export interface AuthorizationRequest {
  scheme: IdentityScheme;
  state: string;
  nonce: string;
  codeVerifier: string;
  loa: number;
}

export interface VerifiedIdentity {
  fiscalCode: string;
  givenName: string;
  familyName: string;
  email: string | null;
  loa: number;
  idToken: string;
}

export type IdentityFailure = "provider_error" | "code" | "token" | "loa" | "fiscal_code" | "unavailable";

export class IdentityError extends Error {
  constructor(
    readonly reason: IdentityFailure,
    detail: string,
  ) {
    super(detail);
    this.name = "IdentityError";
  }
}

export interface IdentityProvider {
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  /** Exchanges the code and verifies the ID token (signature, issuer, audience, expiry, nonce, LoA, claims). */
  complete(
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string; loa: number },
  ): Promise<VerifiedIdentity>;
  endSessionUrl(idToken: string): Promise<URL | null>;
}
