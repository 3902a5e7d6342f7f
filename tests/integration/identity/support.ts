import type { AddressInfo } from "node:net";
import express, { type Express } from "express";

/** An Express app on a free loopback port; `close` stops it. */
export async function listen(setup: (app: Express, base: () => string) => void) {
  const app = express();
  let base = "";
  setup(app, () => base);
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Walks a browser through the development provider without a browser: follows its redirects with its
 * cookies, posts the choice on the interaction page, and returns the callback URL the provider sends the
 * browser to (with the code and state), which the portal would receive.
 */
export async function throughDevIdp(
  authorizationUrl: URL,
  choice: { person: string; level: 1 | 2 | 3 } | "abort",
): Promise<URL> {
  const cookies = new Map<string, string>();
  const remember = (response: Response) => {
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, ...value] = pair!.split("=");
      cookies.set(name!, value.join("="));
    }
  };
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const step = async (url: URL, init: RequestInit = {}) => {
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), Cookie: header() },
    });
    remember(response);
    return response;
  };
  let response = await step(authorizationUrl);
  let location = new URL(response.headers.get("Location")!, authorizationUrl);
  if (!location.pathname.includes("/interaction/")) throw new Error(`unexpected redirect to ${location}`);
  const page = await step(location);
  const html = await page.text();
  if (!html.includes("Entra con")) throw new Error("the interaction page did not render");
  const body =
    choice === "abort"
      ? new URLSearchParams({ action: "abort" })
      : new URLSearchParams({ person: choice.person, level: String(choice.level), action: "login" });
  response = await step(location, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  location = new URL(response.headers.get("Location")!, location);
  for (let i = 0; i < 5 && location.pathname.startsWith("/dev/idp"); i++) {
    response = await step(location);
    location = new URL(response.headers.get("Location")!, location);
  }
  return location;
}
