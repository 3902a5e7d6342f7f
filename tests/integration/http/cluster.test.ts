import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { migrateToLatest } from "~/server/db/db.server";
import { parseEnv } from "~/server/env.server";
import { messageIdHeader } from "~/server/mail/outbox.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { fileStore } from "~/server/services.server";
import { completeDraft } from "../filing/support";
import { DATABASES } from "../support/databases";
import { userByEmail } from "../support/factories";
import { startS3Server } from "../support/s3";
import { startSmtpServer } from "../support/smtp";
import { sharedDatabase } from "../support/spawn-killable";

// Every core (issue 18, ADR 0029) and files beyond one machine (ADR 0035). On PostgreSQL: the built server with
// WEB_CONCURRENCY=2 (two web processes behind one port, the background worker in one of them) plus
// `npm run worker` (a second worker) on one database and one S3 bucket (s3rver), as several hosts would run.
// Submissions land on both web processes; protocol numbers stay gapless, each due deadline of the demo desk fires
// once, each outbox message is delivered once with its own Message-ID, and a SIGKILLed web process is replaced.
// On PGlite the same setting gives one web process (PGlite is a database inside one process).
//
// Every wait is bounded (this test once hung inside the whole suite): each HTTP probe has its own timeout, each
// child is SIGKILLed (with everything it forked) when it does not stop within a grace, every wait for a
// condition has a deadline, and afterAll stops everything whatever happened in the test.
const SERVER = path.resolve("build/server.js");
const WORKER = path.resolve("scripts/worker.ts");
const SECRET = randomBytes(32).toString("hex");
const PROBE_MS = 5_000;

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Everything started by a test, stopped by afterAll whatever happened. */
const cleanups: (() => Promise<unknown>)[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children.reverse()) await stop(c);
  for (const f of cleanups.reverse()) await bounded(f(), 20_000).catch(() => {});
}, 180_000);

function bounded<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
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
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d) => {
    output += d;
  });
  child.stderr!.on("data", (d) => {
    output += d;
  });
  return { child, output: () => output };
}

/** The processes below `pid` (Linux /proc): the cluster's web processes under its primary. */
function descendants(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  const out: number[] = [];
  const stack = [...(byParent.get(pid) ?? [])];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(byParent.get(p) ?? []));
  }
  return out;
}

