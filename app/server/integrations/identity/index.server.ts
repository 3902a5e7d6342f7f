import type { Env } from "../../env.server";
import { DEV_CLIENT_ID, devClientSecret } from "./dev-idp.server";
import type { OidcSettings } from "./oidc.server";

/**
 * The OIDC settings of each identity adapter (the choice between them is made in
 * integrations/registry.server.ts): OIDC_ISSUER and friends for a deployment; the development provider this
 * process mounts at /dev/idp; none when SPID/CIE is off.
 */
export function devBaseUrl(env: Env) {
  return (
    env.PUBLIC_URL?.replace(/\/$/, "") ??
    `http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${env.PORT}`
  );
}

export function oidcSettings(env: Env, sessionSecret: string): OidcSettings | null {
  if (env.oidc.mode === "off") return null;
  if (env.oidc.mode === "external") {
    return {
      issuer: env.OIDC_ISSUER!,
      clientId: env.OIDC_CLIENT_ID!,
      clientSecret: env.OIDC_CLIENT_SECRET,
      privateKeyFile: env.OIDC_PRIVATE_KEY_FILE,
      redirectUri: env.OIDC_REDIRECT_URI!,
      postLogoutRedirectUri:
        env.OIDC_POST_LOGOUT_REDIRECT_URI ?? new URL("/", env.OIDC_REDIRECT_URI!).toString(),
    };
  }
  const base = devBaseUrl(env);
  return {
    issuer: `${base}/dev/idp`,
    clientId: DEV_CLIENT_ID,
    clientSecret: devClientSecret(sessionSecret),
    redirectUri: `${base}/accedi/oidc/callback`,
    postLogoutRedirectUri: `${base}/`,
  };
}
