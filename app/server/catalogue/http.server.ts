import { createHash } from "node:crypto";
import type { HeadersFunction } from "@remix-run/node";
import { localeFromCookieHeader } from "~/i18n";
import { LICENCE_LINK } from "../../domain/catalogue/open-data";

/**
 * HTTP caching of the public catalogue. An ETag derives from what decides the content: the catalogue
 * version's content hash, the query and the language (pages also carry the shell, which depends on the
 * session cookie, hence the cookie in their tag and `Vary: Cookie`).
 */
export const MAX_AGE = 300;
export const PUBLIC_CACHE = `public, max-age=${MAX_AGE}`;

/** Every dataset states its licence in a `Link` header (a comment line would not be valid CSV). */
export const LICENCE_HEADERS = { Link: LICENCE_LINK, "Access-Control-Allow-Origin": "*" } as const;

export function etagFor(parts: readonly (string | null | undefined)[]): string {
  const h = createHash("sha256")
    .update(parts.map((p) => p ?? "").join("\u0000"))
    .digest("base64url")
    .slice(0, 27);
  return `"${h}"`;
}

/** ETag of a JSON/CSV resource: catalogue content + path + query + language. */
export function resourceEtag(request: Request, contentHash: string): string {
  const url = new URL(request.url);
  return etagFor([
    contentHash,
    url.pathname,
    url.search,
    localeFromCookieHeader(request.headers.get("Cookie")),
  ]);
}

/** ETag of an HTML page: as a resource, plus the cookie (the shell shows the session's user and token). */
export function pageEtag(request: Request, contentHash: string): string {
  return `W/${etagFor([resourceEtag(request, contentHash), request.headers.get("Cookie")])}`;
}

/** True when the request's If-None-Match names the tag (weak comparison, as RFC 9110 asks for GET). */
export function notModified(request: Request, etag: string): boolean {
  const header = request.headers.get("If-None-Match");
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => bare(t) === bare(etag));
}

export function cacheHeaders(etag: string, extra: Record<string, string> = {}): Headers {
  const h = new Headers(extra);
  h.set("ETag", etag);
  h.set("Cache-Control", PUBLIC_CACHE);
  h.set("Vary", "Cookie");
  return h;
}

/**
 * A cacheable resource response, or 304 Not Modified when the client already holds this version.
 * The body is built only when needed.
 */
export function cachedResponse(
  request: Request,
  contentHash: string,
  body: () => BodyInit,
  headers: Record<string, string>,
  status = 200,
): Response {
  const etag = resourceEtag(request, contentHash);
  const h = cacheHeaders(etag, headers);
  if (status === 200 && notModified(request, etag)) {
    h.delete("Content-Type");
    return new Response(null, { status: 304, headers: h });
  }
  return new Response(body(), { status, headers: h });
}

/**
 * `headers` export of the public pages: the loader's ETag and caching, unless the response sets a cookie
 * (the root loader creates the CSRF session on a first visit): a response that sets a cookie must not be
 * stored by a shared cache, so it goes out `private, no-cache`.
 */
export const publicPageHeaders: HeadersFunction = ({ loaderHeaders, parentHeaders, errorHeaders }) => {
  const h = new Headers();
  if (errorHeaders) {
    h.set("Cache-Control", "no-store");
    return h;
  }
  const etag = loaderHeaders.get("ETag");
  if (etag) h.set("ETag", etag);
  h.set("Vary", "Cookie");
  h.set(
    "Cache-Control",
    parentHeaders.has("Set-Cookie") || loaderHeaders.has("Set-Cookie") ? "private, no-cache" : PUBLIC_CACHE,
  );
  return h;
};
