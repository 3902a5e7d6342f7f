// The officer's desk over HTTP at national scale: 2,000,000 pratiche in PostgreSQL (seeded set-based, not
// through the engine), the real built server, a signed-in officer's cookie, `/scrivania` driven by autocannon
// at 1 and 16 clients. Prints the machine's floor measured in the same run (pgbench TPC-B on the same Postgres,
// 16 clients), the figures and their ratio to the floor, and the load average (the machine is shared).
// Also the bare-Express floor of bench:pages right before each run (req/s and the ratio), and the manager's
// /scrivania/cruscotto (its counts from the ledgers, ADR 0034).
// Run: npm run build && npm run bench:desk      (BENCH_PRATICHE=2000000, BENCH_SECONDS=15; prints figures only)
//      BENCH_KEEP=1 keeps the seeded database and prints its name; BENCH_DESK_DATABASE=<name> runs on that one
//      again (no new seed; the server migrates at boot): seeding 2,000,000 pratiche takes minutes.
//      BENCH_SERVER_DIR=<checkout> runs that checkout's build/server.js instead (before/after on one database).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import { sql } from "kysely";
import pg from "pg";
import { hashToken } from "~/server/auth/session.server";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import { seed } from "~/server/seed.server";
import { seedBusyDesk } from "./support/desk-seed";
import { latencyLine, loadLine, pgbenchFloor, ratioLine } from "./support/pgbench-floor";
import { explainDeskViews } from "./support/explain";
import { expressFloor } from "./support/express-floor";
import { httpLoad } from "./support/http-load";
import { freePort } from "./support/port";

const BASE = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const N = Number(process.env.BENCH_PRATICHE ?? 2_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const SECRET = "d".repeat(40);
const TODAY = "2026-06-15";

async function main() {
  if (!existsSync("build/server.js")) throw new Error("run npm run build first");
  console.log(`Desk benchmark: ${N} pratiche, ${loadLine()}`);
  const floor = await pgbenchFloor(BASE);
  console.log(
    floor
      ? `floor: pgbench tpcb-like, 16 clients: ${floor.tps.toFixed(0)} tps, latency average ${floor.latencyMs.toFixed(2)} ms`
      : "floor: pgbench not available",
  );

  const reuse = process.env.BENCH_DESK_DATABASE;
  const keep = process.env.BENCH_KEEP === "1" || !!reuse;
  const name = reuse ?? `suap_bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  if (!reuse) {
    const admin = new pg.Client({ connectionString: BASE });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
  }
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-desk-"));
  let child: ChildProcess | undefined;
  const floorHttp = await expressFloor();
  try {
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir });
    if (!reuse) await migrateToLatest(handle.db);
    if (reuse) {
      const n = await sql<{ n: number }>`select count(*)::int8 as n from pratiche`.execute(handle.db);
      console.log(`database ${name} reused: ${n.rows[0]!.n} pratiche`);
    } else {
      await seed(handle.db, { demo: true });
      const t0 = performance.now();
      await seedBusyDesk(handle.db, N, TODAY);
      console.log(`seeded ${N} pratiche in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (keep) console.log(`database kept: BENCH_DESK_DATABASE=${name}`);
    // A signed-in officer and the desk's manager: session rows and their signed cookies, as the sign-in leaves them.
    const cookieOf = async (email: string) => {
      const user = await handle.db
        .selectFrom("users")
        .select("id")
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
          auth_method: "password_totp",
          fiscal_code: null,
          id_token: null,
        })
        .execute();
      return (await createCookie("__suap_session", { secrets: [SECRET], path: "/" }).serialize(token)).split(
        ";",
      )[0]!;
    };
    const cookie = await cookieOf("operatore@demo.test");
    const managerCookie = await cookieOf("responsabile@demo.test");
    const desk = await handle.db
      .selectFrom("entities")
      .select("id")
      .where("code", "=", "SUAP-AVC")
      .executeTakeFirstOrThrow();
    const officer = await handle.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "operatore@demo.test")
      .executeTakeFirstOrThrow();
    await handle.close();
    await explainDeskViews(url.toString(), desk.id, officer.id, TODAY);

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: url.toString(),
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      WORKER: "0",
      // "test": production behaviour of Remix without the production-only demands (trust anchors, PEC...).
      NODE_ENV: "test",
      SESSION_SECRET: SECRET,
      SEED_DEMO: "0",
      LOG_LEVEL: "warn",
    };
    const serverDir = process.env.BENCH_SERVER_DIR ?? process.cwd();
    console.log(`server: ${path.join(serverDir, "build/server.js")}`);
    child = spawn(process.execPath, ["build/server.js"], {
      env,
      cwd: serverDir,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 1200; i++) {
      const ok = await fetch(`${base}/healthz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = `${base}/scrivania`;
    const probe = await fetch(page, { headers: { cookie }, redirect: "manual" });
    const html = await probe.text();
    if (probe.status !== 200 || !html.includes('data-testid="status-counts"')) {
      throw new Error(`/scrivania answered ${probe.status}, not the worklist: the cookie was not accepted`);
    }
    for (let i = 0; i < 20; i++) await (await fetch(page, { headers: { cookie } })).text();

    const runs: [string, string, string, number[]][] = [
      ["GET /scrivania (signed-in officer, default view)", page, cookie, [1, 16]],
      ["GET /scrivania/cruscotto (the desk's manager)", `${base}/scrivania/cruscotto`, managerCookie, [16]],
    ];
    for (const [title, target, who, clients] of runs) {
      const check = await fetch(target, { headers: { cookie: who }, redirect: "manual" });
      await check.text();
      if (check.status !== 200) {
        console.log(`\n${title}: answers ${check.status}, skipped`);
        continue;
      }
      console.log(`\n${title}, ${SECONDS} s per run, ${loadLine()}`);
      for (const connections of clients) {
        const fl = await httpLoad({ url: floorHttp.url, connections, seconds: Math.min(SECONDS, 5) });
        const r = await httpLoad({ url: target, connections, seconds: SECONDS, headers: { cookie: who } });
        console.log(
          `${String(connections).padStart(2)} clients: ${r.perSecond.toFixed(1)} req/s, p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms, ${r.failures} failed of ${r.count}`,
        );
        console.log(
          `   floor just before: bare Express 10 KB ${fl.perSecond.toFixed(0)} req/s, p95 ${fl.p95.toFixed(1)} ms; ratio ${((100 * r.perSecond) / fl.perSecond).toFixed(1)}% of the floor   [${loadLine()}]`,
        );
        if (connections === 16) {
          console.log(latencyLine("  p95 at 16 clients", r.p95, floor));
          console.log(ratioLine("  throughput at 16 clients", r.perSecond, "req/s", floor));
        }
      }
    }
    console.log(`after: ${loadLine()}`);
    console.log("Target: p95 < 50 ms at 16 clients (figures only; this never fails).");
  } finally {
    if (child) {
      child.kill("SIGTERM");
      await new Promise((r) => child!.once("exit", r));
    }
    await floorHttp.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (!keep) {
      const c = new pg.Client({ connectionString: BASE });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
