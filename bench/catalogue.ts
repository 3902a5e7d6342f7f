import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { importCatalogue } from "../app/server/catalogue/import.server";
import { currentVersion } from "../app/server/catalogue/repository.server";
import { searchCatalogue } from "../app/server/catalogue/search.server";
import { type DatabaseHandle, migrateToLatest, openDatabase } from "../app/server/db/db.server";
import { seed } from "../app/server/seed.server";
import { freePort } from "./support/port";

/**
 * Catalogue benchmark: 5,000 synthetic proceedings in Postgres and in PGlite; search latency timed around the
 * search service (server side), and the procedure page timed as HTTP GETs against the built server on that
 * database. Prints figures, never fails on time. `npm run build` first for the page figures.
 */
const N = Number(process.env.BENCH_PROCEEDINGS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const BASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const QUERIES = [
  { q: "somministrazioni" },
  { q: "attività commerciale" },
  { q: "parrucchieri", municipality: "050039" },
  { q: "notifica sanitaria", lifeEvent: "APERTURA" },
  { q: "apertura negozio alimentari" },
  { sector: "COMMERCIO", regime: "SCIA" },
  { q: "zzz nessun risultato" },
];

const WORDS = [
  "artigianale",
  "laboratorio",
  "panificio",
  "gelateria",
  "officina",
  "noleggio",
  "lavanderia",
  "tatuaggi",
  "ottica",
  "ferramenta",
  "libreria",
  "enoteca",
  "pasticceria",
  "macelleria",
  "fioraio",
  "palestra",
  "autorimessa",
  "distributore",
  "campeggio",
  "ostello",
];

function syntheticCatalogue(): unknown {
  const base = JSON.parse(readFileSync(path.resolve("catalogue/avc-2026.1.json"), "utf8"));
  const templates = base.proceedings;
  const proceedings = [];
  for (let i = 0; i < N; i++) {
    const t = structuredClone(templates[i % templates.length]);
    const word = WORDS[i % WORDS.length];
    const suffix = String(i).padStart(5, "0");
    t.code = `${t.code}_${suffix}`;
    t.title.it = `${t.title.it} - ${word} ${suffix}`;
    t.title.en = `${t.title.en} - ${word} ${suffix}`;
    for (const u of t.usecases) {
      u.code = `${u.code}_${suffix}`;
      for (const e of u.endoproceedings ?? []) {
        if (e.linkedUsecase) e.linkedUsecase = `${e.linkedUsecase}_${suffix}`;
      }
    }
    proceedings.push(t);
  }
  // Linked usecases must exist in the same copy: keep links only where the target was cloned with this suffix.
  const codes = new Set(proceedings.flatMap((p: any) => p.usecases.map((u: any) => u.code)));
  for (const p of proceedings as any[])
    for (const u of p.usecases)
      for (const e of u.endoproceedings ?? [])
        if (e.linkedUsecase && !codes.has(e.linkedUsecase)) delete e.linkedUsecase;
  return { ...base, version: "2099.1", title: `${base.title} (benchmark, ${N} procedimenti)`, proceedings };
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function figures(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(2)} ms, p95 ${percentile(s, 95).toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms (n=${s.length})`;
}

async function benchSearch(handle: DatabaseHandle) {
  const version = await currentVersion(handle.db);
  for (let i = 0; i < 20; i++) await searchCatalogue(handle.db, version.id, QUERIES[i % QUERIES.length]);
  const all: number[] = [];
  for (const q of QUERIES) {
    const samples: number[] = [];
    let total = 0;
    for (let i = 0; i < Math.ceil(RUNS / QUERIES.length); i++) {
      const t0 = performance.now();
      const r = await searchCatalogue(handle.db, version.id, q);
      samples.push(performance.now() - t0);
      total = r.total;
    }
    all.push(...samples);
    console.log(`  search ${JSON.stringify(q)} -> ${total} hits: ${figures(samples)}`);
  }
  console.log(`  search, all queries: ${figures(all)}`);
}

async function load(handle: DatabaseHandle, catalogue: unknown) {
  await migrateToLatest(handle.db);
  await seed(handle.db, { demo: false });
  const t0 = performance.now();
  const r = await importCatalogue(handle.db, catalogue);
  console.log(`  import of ${r.proceedings} proceedings: ${(performance.now() - t0).toFixed(0)} ms`);
}

async function benchPage(env: Record<string, string>) {
  if (!existsSync("build/server.js")) {
    console.log("  page: skipped (run npm run build first)");
    return;
  }
  const port = await freePort();
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    ...env,
    PORT: String(port),
    HOST: "127.0.0.1",
    WORKER: "0",
    // Not "production": production now requires a real seal (SEAL_P12) and TRUST_ANCHORS, which a benchmark
    // has not. Development with every development double that touches these pages off (no demo accounts or
    // pratiche, no /dev/idp, no PEC provider double) serves the same built bundle through the same code path;
    // what differs is Remix's error detail, which these pages never show.
    NODE_ENV: "development",
    SESSION_SECRET: "b".repeat(40),
    SEED_DEMO: "0",
    DEMO_PRATICHE: "0",
    OIDC_DEV_PROVIDER: "0",
    PEC_DEV_PROVIDER: "0",
    WEB_CONCURRENCY: "1",
  };
  for (const k of Object.keys(merged)) if (merged[k] === "") delete merged[k];
  const child: ChildProcess = spawn(process.execPath, ["build/server.js"], {
    env: merged,
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    // Bounded: at most five minutes of probes, each one at most 5 s.
    let healthy = false;
    const until = Date.now() + 300_000;
    while (!healthy && Date.now() < until && child.exitCode === null) {
      healthy = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    if (!healthy) {
      console.log(
        `  page: skipped (the server did not become healthy${child.exitCode !== null ? `, exit ${child.exitCode}` : ""})`,
      );
      return;
    }
    const codes = ["SOMMINISTRAZIONE_ZONA_TUTELATA_00007", "VICINATO_APERTURA_00000", "AUA_00016"];
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) await (await fetch(`${base}/catalogo/${codes[i % 3]}?comune=050039`)).text();
    let status = 0;
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/catalogo/${codes[i % 3]}?comune=050039`);
      await res.text();
      samples.push(performance.now() - t0);
      status = res.status;
    }
    console.log(`  procedure page GET (loader + render + HTTP, status ${status}): ${figures(samples)}`);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(killer);
    }
  }
}

const catalogue = syntheticCatalogue();
console.log(`Catalogue benchmark: ${N} proceedings, ${RUNS} search runs per database`);

// Postgres: a fresh database, dropped afterwards.
const name = `suap_bench_${Date.now()}`;
try {
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  try {
    console.log(`Postgres (${url.host})`);
    const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
    await load(handle, catalogue);
    await benchSearch(handle);
    await handle.close();
    await benchPage({
      DATABASE_URL: url.toString(),
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "suap-bench-")),
    });
  } finally {
    const c = new pg.Client({ connectionString: BASE_URL });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  }
} catch (error) {
  console.log(`Postgres: skipped (${(error as Error).message})`);
}

// PGlite: an embedded database in a temporary directory, removed afterwards.
const dir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-pglite-"));
try {
  console.log("PGlite");
  const handle = await openDatabase({ dataDir: dir });
  await load(handle, catalogue);
  await benchSearch(handle);
  await handle.close();
  const env: Record<string, string> = { DATA_DIR: dir };
  await benchPage({ ...env, DATABASE_URL: "" });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
