import type { LoaderFunctionArgs } from "@remix-run/node";
import { startSignInResponse } from "~/server/auth/oidc-routes.server";

/** "Entra con SPID": a plain link (no JavaScript), which starts the OpenID Connect sign-in. */
export function loader({ request }: LoaderFunctionArgs) {
  return startSignInResponse(request, "spid");
}
