// Measures the build time, `npm start`'s check of unchanged sources, and the cold start (process start ->
// /healthz 200 and the end of the boot) with the resident memory (VmRSS of the process and its children) at
// healthy and after 10 s idle: on the embedded database, first boot on an empty DATA_DIR (migrations, seed,
// catalogue, demo desk) and restarts on the same directory; on PostgreSQL (BENCH_DATABASE_URL, else the local
// postgres://postgres@127.0.0.1:5432/test) a fresh database and a restart.
// Run: npm run bench:boot        (prints figures; never fails on time)
import { execSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import pg from "pg";
import os from "node:os";
import path from "node:path";
import { freePort } from "./support/port";

function buildOnce() {
  const t0 = performance.now();
  execSync("npm run build", { stdio: "ignore" });
  return performance.now() - t0;
}

/** Resident memory of a process and all its descendants, in MB (Linux /proc). */
function treeRssMb(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  let kb = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      kb += Number(m?.[1] ?? 0);
    } catch {}
    stack.push(...(children.get(p) ?? []));
  }
  return kb / 1024;
}

async function coldStart(dataDir: string, port: number, databaseUrl?: string) {
  const t0 = performance.now();
  let out = "";
  const child = spawn(process.execPath, ["build/server.js"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      WORKER: "1",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  let listening = 0;
  // Every wait bounded: a boot that never gets healthy (or dies) ends the run with its output.
  const deadline = Date.now() + 600_000;
  const giveUp = (what: string) => {
    child.kill("SIGKILL");
    throw new Error(`${what}\n${out.slice(-3000)}`);
  };
  for (;;) {
    if (child.exitCode !== null) giveUp(`the server exited (${child.exitCode}) before /healthz answered 200`);
    if (Date.now() > deadline) giveUp("no healthy /healthz within 10 minutes");
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
      listening ||= performance.now() - t0;
      if (res.status === 200) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  const healthy = performance.now() - t0;
  const rssHealthy = treeRssMb(child.pid!);
  // The boot's tail (demo desk, worker start) ends with the worker's line (or without a worker, at once).
  while (!/Worker avviato/.test(out)) {
    if (Date.now() > deadline) giveUp("the boot did not finish within 10 minutes");
    await new Promise((r) => setTimeout(r, 20));
  }
  const booted = performance.now() - t0;
  const home = performance.now();
  await (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(60_000) })).text();
  const firstPage = performance.now() - home;
  await new Promise((r) => setTimeout(r, 10_000));
  const rssIdle = treeRssMb(child.pid!);
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 40_000);
  await exited;
  clearTimeout(killer);
  return { listening, healthy, booted, firstPage, rssHealthy, rssIdle };
}

// The aims of issue 18, printed next to each figure: healthy < 3 s restarting on PGlite, < 6 s fresh; resident
// memory idle < 300 MB on PGlite, < 200 MB on PostgreSQL.
function report(label: string, r: Awaited<ReturnType<typeof coldStart>>) {
  const pglite = label.startsWith("PGlite");
  const aim = `aims: healthy < ${/first boot/.test(label) ? 6 : 3} s, idle RSS < ${pglite ? 300 : 200} MB`;
  console.log(
    `${label} (${aim}): listening ${r.listening.toFixed(0)} ms, healthy ${r.healthy.toFixed(0)} ms, boot done ${r.booted.toFixed(0)} ms, home page ${r.firstPage.toFixed(0)} ms; RSS ${r.rssHealthy.toFixed(0)} MB at healthy, ${r.rssIdle.toFixed(0)} MB idle 10 s later   [load ${os.loadavg()[0]!.toFixed(2)}]`,
  );
}

console.log(
  `${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (shared machine)`,
);
const builds = [buildOnce(), buildOnce()];
console.log(
  `build (copy assets + remix build + server bundle): ${builds.map((b) => b.toFixed(0)).join(", ")} ms`,
);
if (existsSync("scripts/start.mjs")) {
  // npm start's check: with the stamp of these very sources it skips the build.
  execSync("node scripts/start.mjs --check", { stdio: "ignore" });
  const t0 = performance.now();
  const said = execSync("node scripts/start.mjs --check", { encoding: "utf8" }).trim();
  console.log(
    `npm start, sources unchanged: ${said} (whole check ${(performance.now() - t0).toFixed(0)} ms)`,
  );
}
const dir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-"));
report("PGlite first boot, empty DATA_DIR", await coldStart(dir, await freePort()));
for (let i = 0; i < 2; i++) report(`PGlite restart #${i + 1}`, await coldStart(dir, await freePort()));
rmSync(dir, { recursive: true, force: true });

// PostgreSQL as the other benchmarks find it: BENCH_DATABASE_URL, else the local test server; skipped with a
// line when it does not answer.
const base = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const reachable = await (async () => {
  const probe = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5_000 });
  try {
    await probe.connect();
    await probe.end();
    return true;
  } catch (error) {
    console.log(
      `PostgreSQL: skipped (${base.replace(/\/\/([^:/@]+):([^@]+)@/, "//$1:***@")}: ${(error as Error).message})`,
    );
    return false;
  }
})();
if (reachable) {
  const name = `suap_bench_boot_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const pgDir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-"));
  try {
    report("PostgreSQL first boot, empty database", await coldStart(pgDir, await freePort(), url.toString()));
    report("PostgreSQL restart", await coldStart(pgDir, await freePort(), url.toString()));
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    rmSync(pgDir, { recursive: true, force: true });
  }
}
