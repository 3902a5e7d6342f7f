import type { Env } from "../env.server";
import { paymentHandler } from "./payment/handler.server";
import { protocolHandler } from "./protocol/handler.server";
import { ssuHandler } from "./ssu/handler.server";
import type { IntegrationHandler, IntegrationKind } from "./types.server";

/**
 * The ports registry: for each kind of external system, the handler the queue runs, with the adapter the
 * configuration picks (the real service, or the development double when nothing is configured).
 *
 * Ports used inside a request rather than through the queue pick their adapter next to them:
 * identity/index.server.ts, business-register/index.server.ts, seal/registry.server.ts,
 * signature/registry.server.ts.
 *
 * ADDING A KIND: write app/server/integrations/<kind>/handler.server.ts exporting
 * `<kind>Handler(env): IntegrationHandler`, then add ONE line to `factories` below.
 */
const factories: { [K in IntegrationKind]?: (env: Env) => IntegrationHandler } = {
  protocol: protocolHandler,
  payment: paymentHandler,
  ssu: (env) => ssuHandler(env),
};

const built = new Map<string, Map<IntegrationKind, IntegrationHandler>>();

/** The handlers for this configuration (built once per configuration object). */
export function integrationHandlers(env: Env): Map<IntegrationKind, IntegrationHandler> {
  const cacheKey = JSON.stringify(env);
  let handlers = built.get(cacheKey);
  if (!handlers) {
    handlers = new Map();
    for (const [kind, make] of Object.entries(factories) as [
      IntegrationKind,
      (env: Env) => IntegrationHandler,
    ][]) {
      handlers.set(kind, make(env));
    }
    built.set(cacheKey, handlers);
  }
  return handlers;
}

export function handlerFor(env: Env, kind: IntegrationKind): IntegrationHandler | undefined {
  return integrationHandlers(env).get(kind);
}
