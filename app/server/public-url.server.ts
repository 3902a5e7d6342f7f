import type { Env } from "./env.server";

/** Where links in mail and QR codes point: PUBLIC_URL, or the local address in development. */
export function publicUrl(env: Env) {
  return env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
}
