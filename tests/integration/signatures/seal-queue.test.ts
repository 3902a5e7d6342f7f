// The seal's RFC 3161 timestamp as a queued external effect (ADR 0016): with TSA_URL set the document is issued
// sealed (and readable) at once, the timestamp is added after COMMIT by the worker with its retry rule; a TSA
// that is down costs a retry, nothing is lost, and the token is added once. pdfsig checks the final file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { Database } from "~/server/db/schema.server";
import { verifyChains } from "~/server/engine/audit.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { parseEnv } from "~/server/env.server";
import { submitPratica } from "~/server/filing/submit.server";
import { sealHandler } from "~/server/integrations/seal/handler.server";
import { writePkcs12 } from "~/server/integrations/seal/p12.server";
import { loadSealer } from "~/server/integrations/seal/registry.server";
import { documentSeal } from "~/server/integrations/seal/report.server";
import { startTsaDouble } from "~/server/integrations/seal/tsa-double.server";
import { addToTrustStore, emptyTrustStore } from "~/server/integrations/signature/trust.server";
import { LocalSignatureVerifier } from "~/server/integrations/signature/verify.server";
import { signatureRuntime } from "~/server/integrations/signatures.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { openCallViews } from "~/server/integrations/queue.server";
import { LocalFileStore } from "~/server/storage.server";
import { completeDraft } from "../filing/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { buildCorpus, type Corpus, signer } from "./corpus";

const dir = mkdtempSync(path.join(os.tmpdir(), "suap-sealqueue-"));
const saved = { ...signatureRuntime };
let c: Corpus;
let tsa: Awaited<ReturnType<typeof startTsaDouble>>;
let verifier: LocalSignatureVerifier;

