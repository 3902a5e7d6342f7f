import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireDeskManager } from "~/server/desk/access.server";
import { dashboard, dashboardCsv } from "~/server/desk/dashboard.server";
import { todayIso } from "~/server/pratiche/acts.server";
import { db } from "~/server/runtime.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { deskId } = await requireDeskManager(request);
  const today = todayIso();
  const csv = dashboardCsv(await dashboard(db(), deskId, today));
  return new Response(`\uFEFF${csv}`, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="cruscotto-${today}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
}
