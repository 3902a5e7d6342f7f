import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/server/auth/session.server";
import { noticePdf } from "~/server/integrations/payment/pages.server";
import { db } from "~/server/runtime.server";

/** The avviso di pagamento pagoPA (PDF with the QR code) of one position of the pratica. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const pdf = await noticePdf(db(), user, params.id ?? "", params.position ?? "");
  if (!pdf) throw new Response("Avviso non trovato", { status: 404 });
  return new Response(new Uint8Array(pdf.bytes), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="${pdf.filename}"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
