// Signatures: time to verify a 5 MB signed PDF (PAdES, full chain + CRL from the trust store), time to seal a
// receipt, and submissions/s with sealing off and on (service called directly, Postgres, 8 clients).
// Run: npm run bench:signatures   (BENCH_DATABASE_URL or TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test; a fresh database is created and dropped). Prints figures only.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PDFDocument } from "pdf-lib";
import pg from "pg";
import { loadPrincipal } from "~/server/auth/session.server";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import { renderPdf } from "~/server/documents/pdf.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { parseEnv } from "~/server/env.server";
import { submitPratica } from "~/server/filing/submit.server";
import { addAttachment, type UploadLimits } from "~/server/filing/uploads.server";
import { startCscDouble } from "~/server/integrations/seal/csc-double.server";
import { CscSealer } from "~/server/integrations/seal/csc.server";
import { signPdf } from "~/server/integrations/seal/pades.server";
import { loadSealer } from "~/server/integrations/seal/registry.server";
import { createCrl, issueCertificate } from "~/server/integrations/signature/pki.server";
import { addToTrustStore, emptyTrustStore } from "~/server/integrations/signature/trust.server";
import { LocalSignatureVerifier } from "~/server/integrations/signature/verify.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { LocalFileStore } from "~/server/storage.server";
import { receiptSpec } from "../tests/integration/documents/fixtures";
import { completeDraftWithout } from "./support/drafts";

const CLIENTS = 8;
const TOTAL = Number(process.env.BENCH_SUBMISSIONS ?? 48);
const base =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgres://postgres@127.0.0.1:5432/test";
const LIMITS: UploadLimits = { maxFileBytes: 20 * 1024 * 1024, maxPraticaBytes: 100 * 1024 * 1024 };

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  return `mean ${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(1)} ms, p50 ${pct(s, 50).toFixed(1)} ms, p95 ${pct(s, 95).toFixed(1)} ms (n=${s.length})`;
};

async function verifyBench(dataDir: string) {
  const root = await issueCertificate({ subject: "CN=Bench Root,C=IT", ca: true });
  const ca = await issueCertificate({ subject: "CN=Bench CA,C=IT", ca: true, issuer: root });
  const person = await issueCertificate({
    subject: "CN=Mario Rossi,2.5.4.5=TINIT-RSSMRA80A01H501U,C=IT",
    issuer: ca,
  });
  const trust = emptyTrustStore();
  addToTrustStore(trust, "root.pem", new Uint8Array(Buffer.from(root.pem)));
  addToTrustStore(trust, "ca.crl", (await createCrl(ca, [])).der);
  addToTrustStore(trust, "root.crl", (await createCrl(root, [])).der);
  const verifier = new LocalSignatureVerifier(trust, { network: false });
  // A 5 MB PDF: the receipt with a 5 MB embedded file (incompressible bytes).
  const doc = await PDFDocument.load(await renderPdf(receiptSpec()));
  await doc.attach(randomBytes(5 * 1024 * 1024), "rilievo.bin", { mimeType: "application/octet-stream" });
  const big = await doc.save({ useObjectStreams: false });
  const signed = await signPdf(
    big,
    { certificate: person.der, chain: [ca.der], key: person.key },
    { reason: "Bench", name: "Mario Rossi" },
  );
  const times: number[] = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const r = await verifier.verify({ filename: "rilievo.pdf", bytes: signed });
    times.push(performance.now() - t0);
    if (r.outcome !== "valid") throw new Error(`bench PDF not valid: ${JSON.stringify(r.problem)}`);
  }
  times.shift(); // warm-up
  console.log(
    `verify a ${(signed.length / 1024 / 1024).toFixed(1)} MB signed PDF (PAdES, chain + CRL): ${summary(times)}`,
  );

  const sealer = await loadSealer(parseEnv({ DATA_DIR: dataDir, NODE_ENV: "test" }));
  const receipt = await renderPdf(receiptSpec());
  const sealTimes: number[] = [];
  for (let i = 0; i < 41; i++) {
    const t0 = performance.now();
    await sealer.seal(receipt, { reason: "Ricevuta di presentazione" });
    sealTimes.push(performance.now() - t0);
  }
  sealTimes.shift();
  console.log(
    `seal a receipt (${Math.round(receipt.length / 1024)} KB, RSA-2048, no TSA): ${summary(sealTimes)}`,
  );

  // The remote seal (CSC API v2, ADR 0024) through its development double on loopback: the same PAdES plus
  // credentials/authorize and signatures/signHash per seal (the first seal also reads info, token, credential).
  const sealCert = await issueCertificate({ subject: "CN=Bench sigillo remoto,C=IT", issuer: ca });
  const csc = await startCscDouble({
    clientId: "bench",
    clientSecret: "bench-secret",
    credentials: [{ id: "sigillo", key: sealCert.key, certificates: [sealCert.der, ca.der, root.der] }],
  });
  try {
    const remote = new CscSealer({
      url: csc.url,
      clientId: "bench",
      clientSecret: "bench-secret",
      credentialId: "sigillo",
    });
    const remoteTimes: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      await remote.seal(receipt, { reason: "Ricevuta di presentazione" });
      remoteTimes.push(performance.now() - t0);
    }
    remoteTimes.shift();
    console.log(`seal a receipt remotely (CSC v2 double on loopback, RSA-2048): ${summary(remoteTimes)}`);
  } finally {
    await csc.close();
  }
  return sealer;
}

async function submissions(
  services: EngineServices,
  db: any,
  files: LocalFileStore,
  user: any,
  label: string,
) {
  const ids: string[] = [];
  for (let i = 0; i < TOTAL; i++) ids.push(await completeDraftWithout(db, files, user, "PLANIMETRIA"));
  const pdf = await renderPdf(receiptSpec());
  const latencies: number[] = [];
  let next = 0;
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
          bytes: pdf,
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
  latencies.sort((a, b) => a - b);
  console.log(
    `submissions, sealing ${label}: ${((latencies.length / wall) * 1000).toFixed(1)} /s, p50 ${pct(latencies, 50).toFixed(0)} ms, p95 ${pct(latencies, 95).toFixed(0)} ms (${latencies.length} submissions, ${CLIENTS} clients)`,
  );
}

async function main() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-sig-"));
  const sealer = await verifyBench(dataDir);
  const name = `suap_bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
  try {
    await migrateToLatest(handle.db);
    await seed(handle.db, { demo: true });
    await importBundledCatalogues(handle.db);
    runtime.handle = handle;
    runtime.ready = true;
    const files = new LocalFileStore(path.join(dataDir, "files"));
    const u = await handle.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "impresa@demo.test")
      .executeTakeFirstOrThrow();
    const user = { id: u.id, principal: await loadPrincipal(u.id) };
    const plain: EngineServices = { files, publicUrl: "http://localhost:3000" };
    await submissions(plain, handle.db, files, user, "off (warm-up)");
    await submissions(plain, handle.db, files, user, "off");
    await submissions({ ...plain, sealer }, handle.db, files, user, "on ");
  } finally {
    await handle.close();
    rmSync(dataDir, { recursive: true, force: true });
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
