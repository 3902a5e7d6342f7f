// Complete HTTP journeys per second (issue 18): a business signs in, starts a pratica, fills every section,
// uploads its three documents, confirms and lands on the receipt page, over HTTP against the built portal on
// Postgres (every request a browser without JavaScript would send, redirects followed), at 16 concurrent
// clients. Next to it, in the same run, the machine's HTTP floor: a bare Express serving 10 KB of HTML at 16
// clients (autocannon). Prints journeys/s, requests per journey, p50/p95 of a journey, and the load average.
// Run: npm run build && npm run bench:journeys   (BENCH_DATABASE_URL or TEST_DATABASE_URL, default
//      postgres://postgres@127.0.0.1:5432/test; a fresh database is created and dropped; BENCH_JOURNEYS=64,
//      BENCH_CLIENTS=16, BENCH_PORT=41710: the portal listens there, the floor on the next port).
// Sign-in is by e-mail and password (OIDC_DEV_PROVIDER=0: no SPID/CIE double in this run). Prints figures only.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { ANSWERS, PDF } from "../tests/integration/filing/support";
import { httpLoad } from "./support/http-load";

const JOURNEYS = Number(process.env.BENCH_JOURNEYS ?? 64);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const PORT = Number(process.env.BENCH_PORT ?? 41710);
const base =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/test";
const DEMO = { email: "impresa@demo.test", password: "demo-suap-2026" };
/** One account per client (a sign-in reserves an attempt on its account first: ADR 0010's throttle). */
const accountOf = (client: number) => `impresa-bench-${client}@demo.test`;
const ATTACHMENTS = ["DOC_IDENTITA", "PLANIMETRIA", "RICEVUTA_DIRITTI"];

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 300_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}

async function floorServer(port: number) {
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
  return child;
}

