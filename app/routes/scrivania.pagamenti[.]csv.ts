import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireDeskManager } from "~/server/desk/access.server";
import { reconciliationCsv, reconciliationView } from "~/server/integrations/payment/reconciliation.server";
import { db } from "~/server/runtime.server";

/** Reconciliation CSV per creditor and month, for the Comune's accounts office. */
export async function loader({ request }: LoaderFunctionArgs) {
  const { deskId } = await requireDeskManager(request);
  const v = await reconciliationView(db(), deskId, new URL(request.url).searchParams);
  return new Response(reconciliationCsv(v), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="pagopa-${v.creditor?.code ?? "ente"}-${v.month}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