beforeAll(async () => {
  c = await buildCorpus();
  tsa = await startTsaDouble(signer(c.tsa));
  const trust = emptyTrustStore();
  addToTrustStore(trust, "root.pem", new Uint8Array(Buffer.from(c.root.pem)));
  verifier = new LocalSignatureVerifier(trust);
  signatureRuntime.verifier = verifier;
}, 120_000);
afterAll(async () => {
  signatureRuntime.verifier = saved.verifier;
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

describe.each(DATABASES)("the seal's timestamp through the integration queue on %s", (kind) => {
  let test: TestDatabase;
  const files = new LocalFileStore(path.join(dir, kind, "files"));
  let services: EngineServices;
  let runner: (now: () => Date) => ReturnType<ReturnType<typeof integrationRunner>>;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    const p12 = path.join(dir, `${kind}-seal.p12`);
    writeFileSync(p12, writePkcs12(c.valid.keyPem, [c.valid.pem, c.intermediate.pem], "segreta"));
    const env = parseEnv({ DATA_DIR: dir, SEAL_P12: p12, SEAL_P12_PASSWORD: "segreta", TSA_URL: tsa.url });
    const sealer = await loadSealer(env);
    expect(sealer.deferred).toBe("timestamp");
    services = { files, publicUrl: "http://localhost:3000", sealer };
    runner = (now) =>
      integrationRunner(test.handle.db, {
        handlers: new Map([["seal", sealHandler(env, sealer)]]),
        services,
        now,
      })();
  }, 240_000);
  afterAll(async () => {
    await test?.drop();
  });

  const receiptOf = (db: Kysely<Database>, praticaId: string) =>
    db
      .selectFrom("documents")
      .selectAll()
      .where("pratica_id", "=", praticaId)
      .where("kind", "=", "ricevuta")
      .executeTakeFirstOrThrow();

  it("issues the receipt sealed at once; TSA down: retried, nothing lost; TSA up: the token is added once", async () => {
    const { db } = test.handle;
    tsa.setDown(503);
    const grantedBefore = tsa.granted();
    const now = new Date("2026-12-02T09:00:00Z");
    const owner = await userByEmail(db, "impresa@demo.test");
    const praticaId = await completeDraft(db, files, owner);
    const submitted = await submitPratica(db, services, owner, {
      praticaId,
      submissionKey: `key-${praticaId}`,
      declared: true,
      now,
    });
    expect(submitted.ok).toBe(true);

    // Issued and readable at once, sealed without its timestamp, marked pending.
    const issued = await receiptOf(db, praticaId);
    expect(issued.seal_status).toBe("pending");
    const issuedBytes = new Uint8Array(await files.get(issued.storage_key));
    expect(pdfsig(issuedBytes, `${kind}-issued.pdf`)).toMatch(/Signature Validation: Signature is Valid/);
    const pending = await documentSeal(db, files, issued.verification_code);
    expect(pending).toMatchObject({ status: "valid", completion: "timestamp", timestamped: false });
    const [call] = await db
      .selectFrom("integration_calls")
      .selectAll()
      .where("pratica_id", "=", praticaId)
      .where("kind", "=", "seal")
      .execute();
    expect(call).toMatchObject({
      status: "queued",
      operation: "complete",
      idempotency_key: `seal:${issued.id}`,
    });

    // TSA down: one failed attempt, retried later; the document is untouched.
    const first = await runner(() => new Date(now.getTime() + 1000));
    expect(first).toMatchObject({ claimed: 1, retry: 1 });
    const waiting = await db
      .selectFrom("integration_calls")
      .selectAll()
      .where("id", "=", call!.id)
      .executeTakeFirstOrThrow();
    expect(waiting).toMatchObject({ status: "queued", attempts: 1 });
    expect(waiting.last_error).toMatch(/HTTP 503/);
    // The TSA's HTTP status is recorded with the failure and reaches the administrator's page.
    expect(waiting.last_http_status).toBe(503);
    expect((await openCallViews(db, { praticaId })).find((v) => v.id === call!.id)).toMatchObject({
      lastHttpStatus: 503,
      lastError: expect.stringMatching(/HTTP 503/),
    });
    expect(await receiptOf(db, praticaId)).toMatchObject({ seal_status: "pending", sha256: issued.sha256 });
    // Not due before its backoff.
    expect((await runner(() => new Date(now.getTime() + 5000))).claimed).toBe(0);

    // TSA up: the retry adds the token once.
    tsa.setDown(null);
    const second = await runner(() => new Date(now.getTime() + 2 * 60_000));
    expect(second).toMatchObject({ claimed: 1, done: 1 });
    expect(tsa.granted() - grantedBefore).toBe(1);
    const applied = await receiptOf(db, praticaId);
    expect(applied).toMatchObject({ seal_status: "applied", issued_sha256: issued.sha256 });
    expect(applied.sha256).not.toBe(issued.sha256);
    const finalBytes = new Uint8Array(await files.get(applied.storage_key));
    // Only the signature's unsigned attributes changed: same length, the signed bytes untouched.
    expect(finalBytes.length).toBe(issuedBytes.length);
    expect(pdfsig(finalBytes, `${kind}-final.pdf`)).toMatch(/Signature Validation: Signature is Valid/);
    const report = await verifier.verify({ filename: "ricevuta.pdf", bytes: finalBytes });
    expect(report.outcome).toBe("valid");
    expect(report.signatures.at(-1)!.signingTimeSource).toBe("timestamp");
    expect(await documentSeal(db, files, issued.verification_code)).toMatchObject({
      status: "valid",
      completion: null,
      timestamped: true,
    });

    // Applied once: nothing left due, and the same call run again (a lost lease) asks the TSA for nothing.
    expect((await runner(() => new Date(now.getTime() + 60 * 60_000))).claimed).toBe(0);
    const again = await sealHandler(parseEnv({ NODE_ENV: "test" }), services.sealer).execute(call!, {
      db,
      files,
      now: () => new Date(),
    });
    expect(again).toMatchObject({ ok: true, result: { sha256: applied.sha256 } });
    expect(tsa.granted() - grantedBefore).toBe(1);

    // The result is in the pratica's audit chain.
    const events = await db
      .selectFrom("events")
      .select(["type"])
      .where("pratica_id", "=", praticaId)
      .execute();
    expect(events.map((e) => e.type)).toContain("INTEGRATION_RESULT");
    expect((await verifyChains(db, praticaId)).problems).toEqual([]);
  });
});
