import type { Express, NextFunction, Request, Response } from "express";
import type { Env } from "../env.server";

/**
 * The client address the login throttle counts by. `X-Forwarded-For` is believed only from the proxies in
 * TRUST_PROXY (default: none, so the socket address counts); anyone else could write any address there and
 * dodge the per-address limit. The header the application reads is set here, overwriting whatever the
 * client sent under that name.
 */
export function installClientAddress(app: Express, env: Pick<Env, "trustedProxies">) {
  app.set("trust proxy", env.trustedProxies.length ? env.trustedProxies : false);
  app.use((req: Request, _res: Response, next: NextFunction) => {
    req.headers["x-suap-client-ip"] = req.ip ?? req.socket.remoteAddress ?? "unknown";
    next();
  });
}
