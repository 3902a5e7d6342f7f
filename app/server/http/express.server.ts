import { randomBytes } from "node:crypto";
import { createReadableStreamFromReadable, createRequestHandler, type ServerBuild } from "@remix-run/node";
import { writeReadableStreamToWritable } from "@remix-run/node";
import type { RequestHandler, Response as ExpressResponse } from "express";
import {
  type BodyLimits,
  capStream,
  edgeRequest,
  isRefusal,
  limitFor,
  refusalResponse,
  refuseDeclared,
} from "./edge.server";

/**
 * Express -> Remix through the request edge (edge.server.ts), in place of @remix-run/express's handler: a
 * declared body over the cap is refused before it is read; otherwise the body streams through a byte counter
 * that stops reading the socket at the cap (413), and form bodies reach the routes normalised.
 */
export function remixThroughEdge(build: ServerBuild, mode: string, limits: BodyLimits): RequestHandler {
  // Always production mode: in development mode Remix serialises an error's message and stack (with the
  // database error and absolute paths) into the page. Details are logged under the error id instead.
  void mode;
  const handleRequest = createRequestHandler(build, "production");
  return async (req, res, next) => {
    try {
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
        errorId: randomBytes(5).toString("hex"),
      });
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
  };
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
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}
