import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireDeskManager } from "~/server/desk/access.server";
import { db } from "~/server/runtime.server";
import { fileStore } from "~/server/services.server";

/** The sealed PDF of one daily protocol register, for the managers of its desk (404 to anyone else). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { deskId } = await requireDeskManager(request);
  const id = params.id ?? "";
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Response("Registro non trovato", { status: 404 });
  const row = await db()
    .selectFrom("protocol_daily_registers")
    .select(["filename", "storage_key", "sha256"])
    .where("id", "=", id)
    .where("entity_id", "=", deskId)
    .executeTakeFirst();
  if (!row) throw new Response("Registro non trovato", { status: 404 });
  const bytes = await fileStore().get(row.storage_key);
  return new Response(new Uint8Array(bytes), {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Length": String(bytes.byteLength),
      "Content-Disposition": `attachment; filename="${row.filename.replace(/[^\x20-\x7e]/g, "_").replace(/"/g, "")}"`,
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, no-store",
      ETag: `"${row.sha256}"`,
    },
  });
}
