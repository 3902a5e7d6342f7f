import { type ActionFunctionArgs, redirect } from "@remix-run/node";
import { endSession, readForm } from "~/server/auth/session.server";

/** "Esci": the session row is revoked (a copied cookie stops working) and the browser gets a fresh token. */
export async function action({ request }: ActionFunctionArgs) {
  await readForm(request);
  const { setCookie } = await endSession(request);
  return redirect("/", { headers: { "Set-Cookie": setCookie } });
}

export function loader() {
  return redirect("/");
}