/** SIGTERM, then SIGKILL for it and everything it forked after a grace; every wait bounded. */
async function stop(child: ChildProcess) {
  const forked = child.pid ? descendants(child.pid) : [];
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    // The server and the worker end themselves within 25 s (server.ts, scripts/worker.ts), the primary within 35.
    if ((await bounded(exited, 45_000)) === undefined && child.exitCode === null) {
      child.kill("SIGKILL");
      await bounded(exited, 10_000);
    }
  }
  for (const pid of forked) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number, log = () => "") {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}\n${log().slice(-4000)}`);
}

/** /healthz on a connection of its own (the cluster balances connections, not requests), at most PROBE_MS. */
function healthPid(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: "/healthz", agent: false, timeout: PROBE_MS },
      (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () =>
          resolve(res.statusCode === 200 ? (JSON.parse(body) as { pid: number }).pid : undefined),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("healthz timeout")));
    req.on("error", reject);
  });
}

async function sessionCookie(db: Parameters<typeof migrateToLatest>[0], userId: string) {
  const token = randomBytes(32).toString("base64url");
  const csrf = randomBytes(32).toString("base64url");
  await db
    .insertInto("sessions")
    .values({
      id: createHash("sha256").update(token).digest("hex"),
      user_id: userId,
      csrf_token: csrf,
      expires_at: sql<Date>`now() + interval '1 day'`,
      loa: 2,
      auth_method: "spid",
      fiscal_code: null,
      id_token: null,
    })
    .execute();
  const cookie = createCookie("__suap_session", { secrets: [SECRET], path: "/", httpOnly: true });
  return { cookie: (await cookie.serialize(token)).split(";")[0]!, csrf };
}

describe("web processes per core on PGlite", () => {
  it("PGlite keeps one web process whatever WEB_CONCURRENCY says", async () => {
    const { target } = await sharedDatabase("pglite", "suap-cluster-db-");
    cleanups.push(async () => rmSync(target, { recursive: true, force: true }));
    const port = await freePort();
    const web = run([SERVER], { DATA_DIR: target, PORT: String(port), WEB_CONCURRENCY: "2" });
    const health = await until(
      "healthy",
      async () => {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(PROBE_MS) });
        return r.status === 200 ? ((await r.json()) as { pid: number }) : undefined;
      },
      200_000,
      web.output,
    );
    // No supervisor: the process that answers is the one started, and it says why it is alone.
    expect(health.pid).toBe(web.child.pid);
    expect(web.output()).toMatch(/WEB_CONCURRENCY=2 ignorata: il database integrato \(PGlite\)/);
    await stop(web.child);
  }, 240_000);
});

describe.each(DATABASES.filter((k) => k === "postgres"))(
  "two web processes and a second worker on %s",
  (kind) => {
    it("gapless protocol, deadlines and mail exactly once, one shared bucket, a killed process replaced", async () => {
      const started = Date.now();
      // One budget for the whole scenario, under the test's timeout: each wait takes what is left of it.
      const left = () => Math.max(5_000, 390_000 - (Date.now() - started));
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-cluster-"));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      const { target, open, drop } = await sharedDatabase(kind, "suap-cluster-db-");
      cleanups.push(drop);
      const smtp = await startSmtpServer();
      cleanups.push(() => smtp.close());
      const s3 = await startS3Server(["suap-cluster"]);
      cleanups.push(() => s3.close());
      const s3env = s3.env("suap-cluster/avc");
      const common = { DATABASE_URL: target, DATA_DIR: dataDir, SMTP_URL: smtp.url, ...s3env };

      // The database prepared here: drafts ready for "Conferma e invia", their files in the shared bucket.
      const keepEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
      process.env.AWS_ACCESS_KEY_ID = s3env.AWS_ACCESS_KEY_ID;
      process.env.AWS_SECRET_ACCESS_KEY = s3env.AWS_SECRET_ACCESS_KEY;
      cleanups.push(async () => {
        if (keepEnv.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
        else process.env.AWS_ACCESS_KEY_ID = keepEnv.id;
        if (keepEnv.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
        else process.env.AWS_SECRET_ACCESS_KEY = keepEnv.secret;
      });
      const filesEnv = parseEnv({ NODE_ENV: "test", ...common, SESSION_SECRET: SECRET });
      let handle = await open();
      runtime.handle = handle;
      const drafts: string[] = [];
      let session: { cookie: string; csrf: string };
      try {
        await migrateToLatest(handle.db);
        await seed(handle.db, { demo: true });
        await importBundledCatalogues(handle.db);
        const owner = await userByEmail(handle.db, "impresa@demo.test");
        const files = fileStore(filesEnv);
        for (let i = 0; i < 8; i++) drafts.push(await completeDraft(handle.db, files, owner));
        session = await sessionCookie(handle.db, owner.id);
      } finally {
        await handle.close();
        runtime.handle = undefined;
      }

      const port = await freePort();
      // With the demo desk: filed at boot by the first web process, some of its pratiche past their term.
      const web = run([SERVER], { ...common, PORT: String(port), WEB_CONCURRENCY: "2", DEMO_PRATICHE: "1" });
      const base = `http://127.0.0.1:${port}`;
      // Both web processes answer on the one port (the second is forked once the first has booted).
      const pids = new Set<number>();
      await until(
        "two web processes",
        async () => {
          const pid = await healthPid(port);
          if (pid) pids.add(pid);
          return pids.size >= 2 ? true : undefined;
        },
        left(),
        web.output,
      );
      expect(pids.has(web.child.pid!)).toBe(false);
      expect(web.output()).toMatch(/2 processi web/);
      expect(web.output().match(/Worker avviato nello stesso processo/g)).toHaveLength(1);
      const second = run(["--import", "tsx", WORKER], common);
      await until(
        "the second worker",
        async () => (/Worker avviato su/.test(second.output()) ? true : undefined),
        left(),
        second.output,
      );

      // Submissions in parallel: the cluster spreads the connections over both processes.
      const answers = await Promise.all(
        drafts.map(async (id) => {
          const body = new URLSearchParams({
            _csrf: session.csrf,
            submissionKey: randomBytes(8).toString("hex"),
            dichiarazione: "true",
          });
          const r = await fetch(`${base}/pratiche/${id}/riepilogo`, {
            method: "POST",
            body,
            headers: { Cookie: session.cookie, "Content-Type": "application/x-www-form-urlencoded" },
            redirect: "manual",
            signal: AbortSignal.timeout(120_000),
          });
          return { status: r.status, location: r.headers.get("location") };
        }),
      );
      for (const [i, a] of answers.entries()) {
        expect(a.status, `submission ${i}`).toBe(302);
        expect(a.location).toBe(`/pratiche/${drafts[i]}/ricevuta`);
      }

      handle = await open();
      const { db } = handle;
      try {
        // One register per desk and year (both directions share the counter): 1..n, no gap, no repeat.
        const entries = await db
          .selectFrom("protocol_entries")
          .select(["entity_id", "year", "number", "pratica_id", "direction"])
          .execute();
        const registers = new Map<string, number[]>();
        for (const e of entries)
          registers.set(`${e.entity_id}/${e.year}`, [
            ...(registers.get(`${e.entity_id}/${e.year}`) ?? []),
            Number(e.number),
          ]);
        expect(registers.size).toBeGreaterThan(0);
        for (const [register, numbers] of registers) {
          numbers.sort((x, y) => x - y);
          expect(numbers, register).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
        }
        const submitted = entries.filter((e) => e.direction === "in" && drafts.includes(e.pratica_id ?? ""));
        expect(submitted).toHaveLength(drafts.length);

        // The receipts the web processes issued are in the shared bucket, whole (another host reads them back).
        const files = fileStore(filesEnv);
        const receipts = await db
          .selectFrom("documents")
          .select(["storage_key", "sha256"])
          .where("pratica_id", "in", drafts)
          .where("kind", "=", "ricevuta")
          .execute();
        expect(receipts).toHaveLength(drafts.length);
        for (const r of receipts)
          expect(
            createHash("sha256")
              .update(await files.get(r.storage_key))
              .digest("hex"),
          ).toBe(r.sha256);
        expect(readdirSync(dataDir)).not.toContain("files");

        // The demo desk (filed at boot, some pratiche past their legal term) has deadlines due today: the two
        // workers sweep them; each one the pratica accepts fires once, one it no longer accepts is closed.
        const final = await until(
          "the due deadlines to be swept",
          async () => {
            const rows = await db
              .selectFrom("deadlines")
              .select(["id", "pratica_id", "event", "status"])
              .where("event", "is not", null)
              .where("due", "<=", sql<string>`current_date`)
              .execute();
            return rows.length > 0 && rows.every((r) => r.status !== "active") ? rows : undefined;
          },
          left(),
          () => `${web.output()}\n${second.output()}`,
        );
        expect(final.filter((d) => d.status === "fired").length).toBeGreaterThan(0);
        for (const d of final) {
          const fired = await db
            .selectFrom("events")
            .select(db.fn.countAll<string>().as("n"))
            .where("pratica_id", "=", d.pratica_id)
            .where("type", "=", d.event!)
            .executeTakeFirstOrThrow();
          expect(Number(fired.n), `deadline ${d.id} (${d.event}, ${d.status})`).toBe(
            d.status === "fired" ? 1 : 0,
          );
        }

        // Mail: every message of the outbox delivered, each exactly once, each with its own Message-ID (without a
        // PEC provider the PEC rows go out as ordinary mail, through the same SMTP server).
        const outbox = await until(
          "the outbox to be delivered",
          async () => {
            const rows = await db
              .selectFrom("outbox")
              .select(["id", "status", "recipient", "subject", "message_id"])
              .execute();
            return rows.length > 0 && rows.every((r) => r.status === "sent") ? rows : undefined;
          },
          left(),
          () => `${web.output()}\n${second.output()}`,
        );
        await until(
          "the SMTP server to hold every message",
          async () => (smtp.received.length >= outbox.length ? true : undefined),
          left(),
        );
        // A late duplicate would arrive within a worker's poll: wait two seconds more before counting.
        await new Promise((r) => setTimeout(r, 2000));
        const got = smtp.received.map((m) => `${m.subject} -> ${(m.to as { text: string }).text}`).sort();
        const expected = outbox.map((o) => `${o.subject} -> ${o.recipient}`).sort();
        expect(got).toEqual(expected);
        const ids = smtp.received.map((m) => m.messageId);
        expect(new Set(ids).size).toBe(ids.length);
        const from = parseEnv({ NODE_ENV: "test" }).MAIL_FROM;
        expect(new Set(ids)).toEqual(new Set(outbox.map((o) => messageIdHeader(o.message_id!, from))));
      } finally {
        await bounded(handle.close(), 20_000);
      }

      // A web process that dies is replaced (the supervisor stays, the port keeps answering).
      const victim = [...pids][0]!;
      process.kill(victim, "SIGKILL");
      const replaced = new Set<number>();
      await until(
        "a replacement web process",
        async () => {
          const pid = await healthPid(port);
          if (pid) replaced.add(pid);
          return [...replaced].some((p) => !pids.has(p)) ? true : undefined;
        },
        left(),
        web.output,
      );
      expect(replaced.has(victim)).toBe(false);
      expect(web.output()).toMatch(/Processo web \d+ terminato \(SIGKILL\)/);
    }, 420_000);
  },
);
