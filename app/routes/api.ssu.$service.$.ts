import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { dispatchResult } from "~/server/engine/engine.server";
import { ssuInboundDeps } from "~/server/integrations/ssu/serve.server";
import { handleSsuRequest } from "~/server/integrations/ssu/inbound.server";
import { db, runtime } from "~/server/runtime.server";
import { engineServices, fileStore } from "~/server/services.server";

/**
 * The SSU e-services this portal serves (bo_to_fo, bo_to_et as back office; fo_to_bo as front office;
 * et_to_bo as an agency's system): /api/ssu/<service>/<operation> and
 * /api/ssu/<service>/instance/{cui_uuid}/document/{resource_id}. Machine to machine: PDND voucher and
 * Agid-JWT-Signature, no session, no CSRF (app/server/integrations/ssu/inbound.server.ts).
 */
async function handle(request: Request, service: string, rest: string) {
  const env = runtime.env;
  const deps = await ssuInboundDeps(env, {
    db: db(),
    files: fileStore(env),
    record: (trx, r) => dispatchResult(trx, engineServices(env), r),
    available: () => runtime.ready,
  });
  return handleSsuRequest(request, service, `/${rest}`, deps);
}

export const loader = ({ request, params }: LoaderFunctionArgs) =>
  handle(request, params.service ?? "", params["*"] ?? "");
export const action = ({ request, params }: ActionFunctionArgs) =>
  handle(request, params.service ?? "", params["*"] ?? "");
