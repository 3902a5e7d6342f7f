// With TSA_URL the officer's signature on a decision gets its RFC 3161 timestamp too (ADR 0024): the decision
// is issued signed by the officer with the seal deferred; the worker adds the officer's token in place, then
// seals (with the seal's own token) in an incremental update. pdfsig checks both signatures of the final file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PRATICHE } from "~/domain/demo/plan";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { seedDemoPratiche } from "~/server/demo/pratiche.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { parseEnv } from "~/server/env.server";
import { developmentPki } from "~/server/integrations/seal/development.server";
import { sealHandler } from "~/server/integrations/seal/handler.server";
import { DEMO_OFFICER, loadOfficerSigner } from "~/server/integrations/seal/officer.server";
import { loadSealer } from "~/server/integrations/seal/registry.server";
import { documentSeal } from "~/server/integrations/seal/report.server";
import { startTsaDouble } from "~/server/integrations/seal/tsa-double.server";
import {
  loadTrustStore,
  emptyTrustStore,
  addToTrustStore,
} from "~/server/integrations/signature/trust.server";
import { LocalSignatureVerifier } from "~/server/integrations/signature/verify.server";
import { signatureRuntime } from "~/server/integrations/signatures.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { runtime } from "~/server/runtime.server";
import { engineServices } from "~/server/services.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { buildCorpus, type Corpus, signer } from "./corpus";

const dir = mkdtempSync(path.join(os.tmpdir(), "suap-officer-tsa-"));
const saved = { ...signatureRuntime };
const savedEnv = runtime.env;
let c: Corpus;
let tsa: Awaited<ReturnType<typeof startTsaDouble>>;

beforeAll(async () => {
  c = await buildCorpus();
  tsa = await startTsaDouble(signer(c.tsa));
}, 120_000);
afterAll(async () => {
  Object.assign(signatureRuntime, saved);
  runtime.env = savedEnv;
  await tsa?.close();
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

function pdfsig(bytes: Uint8Array, name: string) {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  try {
    return execFileSync("pdfsig", [file], { encoding: "utf8" });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe.each(DATABASES)("the officer's timestamp on a decision on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
  }, 240_000);
  afterAll(async () => {
    await test?.drop();
  });

  it("issues the decision signed by the officer, then the worker timestamps it and seals it: both valid, both timestamped", async () => {
    const { db } = test.handle;
    const dataDir = path.join(dir, kind);
    const env = parseEnv({
      ...process.env,
      DATA_DIR: dataDir,
      SESSION_SECRET: "s".repeat(48),
      NODE_ENV: "test",
      TSA_URL: tsa.url,
    });
    runtime.env = env;
    // Trusted: the development CA of this DATA_DIR (officer and seal) and the corpus root (the TSA).
    const pki = await developmentPki(dataDir);
    const trust = emptyTrustStore();
    await loadTrustStore(pki.caPath, trust);
    await loadTrustStore(pki.crlPath, trust);
    addToTrustStore(trust, "root.pem", new Uint8Array(Buffer.from(c.root.pem)));
    const verifier = new LocalSignatureVerifier(trust);
    signatureRuntime.verifier = verifier;
    const sealer = await loadSealer(env);
    const officer = (await loadOfficerSigner(env))!;
    expect(officer.deferred).toBe("timestamp");
    const services: EngineServices = { ...engineServices(env), sealer, officerSigner: officer };

    // The demo SCIA whose checks end positively: the officer's CONCLUDE_CHECKS issues a provvedimento.
    const plan = DEMO_PRATICHE.filter((p) => p.key === "volterra-acconciatore-positiva");
    expect(plan).toHaveLength(1);
    const seeded = await seedDemoPratiche(db, services, { plan });
    expect(seeded.failed).toEqual([]);
    const decision = await db
      .selectFrom("documents")
      .innerJoin("pratiche", "pratiche.id", "documents.pratica_id")
      .selectAll("documents")
      .where("pratiche.submission_key", "=", "demo-volterra-acconciatore-positiva")
      .where("documents.kind", "=", "provvedimento")
      .executeTakeFirstOrThrow();
    expect(decision.seal_status).toBe("pending");
    const issued = new Uint8Array(await services.files.get(decision.storage_key));
    // As issued: the officer's signature only (valid), the seal still owed.
    const first = pdfsig(issued, `${kind}-issued.pdf`);
    expect(first.match(/Signature Validation: Signature is Valid/g)).toHaveLength(1);
    expect(first).toMatch(/Signer Certificate Common Name: Luca Bianchi/);
    expect(await documentSeal(db, services.files, decision.verification_code)).toMatchObject({
      status: "pending",
      completion: "seal",
    });
    const call = await db
      .selectFrom("integration_calls")
      .selectAll()
      .where("idempotency_key", "=", `seal:${decision.id}`)
      .executeTakeFirstOrThrow();
    expect(call.payload).toMatchObject({ deferred: "seal", officerTimestamp: true });

    const granted = tsa.granted();
    const run = await integrationRunner(db, {
      handlers: new Map([["seal", sealHandler(env, sealer, officer)]]),
      services,
      now: () => new Date(Date.now() + 24 * 3600_000),
    })();
    expect(run.done).toBeGreaterThanOrEqual(1);
    const applied = await db
      .selectFrom("documents")
      .selectAll()
      .where("id", "=", decision.id)
      .executeTakeFirstOrThrow();
    expect(applied).toMatchObject({ seal_status: "applied", issued_sha256: decision.sha256 });
    // Two tokens for the decision (the officer's, the seal's), besides the other documents' seals.
    expect(tsa.granted() - granted).toBeGreaterThanOrEqual(2);
    const bytes = new Uint8Array(await services.files.get(applied.storage_key));
    const out = pdfsig(bytes, `${kind}-final.pdf`);
    expect(out.match(/Signature Validation: Signature is Valid/g)).toHaveLength(2);
    const report = await verifier.verify({ filename: "provvedimento.pdf", bytes });
    expect(report.outcome).toBe("valid");
    expect(report.signatures.map((s) => s.signer.fiscalCode ?? s.signer.name)).toEqual([
      DEMO_OFFICER.fiscalCode,
      "SUAP Alta Val di Cecina - sigillo di sviluppo NON qualificato",
    ]);
    expect(report.signatures.map((s) => s.signingTimeSource)).toEqual(["timestamp", "timestamp"]);
    expect(await documentSeal(db, services.files, decision.verification_code)).toMatchObject({
      status: "valid",
      completion: null,
      timestamped: true,
    });
  });
});
