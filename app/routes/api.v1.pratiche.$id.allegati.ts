import type { ActionFunctionArgs } from "@remix-run/node";
import { localeFromCookieHeader } from "~/i18n";
import { requireUser } from "~/server/auth/session.server";
import { parseUpload, storeDraftUpload, uploadLimits } from "~/server/filing/uploads.server";
import { db, runtime } from "~/server/runtime.server";
import { fileStore } from "~/server/services.server";

/**
 * JSON twin of the attachments page's upload (used by the progress-bar form): same multipart body, same
 * CSRF token (checked by readMultipartForm inside parseUpload), same checks.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const locale = localeFromCookieHeader(request.headers.get("Cookie"));
  const outcome = await storeDraftUpload(
    db(),
    fileStore(),
    user,
    await parseUpload(request, uploadLimits(runtime.env)),
    params.id ?? "",
    locale,
    uploadLimits(runtime.env),
  );
  return Response.json(outcome, { status: outcome.ok ? 200 : outcome.status });
}
