import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { migrateToLatest } from "~/server/db/db.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { LocalFileStore } from "~/server/storage.server";
import { completeDraft } from "../filing/support";
import { DATABASES } from "../support/databases";
import { userByEmail } from "../support/factories";
import { startSmtpServer } from "../support/smtp";
import { sharedDatabase } from "../support/spawn-killable";

// Every core (issue 18, ADR 0029): the built server with WEB_CONCURRENCY=2 (two web processes behind one
// port, the background worker in one of them) plus `npm run worker` (a second worker) on one PostgreSQL.
// Submissions land on both web processes; protocol numbers stay gapless, each due deadline fires once, each
// message is delivered once. On PGlite the same setting gives one web process (PGlite is single-process).
const SERVER = path.resolve("build/server.js");
const WORKER = path.resolve("scripts/worker.ts");
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

/** /healthz on a connection of its own (fetch keeps one alive, and the cluster balances connections). */
function healthPid(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () =>
        resolve(res.statusCode === 200 ? (JSON.parse(body) as { pid: number }).pid : undefined),
      );
    });
    req.on("error", reject);
  });
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

describe.each(DATABASES)("web processes per core on %s", (kind) => {
  it(kind === "postgres"
    ? "two web processes and two workers: gapless protocol, deadlines and mail exactly once"
    : "PGlite keeps one web process whatever WEB_CONCURRENCY says", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-cluster-"));
    const { target, open, drop } = await sharedDatabase(kind, "suap-cluster-db-");
    const smtp = await startSmtpServer();
    const children: ChildProcess[] = [];
    const dbEnv: Record<string, string> =
      kind === "postgres" ? { DATABASE_URL: target, DATA_DIR: dataDir } : { DATA_DIR: target };
    try {
      if (kind === "pglite") {
        const port = await freePort();
        const web = run([SERVER], { ...dbEnv, PORT: String(port), WEB_CONCURRENCY: "2" });
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
        return;
      }

      // The database prepared here: drafts ready for "Conferma e invia", their files in DATA_DIR/files.
      let handle = await open();
      runtime.handle = handle;
      await migrateToLatest(handle.db);
      await seed(handle.db, { demo: true });
      await importBundledCatalogues(handle.db);
      const files = new LocalFileStore(path.join(dataDir, "files"));
      const owner = await userByEmail(handle.db, "impresa@demo.test");
      const drafts: string[] = [];
      for (let i = 0; i < 8; i++) drafts.push(await completeDraft(handle.db, files, owner));
      const session = await sessionCookie(handle.db, owner.id);
      await handle.close();
      runtime.handle = undefined;

      const port = await freePort();
      const common = { ...dbEnv, SMTP_URL: smtp.url };
      // With the demo desk: filed at boot by the first web process, some of its pratiche past their term.
      const web = run([SERVER], { ...common, PORT: String(port), WEB_CONCURRENCY: "2", DEMO_PRATICHE: "1" });
      children.push(web.child);
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
        240_000,
        web.output,
      );
      expect(pids.has(web.child.pid!)).toBe(false);
      expect(web.output()).toMatch(/2 processi web/);
      expect(web.output().match(/Worker avviato nello stesso processo/g)).toHaveLength(1);
      const second = run(["--import", "tsx", WORKER], common);
      children.push(second.child);
      await until("the second worker", async () =>
        /Worker avviato su/.test(second.output()) ? true : undefined,
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
        for (const [register, numbers] of registers) {
          numbers.sort((x, y) => x - y);
          expect(numbers, register).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
        }
        const submitted = entries.filter((e) => e.direction === "in" && drafts.includes(e.pratica_id ?? ""));
        expect(submitted).toHaveLength(drafts.length);

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
          300_000,
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

        // Mail: every message of the outbox delivered, and each exactly once.
        const outbox = await until(
          "the outbox to be delivered",
          async () => {
            const rows = await db
              .selectFrom("outbox")
              .select(["id", "status", "recipient", "subject"])
              .execute();
            return rows.length > 0 && rows.every((r) => r.status === "sent") ? rows : undefined;
          },
          300_000,
        );
        await until("the SMTP server to hold every message", async () =>
          smtp.received.length >= outbox.length ? true : undefined,
        );
        await new Promise((r) => setTimeout(r, 2000));
        const got = smtp.received.map((m) => `${m.subject} -> ${(m.to as { text: string }).text}`).sort();
        const expected = outbox.map((o) => `${o.subject} -> ${o.recipient}`).sort();
        expect(got).toHaveLength(expected.length);
        expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(smtp.received.length);
      } finally {
        await handle.close();
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
        240_000,
        web.output,
      );
      expect(replaced.has(victim)).toBe(false);
      expect(web.output()).toMatch(/Processo web \d+ terminato \(SIGKILL\)/);
    } finally {
      for (const c of children.reverse()) await stop(c);
      await smtp.close();
      await drop();
    }
  }, 900_000);
});
