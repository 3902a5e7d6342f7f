import type { LoaderFunctionArgs } from "@remix-run/node";
import { ssuResponse } from "~/server/catalogue/responses.server";
import { ssuError } from "~/server/catalogue/ssu.server";

// Any other path under the SSU catalogue API: 404 in the spec's Error shape, not the HTML page.
export function loader({ request }: LoaderFunctionArgs) {
  const path = new URL(request.url).pathname;
  return ssuResponse(request, ssuError(404, "NOT_FOUND", `Risorsa ${path} non disponibile`));
}
