import { redirect } from "@remix-run/node";
import { safeRedirect } from "~/domain/redirect";
import type { IdentityScheme } from "../integrations/identity/port.server";
import { devBaseUrl } from "../integrations/identity/index.server";
import { runtime } from "../runtime.server";
import { identityAvailable, startSignIn } from "./oidc-login.server";
import { resolveSession, serializeToken } from "./session.server";

/** GET /accedi/spid and /accedi/cie: start the sign-in and send the browser to the identity provider. */
export async function startSignInResponse(request: Request, scheme: IdentityScheme) {
  if (!identityAvailable()) throw new Response("Accesso con SPID e CIE non disponibile", { status: 404 });
  const url = new URL(request.url);
  // The development provider answers on one address: start there, so the callback finds this browser's cookie.
  if (runtime.env.oidc.mode === "development") {
    const base = new URL(devBaseUrl(runtime.env));
    const forwardedHost = request.headers.get("host");
    if (forwardedHost && forwardedHost !== base.host)
      throw redirect(`${base.origin}${url.pathname}${url.search}`);
  }
  const session = await resolveSession(request);
  const target = await startSignIn(
    scheme,
    session.token,
    safeRedirect(url.searchParams.get("redirectTo"), ""),
  );
  const headers = new Headers({ "Cache-Control": "no-store" });
  if (session.created) headers.append("Set-Cookie", await serializeToken(session.token));
  return redirect(target.toString(), { headers });
}
