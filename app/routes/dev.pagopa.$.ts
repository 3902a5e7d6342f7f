import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { assertDoubleAllowed } from "~/server/integrations/payment/config.server";
import { handleDoubleApi } from "~/server/integrations/payment/double.server";
import { paymentServices } from "~/server/integrations/payment/pages.server";
import { db, runtime } from "~/server/runtime.server";

/** The development pagoPA double's REST operations (GPD and Checkout carts). Never in production. */
async function handle(request: Request) {
  if (runtime.env.isProduction || paymentServices(runtime.env).config.double === false) {
    return new Response("Not Found", { status: 404 });
  }
  assertDoubleAllowed(runtime.env);
  const path = new URL(request.url).pathname.replace(/^\/dev\/pagopa/, "");
  return handleDoubleApi(request, path, {
    db: db(),
    config: paymentServices(runtime.env, new URL(request.url).origin).config,
  });
}

export const loader = ({ request }: LoaderFunctionArgs) => handle(request);
export const action = ({ request }: ActionFunctionArgs) => handle(request);
