import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sharedDatabase } from "../support/spawn-killable";

// Every core (issue 18, ADR 0029): `WEB_CONCURRENCY` web processes behind one port on PostgreSQL; on PGlite the
// same setting gives one web process (PGlite is a database inside one process) and the start-up line says why.
// The scenario with two web processes and two workers on one PostgreSQL (gapless protocol, deadlines and mail
// exactly once, a killed process replaced) passes on its own but hung twice inside the whole suite on a clean
// clone; it stays on branch perfweb until that is understood (closing note of session 6).
const SERVER = path.resolve("build/server.js");
const SECRET = randomBytes(32).toString("hex");

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "development",
      DEMO_PRATICHE: "0",
      HOST: "127.0.0.1",
      SESSION_SECRET: SECRET,
      OIDC_DEV_PROVIDER: "0",
      PEC_DEV_PROVIDER: "0",
      ...env,
    } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => {
    output += d;
  });
  child.stderr!.on("data", (d) => {
    output += d;
  });
  return { child, output: () => output };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 240_000, log = () => "") {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}\n${log()}`);
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  // The worker exits on its own after a 20 s grace (scripts/worker.ts); a child still there after a minute
  // is killed so a stuck shutdown cannot hold the suite.
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  await exited;
  clearTimeout(killer);
}

describe("web processes per core on PGlite", () => {
  it("PGlite keeps one web process whatever WEB_CONCURRENCY says", async () => {
    const { target, drop } = await sharedDatabase("pglite", "suap-cluster-db-");
    const children: ChildProcess[] = [];
    try {
      const port = await freePort();
      const web = run([SERVER], { DATA_DIR: target, PORT: String(port), WEB_CONCURRENCY: "2" });
      children.push(web.child);
      const health = await until(
        "healthy",
        async () => {
          const r = await fetch(`http://127.0.0.1:${port}/healthz`);
          return r.status === 200 ? ((await r.json()) as { pid: number }) : undefined;
        },
        240_000,
        web.output,
      );
      // No supervisor: the process that answers is the one started, and it says why it is alone.
      expect(health.pid).toBe(web.child.pid);
      expect(web.output()).toMatch(/WEB_CONCURRENCY=2 ignorata: il database integrato \(PGlite\)/);
    } finally {
      for (const c of children.reverse()) await stop(c);
      await drop();
    }
  }, 600_000);
});
