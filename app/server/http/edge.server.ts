/**
 * The request edge: every request passes here before a route sees it (server.ts builds the Fetch Request
 * through `edgeRequest`). Bodies are capped by configuration before they are parsed (a declared length over
 * the cap is refused unread; a chunked or lying body is cut at the cap while it streams), a POST must be a form,
 * and form text is normalised once: control characters (NUL included) and bidi overrides removed, Unicode NFC.
 * Routes then only see well-formed input; what is refused here gets a clear 4xx, never a 500.
 */

import { timingSafeEqual } from "node:crypto";

/** The synchroniser token sent with a form against the session's, in constant time. */
export function checkCsrf(sent: string | null, expected: string | undefined | null): boolean {
  if (!sent || !expected) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface BodyLimits {
  /** urlencoded (and any non-multipart) bodies */
  formBytes: number;
  /** multipart bodies: one upload plus its form fields */
  multipartBytes: number;
  /** JSON bodies of the SSU e-services under /api/ssu/ (SSU_REQUEST_MAX_KB) */
  ssuBytes?: number;
}

export function bodyLimits(env: {
  REQUEST_MAX_FORM_KB: number;
  UPLOAD_MAX_FILE_MB: number;
  SSU_REQUEST_MAX_KB?: number;
}): BodyLimits {
  return {
    formBytes: Math.round(env.REQUEST_MAX_FORM_KB * 1024),
    multipartBytes: Math.round(env.UPLOAD_MAX_FILE_MB * 1024 * 1024) + 1024 * 1024,
    ssuBytes: env.SSU_REQUEST_MAX_KB ? Math.round(env.SSU_REQUEST_MAX_KB * 1024) : undefined,
  };
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body over ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";

/**
 * Machine-to-machine endpoints that speak JSON (pagoPA notifications, the development pagoPA double's GPD REST
 * operations; the SSU e-services will add theirs): their JSON bodies pass the edge, capped like a form, and are
 * parsed and validated by the route against its protocol. Every other POST, the rest of /api/ included (the
 * upload API is multipart), must be a browser form.
 */
export const JSON_ENDPOINTS = ["/api/pagopa/", "/dev/pagopa/", "/api/ssu/", "/dev/pdnd/"];
/** The SSU e-services: JSON bodies with their own cap (SSU_REQUEST_MAX_KB). */
export const SSU_PREFIX = "/api/ssu/";
const MULTIPART = "multipart/form-data";

export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The cap that applies to a body of this content type (and, for the SSU e-services, this path). */
export function limitFor(contentType: string | null, limits: BodyLimits, pathname?: string): number {
  if (limits.ssuBytes && pathname?.startsWith(SSU_PREFIX) && mediaType(contentType) === JSON_TYPE)
    return limits.ssuBytes;
  return mediaType(contentType) === MULTIPART ? limits.multipartBytes : limits.formBytes;
}

/**
 * Passes a body stream through while counting: past `max` bytes the stream errors with BodyTooLargeError
 * (and `onExceeded` runs once, so the host can stop reading the socket and answer 413).
 */
export function capStream(
  body: ReadableStream<Uint8Array>,
  max: number,
  onExceeded?: () => void,
): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > max) {
          onExceeded?.();
          controller.error(new BodyTooLargeError(max));
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/** C0 controls except TAB, LF, CR; DEL and C1 controls; bidi marks, embeddings, overrides, isolates; BOM. */
export function isUnsafeChar(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/** Text as the portal stores it: no control or bidi characters, Unicode NFC. */
export function normaliseText(value: string): string {
  let out = "";
  for (const ch of value.normalize("NFC")) if (!isUnsafeChar(ch.codePointAt(0)!)) out += ch;
  return out;
}

/** A file name fit for a receipt: normalised text, no path, no characters a file system or header refuses. */
export function normaliseFilename(value: string): string {
  return normaliseText(value)
    .replace(/[\r\n\t]/g, " ")
    .trim();
}

export type EdgeRefusal = { status: 400 | 413 | 415; message: string };

const REFUSALS = {
  tooLarge: (limit: number): EdgeRefusal => ({
    status: 413,
    message: `La richiesta supera il limite di ${Math.max(1, Math.round(limit / 1024))} KB: riduci il testo inserito o la dimensione del file e riprova.`,
  }),
  notForm: {
    status: 415,
    message:
      "Questa pagina accetta solo moduli inviati dal browser (application/x-www-form-urlencoded o multipart/form-data): compila il modulo dalla pagina e premi il pulsante di invio.",
  } as EdgeRefusal,
  badQuery: {
    status: 400,
    message:
      "L'indirizzo contiene caratteri non validi: torna alla pagina precedente e riprova dal link o dal modulo.",
  } as EdgeRefusal,
  badBody: {
    status: 400,
    message: "Il modulo non è arrivato completo o non è leggibile: ricarica la pagina e invialo di nuovo.",
  } as EdgeRefusal,
};

/** A refusal as the page the browser shows (plain text: the edge runs before any route could render). */
export function refusalResponse(refusal: EdgeRefusal): Response {
  return new Response(refusal.message, {
    status: refusal.status,
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
      // The unread body would otherwise be the start of the next request on this connection.
      Connection: "close",
    },
  });
}

/** A declared Content-Length over the cap: refused before a byte of the body is read. */
export function refuseDeclared(
  method: string,
  contentType: string | null,
  contentLength: string | null,
  limits: BodyLimits,
  pathname?: string,
): EdgeRefusal | null {
  if (method === "GET" || method === "HEAD") return null;
  const limit = limitFor(contentType, limits, pathname);
  const declared = Number(contentLength ?? "0");
  return Number.isFinite(declared) && declared > limit ? REFUSALS.tooLarge(limit) : null;
}

function queryIsSafe(url: URL): boolean {
  for (const part of url.search.slice(1).split("&")) {
    try {
      const decoded = decodeURIComponent(part.replace(/\+/g, " "));
      for (const ch of decoded) {
        const code = ch.codePointAt(0)!;
        if (code < 0x20 || code === 0x7f) return false;
      }
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The Request a route will see, or the refusal to send instead. `request` may carry a capped body stream (a
 * BodyTooLargeError while reading it becomes 413). Form bodies are read here (they are small, by the cap) and
 * rebuilt with normalised text; multipart bodies pass through, capped (uploads normalise their own fields).
 */
export async function edgeRequest(request: Request, limits: BodyLimits): Promise<Request | EdgeRefusal> {
  const url = new URL(request.url);
  if (!queryIsSafe(url)) return REFUSALS.badQuery;
  if (request.method === "GET" || request.method === "HEAD") return request;
  const type = mediaType(request.headers.get("Content-Type"));
  if (type === MULTIPART) return request;
  if (type === JSON_TYPE && JSON_ENDPOINTS.some((prefix) => url.pathname.startsWith(prefix))) return request;
  if (type !== FORM) {
    // The body is never parsed (the host discards it). Empty POSTs (a bare button) are forms too.
    if (type === "" && request.headers.get("Content-Length") === "0") return request;
    return REFUSALS.notForm;
  }
  let text: string;
  try {
    text = await request.text();
  } catch (error) {
    if (error instanceof BodyTooLargeError || (error as Error)?.cause instanceof BodyTooLargeError)
      return REFUSALS.tooLarge(limits.formBytes);
    return REFUSALS.badBody;
  }
  if (new TextEncoder().encode(text).byteLength > limits.formBytes)
    return REFUSALS.tooLarge(limits.formBytes);
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(text);
  } catch {
    return REFUSALS.badBody;
  }
  const clean = new URLSearchParams();
  for (const [k, v] of params) clean.append(normaliseText(k), normaliseText(v));
  const headers = new Headers(request.headers);
  headers.delete("Content-Length");
  headers.delete("Transfer-Encoding");
  return new Request(request.url, {
    method: request.method,
    headers,
    body: clean.toString(),
    signal: request.signal,
  });
}

export function isRefusal(value: Request | EdgeRefusal): value is EdgeRefusal {
  return !(value instanceof Request);
}
