import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/server/auth/session.server";
import { contentDisposition, openAttachment } from "~/server/desk/attachments.server";
import { db } from "~/server/runtime.server";
import { fileStore } from "~/server/services.server";

/** One attachment of a pratica, opened in the browser (PDF and images) for whoever may see the pratica. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const file = await openAttachment(db(), fileStore(), user.principal, params.id ?? "");
  if (!file) throw new Response("Allegato non trovato", { status: 404 });
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      "Content-Type": file.contentType,
      "Content-Length": String(file.bytes.byteLength),
      "Content-Disposition": contentDisposition(file.inline ? "inline" : "attachment", file.filename),
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, no-store",
      // An opened file runs nothing and embeds nothing from elsewhere.
      "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
      ETag: `"${file.sha256}"`,
    },
  });
}
