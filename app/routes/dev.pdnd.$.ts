import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { ssuRuntime } from "~/server/integrations/ssu/runtime.server";
import { runtime } from "~/server/runtime.server";

/** The development PDND (token endpoint, JWKS, client keys): never in production, nor with a real PDND. */
async function handle(request: Request) {
  const rt = runtime.env.isProduction ? null : ssuRuntime(runtime.env);
  if (!rt?.pdnd) return new Response("Not Found", { status: 404 });
  await rt.key();
  const path = new URL(request.url).pathname.replace(/^\/dev\/pdnd/, "");
  return rt.pdnd.handle(request, path);
}

export const loader = ({ request }: LoaderFunctionArgs) => handle(request);
export const action = ({ request }: ActionFunctionArgs) => handle(request);
