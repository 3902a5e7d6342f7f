import { randomBytes } from "node:crypto";
import { createReadableStreamFromReadable, createRequestHandler, type ServerBuild } from "@remix-run/node";
import { writeReadableStreamToWritable } from "@remix-run/node";
import type { Request as ExpressRequest, RequestHandler, Response as ExpressResponse } from "express";
import {
  type BodyLimits,
  capStream,
  edgeRequest,
  isRefusal,
  limitFor,
  refusalResponse,
  refuseDeclared,
} from "./edge.server";
import {
  type CachedPage,
  errorIdFor,
  hasSessionCookie,
  matchesIfNoneMatch,
  nonceFor,
  type PageCache,
  pageKey,
  storable,
  strongEtag,
} from "./page-cache.server";
import { withRequestScope } from "./request-scope.server";

export interface PublicPageCaching {
  cache: PageCache;
  /** The content version of the public pages (catalogue, desk, build), memoised (page-cache.server). */
  version: { get(): Promise<string>; invalidate(): void };
  /** Gives the response this nonce and the Content-Security-Policy that names it. */
  setNonce: (res: ExpressResponse, nonce: string) => void;
}

/**
 * Express -> Remix through the request edge (edge.server.ts), in place of @remix-run/express's handler: a
 * declared body over the cap is refused before it is read; otherwise the body streams through a byte counter
 * that stops reading the socket at the cap (413), and form bodies reach the routes normalised.
 */
export function remixThroughEdge(
  build: ServerBuild,
  mode: string,
  limits: BodyLimits,
  caching?: PublicPageCaching,
): RequestHandler {
  // Always production mode: in development mode Remix serialises an error's message and stack (with the
  // database error and absolute paths) into the page. Details are logged under the error id instead.
  void mode;
  const handleRequest = createRequestHandler(build, "production");
  // Every request runs in its own scope: its loaders share the session, user and desk reads.
  return (req, res, next) => withRequestScope(() => handle(req, res, next));
  async function handle(req: ExpressRequest, res: ExpressResponse, next: (error?: unknown) => void) {
    try {
      let key: string | null = null;
      // The content version is asked only for a request that could be a shared public page.
      if (caching && req.method === "GET" && pageKey("GET", req.path, "", req.get("Cookie"), "") !== null) {
        key = pageKey(
          req.method,
          req.path,
          searchOf(req.originalUrl),
          req.get("Cookie"),
          await caching.version.get(),
        );
        if (key) {
          caching.setNonce(res, nonceFor(key));
          const hit = caching.cache.get(key);
          if (hit) {
            sendCached(res, hit, req.get("If-None-Match"));
            return;
          }
        }
      } else if (caching && req.method !== "HEAD") {
        // A form POST may have changed what the public pages show (a catalogue import, the desk's data).
        res.on("finish", () => caching.version.invalidate());
      }
      const type = req.get("Content-Type") ?? null;
      const declared = refuseDeclared(req.method, type, req.get("Content-Length") ?? null, limits, req.path);
      if (declared) {
        await send(res, refusalResponse(declared));
        return;
      }
      const controller = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) controller.abort();
      });
      let overCap = false;
      const init: RequestInit & { duplex?: "half" } = {
        method: req.method,
        headers: headersOf(req.headers),
        signal: controller.signal,
      };
      if (req.method !== "GET" && req.method !== "HEAD") {
        init.body = capStream(createReadableStreamFromReadable(req), limitFor(type, limits, req.path), () => {
          overCap = true;
          // Stop reading the socket: the rest of the body is never buffered.
          req.unpipe();
          req.pause();
        });
        init.duplex = "half";
      }
      const url = new URL(`${req.protocol}://${req.get("host") ?? "localhost"}${req.originalUrl}`);
      const edged = await edgeRequest(new Request(url.href, init), limits);
      if (isRefusal(edged)) {
        await send(res, refusalResponse(edged));
        return;
      }
      const response = await handleRequest(edged, {
        cspNonce: String(res.locals.cspNonce ?? ""),
        errorId: key ? errorIdFor(key) : randomBytes(5).toString("hex"),
      });
      if (key && caching && storable(response.status, response.headers)) {
        const body = Buffer.from(await response.arrayBuffer());
        const headers: [string, string][] = [];
        for (const [name, value] of response.headers.entries())
          if (name !== "etag" && name !== "content-length") headers.push([name, value]);
        const page: CachedPage = { status: response.status, headers, body, etag: strongEtag(body) };
        caching.cache.set(key, page);
        sendCached(res, page, req.get("If-None-Match"));
        return;
      }
      if (overCap) {
        // The route failed reading a body cut at the cap: the answer is the 413, not its error page.
        await response.body?.cancel().catch(() => {});
        const limit = limitFor(type, limits, req.path);
        await send(
          res,
          refusalResponse({
            status: 413,
            message: `La richiesta supera il limite di ${Math.round(limit / 1024)} KB: riduci la dimensione del file o del testo e riprova.`,
          }),
        );
        return;
      }
      await send(res, response);
    } catch (error) {
      next(error);
    }
  }
}

function searchOf(originalUrl: string) {
  const i = originalUrl.indexOf("?");
  return i < 0 ? "" : originalUrl.slice(i);
}

/** A stored public page, or 304 when the browser (or a proxy) already holds these bytes. */
function sendCached(res: ExpressResponse, page: CachedPage, ifNoneMatch: string | undefined) {
  for (const [name, value] of page.headers) res.setHeader(name, value);
  res.setHeader("ETag", page.etag);
  if (matchesIfNoneMatch(ifNoneMatch, page.etag)) {
    res.removeHeader("Content-Type");
    res.status(304).end();
    return;
  }
  res.status(page.status);
  res.setHeader("Content-Length", String(page.body.byteLength));
  res.end(page.body);
}

function headersOf(raw: Record<string, string | string[] | undefined>) {
  const headers = new Headers();
  for (const [key, values] of Object.entries(raw)) {
    if (values === undefined) continue;
    for (const value of Array.isArray(values) ? values : [values]) headers.append(key, value);
  }
  return headers;
}

/** Pages about a person or a case file: never stored by a shared cache, nor kept by the browser. */
export const PERSONAL =
  /^\/(pratiche|scrivania|ente|documenti|associazione|deleghe|area-personale|imprese|api\/v1\/pratiche|dev\/posta)(\/|\.|\?|$)/;

async function send(res: ExpressResponse, response: Response) {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [key, value] of response.headers.entries()) res.append(key, value);
  if (PERSONAL.test(res.req.path)) res.setHeader("Cache-Control", "private, no-store");
  else if (response.headers.has("Set-Cookie") && !response.headers.has("Cache-Control"))
    // A cookie being set is this browser's alone: never stored by a shared cache.
    res.setHeader("Cache-Control", "private, no-store");
  else if (
    /\bpublic\b/.test(String(res.getHeader("Cache-Control") ?? "")) &&
    hasSessionCookie(res.req.get("Cookie"))
  )
    // A public page seen with a session token carries its name or its CSRF token: for this browser only.
    res.setHeader("Cache-Control", "private, no-cache");
  if (response.body && /^text\/html\b/.test(response.headers.get("Content-Type") ?? "")) {
    // A page (no route defers data): React hands over its HTML in dozens of small chunks, each one a write
    // to the socket (a system call, costly on a loaded machine); one write of the whole page instead.
    const body = Buffer.from(await response.arrayBuffer());
    res.setHeader("Content-Length", String(body.byteLength));
    res.end(body);
  } else if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}
