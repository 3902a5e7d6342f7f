import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "~/server/seed-data.server";
import { createTestDatabase, type TestDatabase } from "./support/databases";

// These tests start the real built server (npm run build runs before the integration suite).
const SERVER = path.resolve("build/server.js");

/**
 * Starts the built server on PORT=0 (any free port: a fixed or random port can collide with another
 * service on the machine) and learns the real address from the line the server prints when it listens.
 */
function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "development",
      DEMO_PRATICHE: "0",
      PORT: "0",
      HOST: "127.0.0.1",
      ...env,
    } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exitCode: number | null | undefined;
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return {
    child,
    output: () => output,
    exited,
    /** Waits until /healthz answers 200; fails at once, with what the server printed, if it exits. */
    async waitHealthy(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let base: string | undefined;
      while (Date.now() < deadline) {
        if (exitCode !== undefined)
          throw new Error(`the server exited (${exitCode}) before it was healthy:\n${output}`);
        base ??= output.match(/in ascolto su (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
        if (base) {
          try {
            const res = await fetch(`${base}/healthz`);
            if (res.status === 200) {
              const health = (await res.json()) as { status: string; database: string; version: string };
              return { ...health, base };
            }
          } catch {}
        }
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`the server was not healthy within ${timeoutMs} ms:\n${output}`);
    },
  };
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await done;
}

/** Reads the session cookie and CSRF token a form page hands out. */
async function formSession(base: string, pagePath: string) {
  const res = await fetch(`${base}${pagePath}`);
  const cookie = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(";")[0]).join("; ");
  const html = await res.text();
  const token = html.match(/name="_csrf" value="([^"]+)"/)?.[1];
  return { cookie, token: token ?? "" };
}

describe("the server process", () => {
  beforeAll(() => {
    expect(existsSync(SERVER), "run `npm run build` first").toBe(true);
  });

  it("boots on embedded PGlite, reports it healthy, and keeps data across a restart", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-data-"));
    const first = start({ DATA_DIR: dataDir, WORKER: "0", OIDC_DEV_PROVIDER: "0" });
    try {
      const health = await first.waitHealthy();
      const base = health.base;
      expect(health).toMatchObject({ status: "ok", database: "pglite" });
      expect(health.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(first.output()).toMatch(/in ascolto su http:\/\/127\.0\.0\.1:\d+/);
      expect(first.output()).not.toContain("Worker avviato");
      const home = await fetch(`${base}/`);
      expect(home.status).toBe(200);
      const homeHtml = await home.text();
      expect(homeHtml).toContain('lang="it"');
      // Content-Security-Policy: scripts only from here, inline ones only with this response's nonce.
      const csp = home.headers.get("content-security-policy") ?? "";
      const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/_=-]{16,})'/.exec(csp)?.[1];
      expect(nonce, csp).toBeDefined();
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      const scripts = [...homeHtml.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
      expect(scripts.length).toBeGreaterThan(0);
      for (const attrs of scripts) {
        // An external script from here needs no nonce; every inline one carries this response's.
        if (!/\bsrc=/.test(attrs)) expect(attrs).toContain(`nonce="${nonce}"`);
      }
      // The anonymous home is served from the page cache (ADR 0029): the same bytes (same strong ETag) with the
      // nonce those bytes carry, so the policy and the page always agree.
      const again = await fetch(`${base}/`);
      expect(home.headers.get("etag")).toMatch(/^"/);
      expect(again.headers.get("etag")).toBe(home.headers.get("etag"));
      expect(again.headers.get("content-security-policy")).toContain(`'nonce-${nonce}'`);
      // Register a user through the real form (with its CSRF token).
      // Password registration exists where SPID/CIE is off (OIDC_DEV_PROVIDER=0 below).
      const { cookie, token } = await formSession(base, "/registrati");
      const res = await fetch(`${base}/registrati`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({
          _csrf: token,
          fullName: "Persistente Rossi",
          email: "persiste@example.test",
          password: "una password robusta",
          passwordConfirm: "una password robusta",
        }),
      });
      expect(res.status).toBe(302);
    } finally {
      await stop(first.child);
    }
    expect(existsSync(path.join(dataDir, "session-secret"))).toBe(true);
    const secret = readFileSync(path.join(dataDir, "session-secret"), "utf8");

    const second = start({ DATA_DIR: dataDir, WORKER: "0", OIDC_DEV_PROVIDER: "0" });
    try {
      const { base } = await second.waitHealthy();
      const { cookie, token } = await formSession(base, "/accedi");
      const res = await fetch(`${base}/accedi`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({
          _csrf: token,
          email: "persiste@example.test",
          password: "una password robusta",
        }),
      });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/area-personale");
      expect(readFileSync(path.join(dataDir, "session-secret"), "utf8")).toBe(secret);
    } finally {
      await stop(second.child);
    }
  });

  it("refuses a form post without the CSRF token", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-data-"));
    const s = start({ DATA_DIR: dataDir, WORKER: "0" });
    try {
      const { base } = await s.waitHealthy();
      const { cookie } = await formSession(base, "/accedi");
      const res = await fetch(`${base}/accedi`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({ email: "impresa@demo.test", password: DEMO_PASSWORD }),
      });
      expect(res.status).toBe(403);
      expect(res.headers.get("set-cookie") ?? "").not.toContain("__suap_session=ey");
    } finally {
      await stop(s.child);
    }
  });

  it("stops with one clear sentence on a bad configuration value", async () => {
    const bad = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH, PORT: "ottanta", NODE_ENV: "development" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    bad.stderr.on("data", (d) => {
      err += d;
    });
    const code = await new Promise<number | null>((r) => bad.on("exit", r));
    expect(code).toBe(1);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toContain("PORT");
    expect(err).not.toMatch(/at .*\(.*:\d+:\d+\)/);
  });

  it("stops with one clear sentence when its port is taken", async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const s = start({
        PORT: String(port),
        DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "suap-")),
        WORKER: "0",
      });
      expect(await s.exited).toBe(1);
      expect(s.output()).toContain(`La porta ${port} su 127.0.0.1 è già in uso`);
      expect(s.output()).not.toMatch(/at .*\(.*:\d+:\d+\)/);
    } finally {
      taken.close();
    }
  });

  it("exits non-zero with a clear message when Postgres cannot be reached", async () => {
    const s = start({ DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", DATA_DIR: os.tmpdir() });
    const code = await s.exited;
    expect(code).not.toBe(0);
    expect(s.output()).toContain("DATABASE_URL");
    expect(s.output()).toContain("Impossibile collegarsi");
  });

  it("requires SESSION_SECRET in production", async () => {
    const s = start({ NODE_ENV: "production", DATA_DIR: os.tmpdir() });
    const code = await s.exited;
    expect(code).toBe(1);
    expect(s.output()).toContain("SESSION_SECRET");
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)("on Postgres", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await test?.drop();
  });

  it("runs on Postgres with DATABASE_URL, worker included", async () => {
    const s = start({ DATABASE_URL: test.url!, DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "suap-")) });
    try {
      const health = await s.waitHealthy();
      expect(health.database).toBe("postgres");
      const deadline = Date.now() + 15_000;
      while (!s.output().includes("Worker avviato") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(s.output()).toContain("Worker avviato");
    } finally {
      await stop(s.child);
    }
  });
});
