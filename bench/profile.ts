// Where a signed-in request's time goes (issue 18): the built server on a scratch PostgreSQL database (the
// demo desk, plus BENCH_PRATICHE set-based pratiche), run under `node --cpu-prof`; each page is asked
// BENCH_REQUESTS times one after the other by a signed-in officer or business. Prints, per page, the mean
// time per request and the SQL statements per request (the database's own count of transactions: every
// statement outside a transaction is one), then the functions with the most CPU time in the server's profile
// (self time, and the time under a few known suspects: session, render, loaders, JSON, crypto).
// Run: npm run build && npm run bench:profile     (BENCH_PRATICHE=0, BENCH_REQUESTS=200; prints figures only)
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import { sql } from "kysely";
import pg from "pg";
import { hashToken } from "~/server/auth/session.server";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import { seed } from "~/server/seed.server";
import { seedBusyDesk } from "./support/desk-seed";
import { loadLine } from "./support/pgbench-floor";
import { freePort } from "./support/port";

const BASE = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const N = Number(process.env.BENCH_PRATICHE ?? 0);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const SECRET = "p".repeat(40);
const TOP = Number(process.env.BENCH_TOP ?? 40);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

async function transactions(client: pg.Client, name: string) {
  // Backends flush their counters when idle (at most once a second): wait for them.
  await new Promise((r) => setTimeout(r, 1500));
  const r = await client.query(
    "select xact_commit + xact_rollback as n from pg_stat_database where datname = $1",
    [name],
  );
  return Number(r.rows[0].n);
}

/** The CPU profile's samples between two instants of this process's clock (ms, performance.now()). */
function summarise(file: string, title: string, from: number, to: number, exitedAt: number) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    endTime: number;
  };
  // The profile ends when the server exits: instants here map to the profile's clock from its end.
  const lo = profile.endTime - (exitedAt - from) * 1000;
  const hi = profile.endTime - (exitedAt - to) * 1000;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const micros = new Map<number, number>();
  let at = profile.endTime - profile.timeDeltas.reduce((a, b) => a + b, 0);
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= lo && at <= hi) micros.set(id, (micros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const label = (n: ProfileNode) =>
    `${n.callFrame.functionName || "(anonymous)"} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  for (const [id, us] of micros) {
    all += us;
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(
        ([l, us]) =>
          `  ${((100 * us) / all).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${l}`,
      )
      .join("\n");
  console.log(`\nCPU profile of the server, ${title}: ${(all / 1000).toFixed(0)} ms sampled`);
  console.log(`self time, top 20:\n${top(self, 20)}`);
  console.log(`inclusive time, top ${TOP}:\n${top(total, TOP)}`);
}

async function main() {
  if (!readdirSync("build").includes("server.js")) throw new Error("run npm run build first");
  console.log(
    `Profile of signed-in pages: ${N} extra pratiche, ${REQUESTS} requests per page, ${loadLine()}`,
  );
  const name = `suap_prof_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-prof-"));
  const profileDir = mkdtempSync(path.join(os.tmpdir(), "suap-prof-cpu-"));
  let child: ChildProcess | undefined;
  const windows: [string, number, number][] = [];
  let exitedAt = 0;
  try {
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir });
    await migrateToLatest(handle.db);
    await seed(handle.db, { demo: true });
    if (N > 0) await seedBusyDesk(handle.db, N, "2026-06-15");
    const cookie = createCookie("__suap_session", { secrets: [SECRET], path: "/" });
    const cookies: Record<string, string> = {};
    for (const [who, email] of [
      ["officer", "operatore@demo.test"],
      ["business", "impresa@demo.test"],
    ] as const) {
      const user = await handle.db
        .selectFrom("users")
        .select(["id", "fiscal_code"])
        .where("email", "=", email)
        .executeTakeFirstOrThrow();
      const token = randomBytes(32).toString("base64url");
      await handle.db
        .insertInto("sessions")
        .values({
          id: hashToken(token),
          user_id: user.id,
          csrf_token: randomBytes(32).toString("base64url"),
          expires_at: sql<Date>`now() + interval '1 day'`,
          loa: 2,
          auth_method: who === "officer" ? "password_totp" : "spid",
          fiscal_code: user.fiscal_code,
          id_token: null,
        })
        .execute();
      cookies[who] = (await cookie.serialize(token)).split(";")[0]!;
    }
    await handle.close();

    const port = await freePort();
    child = spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "build/server.js"], {
      env: {
        ...process.env,
        DATABASE_URL: url.toString(),
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: "127.0.0.1",
        WORKER: "0",
        WEB_CONCURRENCY: "1",
        NODE_ENV: "test",
        SESSION_SECRET: SECRET,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 1800; i++) {
      const ok = await fetch(`${base}/healthz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The demo pratiche are filed after /healthz turns ready: the statements counted must be the pages' own.
    for (let i = 0; i < 1800 && !/Pratiche dimostrative presentate/.test(out); i++)
      await new Promise((r) => setTimeout(r, 100));
    const desk = await (await fetch(`${base}/scrivania`, { headers: { cookie: cookies.officer! } })).text();
    const pratica = /href="(\/scrivania\/pratiche\/[0-9a-f-]{36})"/.exec(desk)?.[1];
    const pages: [string, string][] = [
      ["/scrivania", cookies.officer!],
      ["/pratiche", cookies.business!],
      ["/ente", cookies.officer!],
      ...(pratica ? ([[pratica, cookies.officer!]] as [string, string][]) : []),
    ];
    console.log("\npage (sequential, one client): mean time, SQL statements per request");
    for (const [page, who] of pages) {
      const probe = await fetch(`${base}${page}`, { headers: { cookie: who }, redirect: "manual" });
      await probe.text();
      if (probe.status !== 200) {
        console.log(`${page.padEnd(52)} answers ${probe.status}: skipped`);
        continue;
      }
      for (let i = 0; i < 10; i++) await (await fetch(`${base}${page}`, { headers: { cookie: who } })).text();
      const before = await transactions(admin, name);
      const t0 = performance.now();
      windows.push([page, t0, 0]);
      let bytes = 0;
      for (let i = 0; i < REQUESTS; i++)
        bytes += (await (await fetch(`${base}${page}`, { headers: { cookie: who } })).arrayBuffer())
          .byteLength;
      windows[windows.length - 1]![2] = performance.now();
      const ms = (performance.now() - t0) / REQUESTS;
      const statements = ((await transactions(admin, name)) - before) / REQUESTS;
      console.log(
        `${page.padEnd(52)} ${ms.toFixed(1).padStart(6)} ms  ${statements.toFixed(1).padStart(5)} statements  ${(bytes / REQUESTS / 1024).toFixed(0)} KB   [${loadLine()}]`,
      );
    }
  } finally {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child!.once("exit", r));
      exitedAt = performance.now();
    }
    const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
    if (file && exitedAt)
      for (const [page, from, to] of windows)
        summarise(path.join(profileDir, file), page, from, to, exitedAt);
    rmSync(profileDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
