import type { LoaderFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/react";
import { requireUser } from "~/server/auth/session.server";
import { checkoutReturn } from "~/server/integrations/payment/pages.server";
import { db, runtime } from "~/server/runtime.server";

/** The checkout's return URL (ok, annullato, errore): asks pagoPA for the outcome, then shows the payments page. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const esito = new URL(request.url).searchParams.get("esito");
  const r = await checkoutReturn(db(), runtime.env, user, params.id ?? "", new URL(request.url).origin);
  const shown =
    esito === "ok" ? (r.allPaid ? "ok" : "pending") : esito === "annullato" ? "annullato" : "errore";
  return redirect(`/pratiche/${r.id}/pagamenti?esito=${shown}`);
}
