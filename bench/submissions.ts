// Submissions per second, p50/p95 latency and CPU per submission at 16 concurrent clients on Postgres.
// Calls the submission service directly (no HTTP): each timed submission uploads one 200 KB PDF attachment
// (type check, SHA-256, store) and then runs "Conferma e invia" (CUI, SUBMIT + PROTOCOL, protocol entry,
// outbox, deadlines, audit, and the receipt PDF sealed with the development seal and registered). A
// submission counts once its receipt exists (submitPratica returns after it: ADR 0032). Drafts are prepared
// beforehand, untimed. The statements per submission are counted at the
// driver (every query the pg client sends, BEGIN/COMMIT included) for one submission run alone.
// Prints the pgbench tpcb floor measured in the same run and the ratio (BENCH_FLOOR_SECONDS, default 10).
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
import { parseEnv } from "~/server/env.server";
import { submitPratica } from "~/server/filing/submit.server";
import { loadSealer } from "~/server/integrations/seal/registry.server";
import { addAttachment, type UploadLimits } from "~/server/filing/uploads.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { LocalFileStore } from "~/server/storage.server";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { completeDraftWithout } from "./support/drafts";
import { loadLine, pgbenchFloor, ratioLine } from "./support/pgbench-floor";

/** Every query the pg driver sends (the pool's clients are pg.Client): the statements of a submission. */
let statements = 0;
/** BENCH_STATEMENTS=1 prints the counted submission's statements (first 100 characters of each). */
const listed: string[] = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements += 1;
  if (process.env.BENCH_STATEMENTS) {
    const q = args[0] as string | { text?: string };
    listed.push((typeof q === "string" ? q : (q?.text ?? "?")).replace(/\s+/g, " ").slice(0, 100));
  }
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const CLIENTS = 16;
const TOTAL = Number(process.env.BENCH_SUBMISSIONS ?? 160);
const base =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/test";
const LIMITS: UploadLimits = { maxFileBytes: 20 * 1024 * 1024, maxPraticaBytes: 100 * 1024 * 1024 };

/** A real PDF (uploads are checked to open as one), padded to about 200 KB with an incompressible stream. */
async function pdf200k() {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText(`Planimetria ${randomUUID()}`, { x: 50, y: 780, size: 14, font });
  doc.attach(randomBytes(200 * 1024), "rilievo.bin", { mimeType: "application/octet-stream" });
  return doc.save();
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
    // The receipt is sealed when it is rendered (the development seal: a local key, no TSA).
    const sealer = await loadSealer(parseEnv({ DATA_DIR: filesDir, NODE_ENV: "test" }));
    const services = { files, publicUrl: "http://localhost:3000", sealer };
    const u = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "impresa@demo.test")
      .executeTakeFirstOrThrow();
    const user = { id: u.id, principal: await loadPrincipal(u.id) };

    const ids: string[] = [];
    for (let i = 0; i < TOTAL; i++) ids.push(await completeDraftWithout(db, files, user, "PLANIMETRIA"));
    const payloads = await Promise.all(ids.map(() => pdf200k()));

    // Warm-up (font loading, JIT): one submission, not counted.
    const warm = await completeDraftWithout(db, files, user, "PLANIMETRIA");
    await addAttachment(db, files, user, {
      praticaId: warm,
      code: "PLANIMETRIA",
      filename: "p.pdf",
      bytes: await pdf200k(),
      purpose: "filing",
      limits: LIMITS,
    });
    await submitPratica(db, services, user, { praticaId: warm, submissionKey: randomUUID(), declared: true });
    // One submission alone, its statements counted (upload excluded).
    const counted = await completeDraftWithout(db, files, user, "PLANIMETRIA");
    await addAttachment(db, files, user, {
      praticaId: counted,
      code: "PLANIMETRIA",
      filename: "p.pdf",
      bytes: await pdf200k(),
      purpose: "filing",
      limits: LIMITS,
    });
    statements = 0;
    listed.length = 0;
    await submitPratica(db, services, user, {
      praticaId: counted,
      submissionKey: randomUUID(),
      declared: true,
    });
    const perSubmission = statements;
    if (process.env.BENCH_STATEMENTS) for (const [i, q] of listed.entries()) console.log(`  ${i + 1}. ${q}`);

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
    const receipts = await db
      .selectFrom("documents")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("kind", "=", "ricevuta")
      .where("pratica_id", "in", ids)
      .executeTakeFirstOrThrow();
    const floor = await pgbenchFloor(base);
    console.log(
      `submissions (service called directly, Postgres, ${CLIENTS} concurrent clients, 200 KB PDF each)`,
    );
    console.log(`  ${loadLine()}`);
    console.log(`  submissions           ${latencies.length} (receipts rendered ${receipts.n})`);
    console.log(`  throughput            ${((latencies.length / wall) * 1000).toFixed(1)} /s`);
    console.log(`  ${ratioLine("submissions vs floor", (latencies.length / wall) * 1000, "/s", floor)}`);
    console.log(
      `  statements            ${perSubmission} per submission (driver queries, BEGIN/COMMIT included)`,
    );
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
