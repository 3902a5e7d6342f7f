import { type ActionFunctionArgs, redirect, redirectDocument } from "@remix-run/node";
import { endSessionUrl } from "~/server/auth/oidc-login.server";
import { endSession, readForm } from "~/server/auth/session.server";

/**
 * "Esci": the session row is revoked (a copied cookie stops working) and the browser gets a fresh token.
 * After a SPID/CIE sign-in the browser goes on to the identity provider's logout (RP-initiated logout),
 * which brings it back to the home page.
 */
export async function action({ request }: ActionFunctionArgs) {
  await readForm(request);
  const { record, setCookie } = await endSession(request);
  const idp = await endSessionUrl(record?.idToken ?? null);
  // A whole-document redirect: the provider's logout page is not one of the portal's routes, even when the
  // development provider answers on the same origin.
  if (idp) return redirectDocument(idp.toString(), { headers: { "Set-Cookie": setCookie } });
  return redirect("/", { headers: { "Set-Cookie": setCookie } });
}

export function loader() {
  return redirect("/");
}
