import { createHash } from "node:crypto";
import { localeFromCookieHeader } from "~/i18n";

/**
 * The shared cache of the public pages (issue 18, ADR 0029). An anonymous GET of a public page (home,
 * catalogue, a procedure, the finder, open data, accessibility, privacy) renders the same bytes for every
 * visitor until the content changes: the same language, the same catalogue version, the same desk, the same
 * build. Those bytes are kept in memory under that key and served again without running Remix, with a strong
 * ETag (the sha256 of the bytes) and `304 Not Modified` on a matching If-None-Match.
 *
 * What makes a page eligible: GET, no session cookie (a visitor with a token sees a page with their name or
 * their CSRF token, never cached here), a path in PUBLIC_PAGES. What may be stored: a 200 `text/html` answer
 * that sets no cookie and says `Cache-Control: public`.
 *
 * The CSP nonce and the error id of an eligible request derive from the key, so the stored page and the
 * policy sent with it (again on every hit and every 304) always agree, and two processes render the same
 * bytes, hence the same ETag. A nonce is meant to be unguessable by whoever injects markup; on a page every
 * visitor receives verbatim it is as public as the page, which is what any cache of HTML with nonces does;
 * React escapes every value, and pages with personal data keep a random nonce per request.
 */
export const PUBLIC_PAGES =
  /^\/(|catalogo|catalogo\/[^/]+|cosa-devo-presentare|open-data|accessibilita|privacy)$/;

/** The browser's session token cookie (session.server.ts). */
export const SESSION_COOKIE = "__suap_session";

export interface CachedPage {
  status: number;
  headers: [string, string][];
  body: Buffer;
  etag: string;
}

export function hasSessionCookie(cookieHeader: string | null | undefined): boolean {
  return !!cookieHeader && new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=`).test(cookieHeader);
}

/** The cache key of a request, or null when the page is not one every visitor sees alike. */
export function pageKey(
  method: string,
  pathname: string,
  search: string,
  cookieHeader: string | null | undefined,
  version: string,
): string | null {
  if (method !== "GET") return null;
  if (hasSessionCookie(cookieHeader)) return null;
  if (!PUBLIC_PAGES.test(pathname)) return null;
  if (search.length > 512) return null;
  return [version, localeFromCookieHeader(cookieHeader ?? null), pathname, search].join("\u0000");
}

const digest = (value: string | Buffer) => createHash("sha256").update(value).digest("base64url");

/** The nonce of an eligible request's page: the same for every render of that key (see above). */
export function nonceFor(key: string): string {
  return digest(`nonce\u0000${key}`).slice(0, 22);
}

export function errorIdFor(key: string): string {
  return `p${Buffer.from(digest(`error\u0000${key}`))
    .toString("hex")
    .slice(0, 9)}`;
}

/** A strong validator: the bytes' own hash. */
export function strongEtag(body: Buffer): string {
  return `"${digest(body).slice(0, 32)}"`;
}

/** RFC 9110: If-None-Match matches with the weak comparison (a W/ prefix on either side is ignored). */
export function matchesIfNoneMatch(header: string | null | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => bare(t) === bare(etag));
}

/** Whether a rendered answer may be kept for everyone. */
export function storable(status: number, headers: Headers): boolean {
  if (status !== 200) return false;
  if (headers.has("Set-Cookie")) return false;
  if (!(headers.get("Content-Type") ?? "").startsWith("text/html")) return false;
  return /(^|,)\s*public\b/.test(headers.get("Cache-Control") ?? "");
}

/** Least recently used entries leave first once the bytes exceed the cap. */
export class PageCache {
  private readonly entries = new Map<string, CachedPage>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): CachedPage | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: CachedPage) {
    if (entry.body.byteLength > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.body.byteLength;
      this.entries.delete(key);
    }
    this.entries.set(key, entry);
    this.bytes += entry.body.byteLength;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.body.byteLength;
    }
  }

  get size() {
    return this.entries.size;
  }

  clear() {
    this.entries.clear();
    this.bytes = 0;
  }
}

/**
 * The content version public pages depend on, asked of the database at most once per `ttlMs` in this
 * process and at once after any form POST handled here (`invalidate`): a catalogue imported or a desk edited
 * by another process shows within `ttlMs`, one edited through this process at the next request.
 */
export function contentVersion(read: () => Promise<string>, ttlMs: number) {
  let value: Promise<string> | undefined;
  let at = 0;
  return {
    get(): Promise<string> {
      const now = Date.now();
      if (!value || now - at > ttlMs) {
        at = now;
        const pending = read();
        value = pending;
        pending.catch(() => {
          if (value === pending) value = undefined;
        });
      }
      return value;
    },
    invalidate() {
      value = undefined;
    },
  };
}
