import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/server/auth/session.server";
import { downloadable } from "~/server/filing/queries.server";
import { db } from "~/server/runtime.server";
import { fileStore } from "~/server/services.server";

/** Authorised download of a document or attachment: only for viewers allowed to see its pratica. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const file = await downloadable(db(), fileStore(), user.principal, params.id ?? "");
  if (!file) throw new Response("Documento non trovato", { status: 404 });
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, "_").replace(/"/g, "");
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      "Content-Type": file.contentType,
      "Content-Length": String(file.bytes.byteLength),
      "Content-Disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, no-store",
      ETag: `"${file.sha256}"`,
    },
  });
}
