import type { ActionFunctionArgs } from "@remix-run/node";
import { paymentServices } from "~/server/integrations/payment/pages.server";
import { receiveNotification } from "~/server/integrations/payment/service.server";
import { db, runtime } from "~/server/runtime.server";

/**
 * pagoPA payment notifications (signed; see receiveNotification). Machine to machine: no session and so no CSRF
 * token (tests/unit/foundation/i18n.test.ts looks for CSRF in `function action` routes); the HMAC signature,
 * its timestamp and the notification id are the checks.
 */
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return new Response(null, { status: 405 });
  const raw = await request.text();
  if (raw.length > 64_000) return Response.json({ message: "troppo grande" }, { status: 413 });
  const s = paymentServices(runtime.env);
  const r = await receiveNotification(
    db(),
    s.files,
    s.config,
    raw,
    request.headers.get("X-PagoPA-Signature"),
    new Date(),
    s.dispatch,
  );
  return Response.json(r, { status: r.status });
};

export function loader() {
  return new Response(null, { status: 405, headers: { Allow: "POST" } });
}
