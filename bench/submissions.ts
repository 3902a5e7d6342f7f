// Submissions per second, p50/p95 latency and CPU per submission at 16 concurrent clients on Postgres.
// Calls the submission service directly (no HTTP): each timed submission uploads one 200 KB PDF attachment
// (type check, SHA-256, store) and then runs "Conferma e invia" (CUI, SUBMIT + PROTOCOL, receipt PDF,
// outbox, deadlines, audit, one transaction). Drafts are prepared beforehand, untimed.
// Run: npm run bench:submissions   (BENCH_DATABASE_URL or TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test; a fresh database is created and dropped). Prints figures only.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { loadPrincipal } from "~/server/auth/session.server";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import { submitPratica } from "~/server/filing/submit.server";
import { addAttachment, type UploadLimits } from "~/server/filing/uploads.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { LocalFileStore } from "~/server/storage.server";
import { completeDraftWithout } from "./support/drafts";

const CLIENTS = 16;
const TOTAL = Number(process.env.BENCH_SUBMISSIONS ?? 160);
const base =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/test";
const LIMITS: UploadLimits = { maxFileBytes: 20 * 1024 * 1024, maxPraticaBytes: 100 * 1024 * 1024 };

function pdf200k() {
  const body = randomBytes(200 * 1024);
  body.set(Buffer.from("%PDF-1.7\n"));
  return new Uint8Array(body);
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const name = `suap_bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
  const filesDir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-files-"));
  try {
    await migrateToLatest(handle.db);
    await seed(handle.db, { demo: true });
    await importBundledCatalogues(handle.db);
    runtime.handle = handle;
    runtime.ready = true;
    const db = handle.db;
    const files = new LocalFileStore(filesDir);
    const services = { files, publicUrl: "http://localhost:3000" };
    const u = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "impresa@demo.test")
      .executeTakeFirstOrThrow();
    const user = { id: u.id, principal: await loadPrincipal(u.id) };

    const ids: string[] = [];
    for (let i = 0; i < TOTAL; i++) ids.push(await completeDraftWithout(db, files, user, "PLANIMETRIA"));
    const payloads = ids.map(() => pdf200k());

    // Warm-up (font loading, JIT): one submission, not counted.
    const warm = await completeDraftWithout(db, files, user, "PLANIMETRIA");
    await addAttachment(db, files, user, {
      praticaId: warm,
      code: "PLANIMETRIA",
      filename: "p.pdf",
      bytes: pdf200k(),
      purpose: "filing",
      limits: LIMITS,
    });
    await submitPratica(db, services, user, { praticaId: warm, submissionKey: randomUUID(), declared: true });

    const latencies: number[] = [];
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < ids.length) {
          const i = next++;
          const s = performance.now();
          const up = await addAttachment(db, files, user, {
            praticaId: ids[i]!,
            code: "PLANIMETRIA",
            filename: "planimetria.pdf",
            bytes: payloads[i]!,
            purpose: "filing",
            limits: LIMITS,
          });
          if (!up.ok) throw new Error(up.message.en);
          const r = await submitPratica(db, services, user, {
            praticaId: ids[i]!,
            submissionKey: randomUUID(),
            declared: true,
          });
          if (!r.ok) throw new Error(JSON.stringify(r.errors));
          latencies.push(performance.now() - s);
        }
      }),
    );
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    latencies.sort((a, b) => a - b);
    const protocols = await db.selectFrom("protocol_entries").select("number").execute();
    console.log(
      `submissions (service called directly, Postgres, ${CLIENTS} concurrent clients, 200 KB PDF each)`,
    );
    console.log(`  submissions           ${latencies.length}`);
    console.log(`  throughput            ${((latencies.length / wall) * 1000).toFixed(1)} /s`);
    console.log(`  latency p50           ${pct(latencies, 50).toFixed(0)} ms`);
    console.log(`  latency p95           ${pct(latencies, 95).toFixed(0)} ms`);
    console.log(
      `  CPU per submission    ${((cpu.user + cpu.system) / 1000 / latencies.length).toFixed(1)} ms (user+system, this process)`,
    );
    console.log(
      `  protocol numbers      ${protocols.length} (distinct ${new Set(protocols.map((p) => p.number)).size})`,
    );
  } finally {
    await handle.close();
    rmSync(filesDir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
