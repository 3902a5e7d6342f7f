// Pages against the machine's floor, in one run (issue 18): a bare Express serving 10 KB of HTML (the floor),
// then the built portal on embedded PGlite (and on PostgreSQL when BENCH_DATABASE_URL is given) - the home
// page, the catalogue, one procedure, the finder, a business's /pratiche and the officer's /scrivania - each at
// 16 clients with autocannon: req/s, p50, p99 and the ratio to the floor. The machine is shared, so the load
// average is printed too: the ratio is the figure, not the absolute req/s.
// Run: npm run build && npm run bench:pages
//      BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:pages
//      (BENCH_SECONDS=10 per page, BENCH_CONNECTIONS=16; prints figures, never fails on time)
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import autocannon from "autocannon";
import { sql } from "kysely";
import pg from "pg";
import { openDatabase } from "~/server/db/db.server";
import { freePort } from "./support/port";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SECRET = randomBytes(32).toString("hex");
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

interface Figure {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function measure(url: string, headers: Record<string, string> = {}): Promise<Figure> {
  // A short warm-up first (JIT, caches, the first connection to the database).
  await autocannon({ url, connections: 4, duration: 1, headers });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers, timeout: 30 });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

function line(label: string, f: Figure, floor?: Figure, expect304 = false) {
  const ratio = floor
    ? ` ${((100 * f.rps) / floor.rps).toFixed(1).padStart(5)}% of floor (${floor.rps.toFixed(0)} req/s just before)`
    : "";
  const bad =
    (f.non2xx && !expect304) || f.errors ? ` (non-2xx ${expect304 ? 0 : f.non2xx}, errors ${f.errors})` : "";
  console.log(
    `${label.padEnd(44)} ${f.rps.toFixed(0).padStart(6)} req/s  p50 ${String(f.p50).padStart(4)} ms  p99 ${String(f.p99).padStart(5)} ms${ratio}${bad}   [load ${load()}]`,
  );
}

/** The floor again right before each page: on a shared machine the load moves, the ratio stays honest. */
let floorUrl = "";
const floorNow = () => measure(floorUrl);

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 600_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}

async function floorServer() {
  const port = await freePort();
  const script = `
    import express from "express";
    const row = "<p>Sportello unico per le attivita produttive: procedimenti, moduli e pratiche.</p>\\n";
    const body = ("<!doctype html><html><head><title>floor</title></head><body>\\n" + row.repeat(130)).slice(0, 10240 - 14) + "</body></html>";
    const app = express();
    app.disable("x-powered-by");
    app.get("/", (_req, res) => { res.type("html").send(body); });
    app.listen(${port}, "127.0.0.1");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`)).ok, "the floor server");
  return { child, url: `http://127.0.0.1:${port}/` };
}

interface Portal {
  child: ChildProcess;
  base: string;
  output: () => string;
}

async function startPortal(env: Record<string, string>): Promise<Portal> {
  const port = await freePort();
  let out = "";
  const child = spawn(process.execPath, ["build/server.js"], {
    env: {
      ...process.env,
      NODE_ENV: "development",
      PORT: String(port),
      HOST: "127.0.0.1",
      SESSION_SECRET: SECRET,
      WORKER: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, "the portal's /healthz");
  // The boot's last step (demo pratiche, then the worker) has finished once the worker says it started.
  await waitFor(async () => /Worker avviato/.test(out), "the end of the boot");
  return { child, base, output: () => out };
}

/** Opens a session for two demo accounts straight in the database and returns their cookies. */
async function signedInCookies(databaseUrl: string | undefined, dataDir: string) {
  const handle = await openDatabase({ databaseUrl, dataDir });
  const cookie = createCookie("__suap_session", { secrets: [SECRET], path: "/", httpOnly: true });
  const cookies: Record<string, string> = {};
  try {
    for (const [who, email, method, loa] of [
      ["business", "impresa@demo.test", "spid", 2],
      ["officer", "operatore@demo.test", "password", 1],
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
          id: createHash("sha256").update(token).digest("hex"),
          user_id: user.id,
          csrf_token: randomBytes(32).toString("base64url"),
          expires_at: sql<Date>`now() + interval '1 day'`,
          loa,
          auth_method: method,
          fiscal_code: user.fiscal_code,
          id_token: null,
        })
        .execute();
      cookies[who] = (await cookie.serialize(token)).split(";")[0]!;
    }
  } finally {
    await handle.close();
  }
  return cookies;
}

async function portalRun(label: string, databaseUrl: string | undefined) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-pages-"));
  const env: Record<string, string> = { DATA_DIR: dataDir };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  try {
    // First boot (migrations, catalogue, demo desk), then the sessions, then the measured process.
    const first = await startPortal(env);
    await stop(first.child);
    const cookies = await signedInCookies(databaseUrl, dataDir);
    const portal = await startPortal(env);
    try {
      const catalogue = await (await fetch(`${portal.base}/catalogo`)).text();
      const code = /href="\/catalogo\/([^"?#/]+)"/.exec(catalogue)?.[1];
      const pages: [string, string, Record<string, string>][] = [
        ["/", "/", {}],
        ["/catalogo", "/catalogo", {}],
        [`/catalogo/${code}`, `/catalogo/${code}`, {}],
        ["/cosa-devo-presentare", "/cosa-devo-presentare", {}],
        ["/pratiche (business)", "/pratiche", { Cookie: cookies.business! }],
        ["/scrivania (officer)", "/scrivania", { Cookie: cookies.officer! }],
      ];
      console.log(`\n${label}`);
      for (const [name, url, headers] of pages) {
        const probe = await fetch(`${portal.base}${url}`, { headers, redirect: "manual" });
        await probe.text();
        const setCookie = probe.headers.get("set-cookie") ? " Set-Cookie" : "";
        const cache = probe.headers.get("cache-control") ?? "-";
        if (probe.status !== 200) {
          console.log(`${name.padEnd(44)} answers ${probe.status}: skipped`);
          continue;
        }
        const floor = await floorNow();
        line(name, await measure(`${portal.base}${url}`, headers), floor);
        console.log(`${"".padEnd(44)} headers: Cache-Control ${cache}${setCookie}`);
        if (probe.headers.get("etag")) {
          const etag = probe.headers.get("etag")!;
          const revalidated = await fetch(`${portal.base}${url}`, {
            headers: { ...headers, "If-None-Match": etag },
          });
          if (revalidated.status === 304) {
            const floor304 = await floorNow();
            line(
              `${name} (If-None-Match -> 304)`,
              await measure(`${portal.base}${url}`, { ...headers, "If-None-Match": etag }),
              floor304,
              true,
            );
          }
        }
      }
    } finally {
      await stop(portal.child);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(
    `bench:pages - ${CONNECTIONS} clients, ${SECONDS} s per page; ${os.cpus().length} cores; load average ${load()} (the machine is shared: compare ratios)`,
  );
  const floorProc = await floorServer();
  floorUrl = floorProc.url;
  try {
    line("floor: bare Express, 10 KB HTML", await floorNow());
    await portalRun("portal on embedded PGlite", undefined);
    await postgresRun();
  } finally {
    await stop(floorProc.child);
  }
  console.log(`\nload average at the end: ${load()}`);
}

async function postgresRun() {
  const base = process.env.BENCH_DATABASE_URL;
  if (base) {
    const name = `suap_bench_pages_${Date.now()}_${randomBytes(3).toString("hex")}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    try {
      await portalRun("portal on PostgreSQL", url.toString());
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
}

await main();