async function startPortal(env: Record<string, string>) {
  let out = "";
  const child = spawn(process.execPath, ["build/server.js"], {
    env: {
      ...process.env,
      NODE_ENV: "development",
      PORT: String(PORT),
      HOST: "127.0.0.1",
      SESSION_SECRET: randomBytes(32).toString("hex"),
      WORKER: "1",
      OIDC_DEV_PROVIDER: "0",
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
  const url = `http://127.0.0.1:${PORT}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).status === 200, `the portal's /healthz: ${out}`);
  await waitFor(async () => /Worker avviato/.test(out), "the end of the boot");
  return { child, url, output: () => out };
}

/** One browser without JavaScript: a cookie jar, redirects followed by hand, every request counted. */
class Browser {
  cookies = new Map<string, string>();
  requests = 0;
  constructor(readonly url: string) {}

  async send(pathname: string, init: { method?: string; body?: FormData | URLSearchParams } = {}) {
    let target = pathname;
    let method = init.method ?? "GET";
    let body: FormData | URLSearchParams | undefined = init.body;
    for (let hop = 0; hop < 5; hop++) {
      this.requests++;
      const res = await fetch(`${this.url}${target}`, {
        method,
        body,
        redirect: "manual",
        headers: { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const i = pair!.indexOf("=");
        this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      const text = await res.text();
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        target = location.replace(this.url, "");
        method = "GET";
        body = undefined;
        continue;
      }
      if (res.status !== 200)
        throw new Error(`${method} ${target} answered ${res.status}: ${text.slice(0, 300)}`);
      return { text, at: target };
    }
    throw new Error(`too many redirects from ${pathname}`);
  }
}

const hidden = (html: string, name: string) =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ??
  new RegExp(`value="([^"]*)" name="${name}"`).exec(html)?.[1];

function form(fields: Record<string, string>) {
  const f = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
}

/** Sign-in to receipt. Returns the number of requests it took. */
async function journey(url: string, email: string): Promise<number> {
  const b = new Browser(url);
  const login = await b.send("/accedi");
  await b.send("/accedi", {
    method: "POST",
    body: form({ _csrf: hidden(login.text, "_csrf")!, email, password: DEMO.password }),
  });
  const start = await b.send(
    "/pratiche/nuova?procedimento=VICINATO_APERTURA&comune=050039&scelta_VICINATO_APERTURA=VICINATO_APERTURA_NON_ALIMENTARE",
  );
  const tasks = await b.send("/pratiche/nuova", {
    method: "POST",
    body: form({
      _csrf: hidden(start.text, "_csrf")!,
      creationKey: hidden(start.text, "creationKey")!,
      procedimento: "VICINATO_APERTURA",
      scelta_VICINATO_APERTURA: "VICINATO_APERTURA_NON_ALIMENTARE",
      comune: "050039",
    }),
  });
  const id = /^\/pratiche\/([0-9a-f-]{36})/.exec(tasks.at)?.[1];
  if (!id) throw new Error(`no pratica after the start form (at ${tasks.at})`);
  const sections = [
    ...new Set(
      [...tasks.text.matchAll(new RegExp(`href="/pratiche/${id}/sezioni/([^"?#]+)`, "g"))].map((m) => m[1]!),
    ),
  ];
  if (!sections.length) throw new Error("no sections on the task list");
  for (const s of sections) {
    const page = await b.send(`/pratiche/${id}/sezioni/${s}`);
    await b.send(`/pratiche/${id}/sezioni/${s}`, {
      method: "POST",
      body: form({ _csrf: hidden(page.text, "_csrf")!, ...ANSWERS }),
    });
  }
  let page = await b.send(`/pratiche/${id}/allegati`);
  for (const code of ATTACHMENTS) {
    const block = page.text.split("<form").find((f) => f.includes(`name="code" value="${code}"`));
    if (!block) throw new Error(`no upload form for ${code}`);
    const upload = new FormData();
    upload.set("_csrf", hidden(block, "_csrf") ?? hidden(page.text, "_csrf")!);
    upload.set("code", code);
    const key = hidden(block, "uploadKey");
    if (key) upload.set("uploadKey", key);
    upload.set("file", new Blob([PDF], { type: "application/pdf" }), `${code.toLowerCase()}.pdf`);
    page = await b.send(`/pratiche/${id}/allegati`, { method: "POST", body: upload });
  }
  const summary = await b.send(`/pratiche/${id}/riepilogo`);
  const receipt = await b.send(`/pratiche/${id}/riepilogo`, {
    method: "POST",
    body: form({
      _csrf: hidden(summary.text, "_csrf")!,
      submissionKey: hidden(summary.text, "submissionKey")!,
      dichiarazione: "true",
    }),
  });
  if (!receipt.at.endsWith("/ricevuta") || !receipt.text.includes('data-testid="protocol-number"')) {
    throw new Error(`the journey did not end on the receipt (at ${receipt.at})`);
  }
  return b.requests;
}

/** The demo business's account, cloned once per client (same password, roles and business). */
async function benchAccounts(databaseUrl: string) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    for (let i = 0; i < CLIENTS; i++) {
      const { rows } = await c.query<{ id: string }>(
        `insert into users (id, email, password_hash, full_name)
         select gen_random_uuid(), $1, password_hash, full_name from users where email = $2 returning id`,
        [accountOf(i), DEMO.email],
      );
      const id = rows[0]!.id;
      await c.query(
        `insert into memberships (user_id, role, entity_id)
         select $1, m.role, m.entity_id from memberships m join users u on u.id = m.user_id where u.email = $2`,
        [id, DEMO.email],
      );
      await c.query(
        `insert into business_members (business_id, user_id, role)
         select b.business_id, $1, b.role from business_members b join users u on u.id = b.user_id where u.email = $2`,
        [id, DEMO.email],
      );
    }
  } finally {
    await c.end();
  }
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  console.log(`bench:journeys - ${CLIENTS} clients, ${JOURNEYS} journeys; ${os.cpus().length} cores`);
  const name = `suap_bench_journeys_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const dbUrl = new URL(base);
  dbUrl.pathname = `/${name}`;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-journeys-"));
  const floor = await floorServer(PORT + 1);
  let portal: Awaited<ReturnType<typeof startPortal>> | undefined;
  try {
    portal = await startPortal({ DATABASE_URL: dbUrl.toString(), DATA_DIR: dataDir });
    await benchAccounts(dbUrl.toString());
    // Warm-up (JIT, fonts, caches): two journeys, not counted.
    const perJourney = await journey(portal.url, DEMO.email);
    await journey(portal.url, DEMO.email);
    const times: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        while (next < JOURNEYS) {
          next++;
          const s = performance.now();
          await journey(portal!.url, accountOf(client));
          times.push(performance.now() - s);
        }
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    const loadAfter = load();
    const f = await httpLoad({ url: `http://127.0.0.1:${PORT + 1}/`, connections: 16, seconds: 10 });
    times.sort((a, b) => a - b);
    const rate = times.length / wall;
    console.log(
      `  journeys              ${times.length} complete (sign-in to receipt), ${perJourney} requests each`,
    );
    console.log(
      `  throughput            ${rate.toFixed(2)} journeys/s (${(rate * perJourney).toFixed(0)} req/s)`,
    );
    console.log(
      `  journey p50 / p95     ${(pct(times, 50) / 1000).toFixed(2)} s / ${(pct(times, 95) / 1000).toFixed(2)} s`,
    );
    console.log(
      `  floor                 bare Express 10 KB HTML ${f.perSecond.toFixed(0)} req/s at 16 clients; ratio ${((rate * perJourney) / f.perSecond).toFixed(3)} (portal req/s / floor req/s)`,
    );
    console.log(`  load average          ${loadAfter} during, ${load()} after the floor`);
  } finally {
    if (portal) await stop(portal.child);
    await stop(floor);
    rmSync(dataDir, { recursive: true, force: true });
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
