import type { LoaderFunctionArgs } from "@remix-run/node";
import { getCurrentUser } from "~/server/auth/session.server";
import { instanceDescriptor } from "~/server/filing/descriptor.server";
import { db } from "~/server/runtime.server";

/** The SSU instance descriptor of a pratica, for those allowed to see it (session cookie); others 404. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await getCurrentUser(request);
  const descriptor = user ? await instanceDescriptor(db(), user.principal, params.cui ?? "") : null;
  if (!descriptor) return Response.json({ error: "not_found" }, { status: 404 });
  return Response.json(descriptor, { headers: { "Cache-Control": "private, no-store" } });
}
