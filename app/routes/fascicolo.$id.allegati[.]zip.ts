import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireUser } from "~/server/auth/session.server";
import { attachmentsZip, contentDisposition } from "~/server/desk/attachments.server";
import { db } from "~/server/runtime.server";
import { fileStore } from "~/server/services.server";

/** All attachments of a pratica in one ZIP, with SHA256SUMS.txt (check it with `sha256sum -c`). */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const zip = await attachmentsZip(db(), fileStore(), user.principal, params.id ?? "");
  if (!zip) throw new Response("Pratica non trovata", { status: 404 });
  return new Response(new Uint8Array(zip.bytes), {
    headers: {
      "Content-Type": "application/zip",
      "Content-Length": String(zip.bytes.byteLength),
      "Content-Disposition": contentDisposition("attachment", zip.filename),
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, no-store",
    },
  });
}
