import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/server/auth/session.server";
import { workspaceCsv, workspacePratiche } from "~/server/delegations/workspace.server";
import { db } from "~/server/runtime.server";
import { filtersFrom } from "./associazione._index";

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  if (!user.principal.grants.some((g) => g.role === "association_operator")) {
    throw new Response("Forbidden", { status: 403 });
  }
  const view = await workspacePratiche(db(), user.principal, filtersFrom(new URL(request.url)));
  return new Response(`\uFEFF${workspaceCsv(view.rows)}`, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": 'attachment; filename="pratiche-associazione.csv"',
      "Cache-Control": "private, no-store",
    },
  });
}
