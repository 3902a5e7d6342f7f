import type { Env } from "../../env.server";
import { developmentBusinessRegister } from "./development.server";
import type { BusinessRegister } from "./port.server";

/**
 * Picks the business register adapter (an in-request port, read while a person links a business; the queued
 * kinds are in app/server/integrations/registry.server.ts). In production without the PDND adapter there is no register: linking
 * falls back to the self-declaration the portal had before (and says so).
 */
export function businessRegister(env: Env): BusinessRegister | null {
  if (env.isProduction) return null;
  return developmentBusinessRegister(env);
}
