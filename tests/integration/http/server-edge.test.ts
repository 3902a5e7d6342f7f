import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The real built server (npm run build runs before the integration suite), on PORT=0.
const SERVER = path.resolve("build/server.js");

function start(env: Record<string, string>, cwd = process.cwd()) {
  const child = spawn(process.execPath, [SERVER], {
    cwd,
    env: {
      PATH: process.env.PATH,
      PORT: "0",
      HOST: "127.0.0.1",
      DEMO_PRATICHE: "0",
      ...env,
    } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    async healthy(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const base = output.match(/in ascolto su (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
        if (base) {
          const res = await fetch(`${base}/healthz`).catch(() => null);
          if (res?.status === 200) return base;
        }
        if (child.exitCode !== null) throw new Error(`exited early:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`not healthy in time:\n${output}`);
    },
  };
}

/** Raw HTTP, to send a declared length without the body and see the server answer before reading it. */
function rawRequest(base: string, head: string, body?: (socket: net.Socket) => void) {
  const url = new URL(base);
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      socket.write(head);
      body?.(socket);
    });
    let data = "";
    socket.on("data", (d) => {
      data += d;
      if (data.includes("\r\n\r\n")) {
        resolve(data);
        socket.destroy();
      }
    });
    socket.on("error", (e) => (data ? resolve(data) : reject(e)));
    socket.on("close", () => resolve(data));
  });
}

describe("the server's request edge, caching and boot", () => {
  let server: ReturnType<typeof start>;
  let base: string;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-edge-"));
  beforeAll(async () => {
    server = start({ DATA_DIR: dataDir, NODE_ENV: "development", WORKER: "0" });
    base = await server.healthy();
  }, 120_000);
  afterAll(async () => {
    server.child.kill("SIGTERM");
    await server.exited;
  });

  it("answers 413 to a 150 MB urlencoded POST to /accedi before reading it", async () => {
    const started = Date.now();
    const answer = await rawRequest(
      base,
      `POST /accedi HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${150 * 1024 * 1024}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    // Nothing of the body was sent: the answer came without waiting for it.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("cuts a chunked multipart of 8 x 15 MB at the cap while it streams (413)", async () => {
    let sent = 0;
    const answer = await rawRequest(
      base,
      "POST /api/v1/pratiche/00000000-0000-0000-0000-000000000000/allegati HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=xx\r\nTransfer-Encoding: chunked\r\n\r\n",
      (socket) => {
        const chunk = Buffer.alloc(1024 * 1024, 0x61);
        const write = () => {
          while (sent < 8 * 15 && !socket.destroyed) {
            sent++;
            const ok =
              socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write("\r\n");
            if (!ok) return void socket.once("drain", write);
          }
        };
        socket.on("error", () => {});
        write();
      },
    );
    // Anonymous: the cap or the login redirect, never the whole 120 MB read and a 2xx/5xx.
    expect(answer).toMatch(/^HTTP\/1\.1 (413|302)/);
    expect(sent).toBeLessThan(8 * 15);
  });

  it("refuses JSON where a form is expected with 415, never 500", async () => {
    const res = await fetch(`${base}/accedi`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "a" }),
    });
    expect(res.status).toBe(415);
    expect(await res.text()).toMatch(/modulo/);
  });

  it("sends Cache-Control: private, no-store on pages about a person", async () => {
    for (const p of [
      "/pratiche",
      "/scrivania",
      "/documenti/00000000-0000-0000-0000-000000000000",
      "/area-personale",
    ]) {
      const res = await fetch(`${base}${p}`, { redirect: "manual" });
      expect(res.headers.get("Cache-Control"), p).toBe("private, no-store");
    }
    const home = await fetch(`${base}/`);
    expect(home.headers.get("Cache-Control") ?? "").not.toContain("no-store");
  });
});

describe("boot", () => {
  it("never echoes a too-short SESSION_SECRET into the log", async () => {
    const s = start({
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "suap-boot-")),
      SESSION_SECRET: "corto-segreto-123",
    });
    const code = await s.exited;
    expect(code).toBe(1);
    expect(s.output()).toMatch(/SESSION_SECRET/);
    expect(s.output()).not.toContain("corto-segreto-123");
  }, 60_000);

  it("fails on an unreachable DATABASE_URL before saying it is listening", async () => {
    const s = start({
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "suap-boot-")),
      DATABASE_URL: "postgres://nobody:pw@127.0.0.1:1/none",
    });
    const code = await s.exited;
    expect(code).toBe(1);
    expect(s.output()).toMatch(/DATABASE_URL/);
    expect(s.output()).not.toMatch(/in ascolto/);
  }, 60_000);

  it("reads .env from the working directory, the real environment winning", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "suap-dotenv-"));
    writeFileSync(path.join(dir, ".env"), "PORT=notaport\nHOST=127.0.0.1\n");
    // The server runs from that directory (where it looks for .env), with the built app linked in.
    for (const d of ["build", "public", "catalogue"]) symlinkSync(path.resolve(d), path.join(dir, d));
    // The real PORT=0 wins over the file's invalid one: the server gets as far as listening.
    const real = start({ DATA_DIR: dir }, dir);
    const deadline = Date.now() + 60_000;
    while (
      !/in ascolto|non valida/.test(real.output()) &&
      real.child.exitCode === null &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 50));
    expect(real.output()).toMatch(/in ascolto/);
    real.child.kill("SIGKILL");
    await real.exited;
    // Without PORT in the environment, the file's value is the one reported: the server read the file.
    const spawnWithout = spawn(process.execPath, [SERVER], {
      cwd: dir,
      env: { PATH: process.env.PATH, DATA_DIR: dir } as unknown as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    spawnWithout.stdout.on("data", (d) => (out += d));
    spawnWithout.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((r) => spawnWithout.on("exit", r));
    expect(code).toBe(1);
    expect(out).toMatch(/PORT/);
    expect(out).toContain("notaport");
  }, 120_000);

  it("stops cleanly on SIGINT during the first migrations", async () => {
    const s = start({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "suap-sigint-")) });
    const child: ChildProcess = s.child;
    // As soon as it listens, migrations are running (healthz 503).
    const deadline = Date.now() + 60_000;
    while (!/in ascolto/.test(s.output()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    const code = await s.exited;
    expect(s.output()).toMatch(/SIGINT: arresto in corso/);
    expect(code).toBe(0);
  }, 240_000);
});
