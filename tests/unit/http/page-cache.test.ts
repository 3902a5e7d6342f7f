import { describe, expect, it } from "vitest";
import { clusterPlan } from "~/server/http/cluster.server";
import {
  contentVersion,
  errorIdFor,
  hasSessionCookie,
  matchesIfNoneMatch,
  nonceFor,
  PageCache,
  pageKey,
  storable,
  strongEtag,
} from "~/server/http/page-cache.server";
import { once, withRequestScope } from "~/server/http/request-scope.server";

describe("public page cache key", () => {
  it("is given only to an anonymous GET of a public page", () => {
    expect(pageKey("GET", "/", "", null, "v1")).not.toBeNull();
    expect(pageKey("GET", "/catalogo", "?q=bar", "lang=en", "v1")).not.toBeNull();
    expect(pageKey("GET", "/catalogo/VICINATO_APERTURA", "", "", "v1")).not.toBeNull();
    expect(pageKey("GET", "/cosa-devo-presentare", "", null, "v1")).not.toBeNull();
    // A session token, another method, a personal page, a deeper path: never.
    expect(pageKey("GET", "/catalogo", "", "__suap_session=abc.def", "v1")).toBeNull();
    expect(pageKey("GET", "/catalogo", "", "lang=it; __suap_session=abc", "v1")).toBeNull();
    expect(pageKey("POST", "/catalogo", "", null, "v1")).toBeNull();
    expect(pageKey("HEAD", "/catalogo", "", null, "v1")).toBeNull();
    expect(pageKey("GET", "/pratiche", "", null, "v1")).toBeNull();
    expect(pageKey("GET", "/scrivania", "", null, "v1")).toBeNull();
    expect(pageKey("GET", "/catalogo/A/b", "", null, "v1")).toBeNull();
    expect(pageKey("GET", "/accedi", "", null, "v1")).toBeNull();
  });

  it("changes with the content version, the language, the path and the query", () => {
    const k = pageKey("GET", "/catalogo", "", null, "v1");
    expect(pageKey("GET", "/catalogo", "", null, "v2")).not.toBe(k);
    expect(pageKey("GET", "/catalogo", "", "lang=en", "v1")).not.toBe(k);
    expect(pageKey("GET", "/catalogo", "?q=x", null, "v1")).not.toBe(k);
    expect(pageKey("GET", "/", "", null, "v1")).not.toBe(k);
    // The Italian default and an explicit lang=it are the same page.
    expect(pageKey("GET", "/catalogo", "", "lang=it", "v1")).toBe(k);
  });

  it("derives the nonce and the error id from the key alone", () => {
    const a = pageKey("GET", "/", "", null, "v1")!;
    const b = pageKey("GET", "/", "", null, "v2")!;
    expect(nonceFor(a)).toBe(nonceFor(a));
    expect(nonceFor(a)).not.toBe(nonceFor(b));
    expect(nonceFor(a)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(errorIdFor(a)).toMatch(/^p[0-9a-f]{9}$/);
  });

  it("recognises the session cookie by name only", () => {
    expect(hasSessionCookie("__suap_session=x")).toBe(true);
    expect(hasSessionCookie("lang=en; __suap_session=x")).toBe(true);
    expect(hasSessionCookie("x__suap_session=x")).toBe(false);
    expect(hasSessionCookie("lang=en")).toBe(false);
    expect(hasSessionCookie(null)).toBe(false);
  });
});

describe("what may be stored and revalidated", () => {
  const html = (extra: Record<string, string> = {}) =>
    new Headers({
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "public, max-age=300",
      ...extra,
    });

  it("stores only a public 200 HTML answer without a cookie", () => {
    expect(storable(200, html())).toBe(true);
    expect(storable(404, html())).toBe(false);
    expect(storable(200, html({ "Set-Cookie": "a=b" }))).toBe(false);
    expect(storable(200, html({ "Cache-Control": "private, no-cache" }))).toBe(false);
    expect(storable(200, html({ "Content-Type": "application/json" }))).toBe(false);
  });

  it("uses a strong ETag of the bytes and the weak comparison for If-None-Match", () => {
    const e = strongEtag(Buffer.from("<p>uno</p>"));
    expect(e).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(strongEtag(Buffer.from("<p>due</p>"))).not.toBe(e);
    expect(matchesIfNoneMatch(e, e)).toBe(true);
    expect(matchesIfNoneMatch(`W/${e}`, e)).toBe(true);
    expect(matchesIfNoneMatch(`"other", ${e}`, e)).toBe(true);
    expect(matchesIfNoneMatch("*", e)).toBe(true);
    expect(matchesIfNoneMatch('"other"', e)).toBe(false);
    expect(matchesIfNoneMatch(undefined, e)).toBe(false);
  });

  it("drops the least recently used pages past its byte cap", () => {
    const cache = new PageCache(100);
    const page = (n: number) => ({ status: 200, headers: [], body: Buffer.alloc(n), etag: '"x"' });
    cache.set("a", page(20));
    cache.set("b", page(20));
    cache.set("c", page(20));
    cache.get("a"); // a is now the most recent
    cache.set("d", page(20));
    cache.set("e", page(20));
    expect(cache.size).toBe(5);
    cache.set("f", page(20));
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    // A page over a quarter of the cap is never kept.
    cache.set("big", page(26));
    expect(cache.get("big")).toBeUndefined();
  });
});

describe("content version", () => {
  it("asks again after invalidate and after its time to live", async () => {
    let reads = 0;
    const memo = contentVersion(async () => `v${++reads}`, 60_000);
    expect(await memo.get()).toBe("v1");
    expect(await memo.get()).toBe("v1");
    memo.invalidate();
    expect(await memo.get()).toBe("v2");
    const always = contentVersion(async () => `w${++reads}`, -1);
    expect(await always.get()).not.toBe(await always.get());
  });

  it("forgets a failed read", async () => {
    let fail = true;
    const memo = contentVersion(async () => {
      if (fail) throw new Error("db down");
      return "ok";
    }, 60_000);
    await expect(memo.get()).rejects.toThrow("db down");
    fail = false;
    expect(await memo.get()).toBe("ok");
  });
});

describe("work once per request", () => {
  it("shares a read between the copies of one request's Request, per method", async () => {
    let reads = 0;
    const read = async () => ++reads;
    await withRequestScope(async () => {
      const a = new Request("http://x/catalogo");
      const b = new Request("http://x/catalogo?_routes=root"); // Remix gives each loader its own copy
      expect(await once(a, "user", read)).toBe(1);
      expect(await once(b, "user", read)).toBe(1);
      // An action's reads are not reused by the loaders that run after it.
      expect(await once(new Request("http://x/catalogo", { method: "POST" }), "user", read)).toBe(2);
    });
    await withRequestScope(async () => {
      expect(await once(new Request("http://x/"), "user", read)).toBe(3);
    });
  });
});

describe("web processes", () => {
  it("keeps one process on PGlite and uses every core on PostgreSQL", () => {
    const pglite = clusterPlan({ WEB_CONCURRENCY: 4, oidc: { mode: "off" } });
    expect(pglite.processes).toBe(1);
    expect(pglite.note).toMatch(/PGlite/);
    expect(clusterPlan({ oidc: { mode: "off" } })).toEqual({ processes: 1, note: undefined });
    const url = "postgres://x@127.0.0.1/db";
    expect(clusterPlan({ DATABASE_URL: url, WEB_CONCURRENCY: 3, oidc: { mode: "off" } }).processes).toBe(3);
    expect(clusterPlan({ DATABASE_URL: url, oidc: { mode: "off" } }).processes).toBeGreaterThanOrEqual(1);
    // The development identity provider keeps interactions in memory: one process unless asked otherwise.
    expect(clusterPlan({ DATABASE_URL: url, oidc: { mode: "development" } }).processes).toBe(1);
    expect(
      clusterPlan({ DATABASE_URL: url, WEB_CONCURRENCY: 2, oidc: { mode: "development" } }).note,
    ).toMatch(/dev\/idp/);
  });
});
