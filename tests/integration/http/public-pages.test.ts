import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "~/server/seed-data.server";
import { createTestDatabase, DATABASES, type TestDatabase } from "../support/databases";

// Anonymous public pages (issue 18, ADR 0029) on the real built server: no cookie, public caching with a
// strong ETag and 304, the CSP nonce matching the cached page; forms an anonymous visitor posts keep their
// CSRF protection; personal pages stay private. On PostgreSQL, a change of the desk made by another process
// reaches the cached pages.
const SERVER = path.resolve("build/server.js");
const PUBLIC = ["/", "/catalogo", "/cosa-devo-presentare", "/catalogo/VICINATO_APERTURA"];

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const cookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
const tokenIn = (html: string) => /name="_csrf" value="([^"]*)"/.exec(html)?.[1];

describe.each(DATABASES)("public pages on %s", (kind) => {
  let child: ChildProcess;
  let base = "";
  let output = "";
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    const env: Record<string, string> = { DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "suap-public-")) };
    if (kind === "postgres") {
      database = await createTestDatabase("postgres");
      env.DATABASE_URL = database.url!;
    }
    const port = await freePort();
    child = spawn(process.execPath, [SERVER], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "development",
        DEMO_PRATICHE: "0",
        HOST: "127.0.0.1",
        PORT: String(port),
        ...env,
      } as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => {
      output += d;
    });
    child.stderr!.on("data", (d) => {
      output += d;
    });
    base = `http://127.0.0.1:${port}`;
    const until = Date.now() + 240_000;
    for (;;) {
      if (Date.now() > until) throw new Error(`the server never became healthy:\n${output}`);
      const ok = await fetch(`${base}/healthz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await database?.drop();
  });

  it("sets no cookie, caches publicly with a strong ETag, answers 304, and keeps the nonce in step", async () => {
    for (const page of PUBLIC) {
      const first = await fetch(`${base}${page}`);
      const body = await first.text();
      expect(first.status, page).toBe(200);
      expect(first.headers.get("set-cookie"), page).toBeNull();
      expect(first.headers.get("cache-control"), page).toBe("public, max-age=300");
      const etag = first.headers.get("etag")!;
      expect(etag, page).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
      // The scripts carry the nonce the policy names (also when the page comes from the cache).
      const nonce = /'nonce-([^']+)'/.exec(first.headers.get("content-security-policy") ?? "")?.[1];
      expect(nonce, page).toBeTruthy();
      expect(body).toContain(`nonce="${nonce}"`);
      const again = await fetch(`${base}${page}`);
      expect(await again.text()).toBe(body);
      expect(again.headers.get("etag")).toBe(etag);
      expect(again.headers.get("content-security-policy")).toBe(first.headers.get("content-security-policy"));
      const revalidated = await fetch(`${base}${page}`, { headers: { "If-None-Match": etag } });
      expect(revalidated.status, page).toBe(304);
      expect(await revalidated.text()).toBe("");
      expect(revalidated.headers.get("etag")).toBe(etag);
      // Another language is another page, with its own tag.
      const english = await fetch(`${base}${page}`, { headers: { Cookie: "lang=en" } });
      await english.text();
      expect(english.headers.get("etag")).not.toBe(etag);
      const stale = await fetch(`${base}${page}`, { headers: { "If-None-Match": '"not-this-one"' } });
      expect(stale.status).toBe(200);
      await stale.text();
    }
  });

  it("gives an anonymous form its token and refuses a POST without it", async () => {
    const page = await fetch(`${base}/accedi`);
    const html = await page.text();
    const cookie = cookieOf(page);
    expect(cookie).toMatch(/^__suap_session=/);
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    const token = tokenIn(html);
    expect(token).toBeTruthy();
    const post = (headers: Record<string, string>, csrf: string | undefined) =>
      fetch(`${base}/accedi`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams({
          _csrf: csrf ?? "",
          email: "operatore@demo.test",
          password: DEMO_PASSWORD,
        }),
      });
    // No cookie at all, or another browser's token: refused.
    expect((await post({}, token)).status).toBe(403);
    const other = await fetch(`${base}/verifica`);
    await other.text();
    const otherCookie = cookieOf(other);
    expect(otherCookie).toMatch(/^__suap_session=/);
    expect((await post({ Cookie: otherCookie }, token)).status).toBe(403);
    expect((await post({ Cookie: cookie }, "forged")).status).toBe(403);
    // The page's own cookie and token: signed in.
    const ok = await post({ Cookie: cookie }, token);
    expect(ok.status).toBe(302);
    const session = cookieOf(ok);
    expect(session).toMatch(/^__suap_session=/);

    // Signed in: the catalogue shows the person, and is for this browser only; personal pages are no-store.
    const catalogue = await fetch(`${base}/catalogo`, { headers: { Cookie: session } });
    const personal = await catalogue.text();
    expect(catalogue.headers.get("cache-control")).toBe("private, no-cache");
    expect(personal).toContain("Luca Bianchi");
    expect(tokenIn(personal)).toBeTruthy();
    const anonymous = await (await fetch(`${base}/catalogo`)).text();
    expect(anonymous).not.toContain("Luca Bianchi");
    expect(tokenIn(anonymous)).toBeUndefined();
    const desk = await fetch(`${base}/scrivania`, { headers: { Cookie: session } });
    await desk.text();
    expect(desk.status).toBe(200);
    expect(desk.headers.get("cache-control")).toBe("private, no-store");
  });

  // Another process can write only to PostgreSQL (PGlite lives inside the server): this one exists there only.
  if (kind === "postgres")
    it("shows a change of the desk made by another process within a second", async () => {
      const before = await fetch(`${base}/`);
      const html = await before.text();
      expect(html).not.toContain("Sportello di prova rinominato");
      await database!.handle.db
        .updateTable("entities")
        .set({ name: "Sportello di prova rinominato" })
        .where("kind", "=", "suap")
        .execute();
      let after = "";
      let etag = before.headers.get("etag");
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        const r = await fetch(`${base}/`);
        after = await r.text();
        etag = r.headers.get("etag");
        if (after.includes("Sportello di prova rinominato")) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(after).toContain("Sportello di prova rinominato");
      expect(etag).not.toBe(before.headers.get("etag"));
    }, 60_000);
});
