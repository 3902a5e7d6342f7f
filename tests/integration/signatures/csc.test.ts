// The remote qualified seal over the Cloud Signature Consortium API v2 (ADR 0024): the portal assembles the
// PAdES, the service (here its development double on loopback, which really signs with a generated key and
// checks the protocol) signs the hash of the signed attributes. Every sealed file is checked by pdfsig and by
// our verifier; a refused secret, an unknown credential and a service that is down give one clear sentence,
// and through the seal queue the document stays pending (never shown as sealed) until a retry seals it.
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
import { ConfigError, parseEnv } from "~/server/env.server";
import { submitPratica } from "~/server/filing/submit.server";
import { adapterChoice } from "~/server/integrations/registry.server";
import { startCscDouble } from "~/server/integrations/seal/csc-double.server";
import { CscError, CscSealer, OID_SHA256, OID_SHA256_RSA } from "~/server/integrations/seal/csc.server";
import { sealHandler } from "~/server/integrations/seal/handler.server";
import { loadSealer } from "~/server/integrations/seal/registry.server";
import { documentSeal } from "~/server/integrations/seal/report.server";
import { startTsaDouble } from "~/server/integrations/seal/tsa-double.server";
import { openCallViews } from "~/server/integrations/queue.server";
import { issueCertificate, KeyUsage } from "~/server/integrations/signature/pki.server";
import { addToTrustStore, emptyTrustStore } from "~/server/integrations/signature/trust.server";
import { LocalSignatureVerifier } from "~/server/integrations/signature/verify.server";
import { signatureRuntime } from "~/server/integrations/signatures.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { LocalFileStore } from "~/server/storage.server";
import { completeDraft } from "../filing/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { buildCorpus, type Corpus, samplePdf, signer } from "./corpus";

const dir = mkdtempSync(path.join(os.tmpdir(), "suap-csc-"));
const saved = { ...signatureRuntime };
const CLIENT = { clientId: "portale-suap", clientSecret: "segreto-del-portale" };
const SEAL_ID = "sigillo-suap-001";
const PIN_ID = "sigillo-con-pin";
let c: Corpus;
let csc: Awaited<ReturnType<typeof startCscDouble>>;
let verifier: LocalSignatureVerifier;
let pdf: Uint8Array;

beforeAll(async () => {
  c = await buildCorpus();
  pdf = await samplePdf("Ricevuta di presentazione");
  // The service's seal key and certificate, generated for this run under the corpus's intermediate CA.
  const seal = await issueCertificate({
    subject: "CN=SUAP Alta Val di Cecina - sigillo remoto di prova,O=SUAP Alta Val di Cecina,C=IT",
    issuer: c.intermediate,
    keyUsage: KeyUsage.nonRepudiation | KeyUsage.digitalSignature,
    crlUrl: c.crlUrl,
  });
  const certificates = [seal.der, c.intermediate.der, c.root.der];
  csc = await startCscDouble({
    ...CLIENT,
    credentials: [
      { id: SEAL_ID, key: seal.key, certificates },
      { id: PIN_ID, key: seal.key, certificates, pin: "12345678" },
    ],
  });
  const trust = emptyTrustStore();
  addToTrustStore(trust, "root.pem", new Uint8Array(Buffer.from(c.root.pem)));
  verifier = new LocalSignatureVerifier(trust);
  signatureRuntime.verifier = verifier;
}, 120_000);
afterAll(async () => {
  signatureRuntime.verifier = saved.verifier;
  await csc?.close();
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function pdfsig(bytes: Uint8Array) {
  const file = path.join(dir, `csc-${++n}.pdf`);
  writeFileSync(file, bytes);
  try {
    return execFileSync("pdfsig", [file], { encoding: "utf8" });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

const settings = (over: Partial<ConstructorParameters<typeof CscSealer>[0]> = {}) => ({
  url: csc.url,
  ...CLIENT,
  credentialId: SEAL_ID,
  ...over,
});

async function failure(p: Promise<unknown>): Promise<CscError> {
  try {
    await p;
  } catch (error) {
    return error as CscError;
  }
  throw new Error("expected a failure");
}

describe("CSC v2 remote seal through the development double", () => {
  it("seals a receipt: the hash goes to signHash with a SAD, pdfsig and our verifier say valid", async () => {
    const before = csc.requests().length;
    const sealer = new CscSealer(settings());
    expect(sealer.deferred).toBe("seal");
    // Inside the issuing transaction nothing happens (and nothing is called).
    expect(await sealer.sealNow(pdf)).toBe(pdf);
    expect(csc.requests().length).toBe(before);
    const sealed = await sealer.complete(pdf, { reason: "Ricevuta di presentazione", idempotencyKey: "k" });
    expect(csc.requests().slice(before)).toEqual([
      "/csc/v2/info",
      "/oauth2/token",
      "/csc/v2/credentials/list",
      "/csc/v2/credentials/info",
      "/csc/v2/credentials/authorize",
      "/csc/v2/signatures/signHash",
    ]);
    const out = pdfsig(sealed);
    expect(out).toMatch(/Signature Type: ETSI\.CAdES\.detached/);
    expect(out).toMatch(/Signature Validation: Signature is Valid/);
    expect(out).toMatch(/Total document signed/);
    const report = await verifier.verify({ filename: "ricevuta.pdf", bytes: sealed });
    expect(report.outcome).toBe("valid");
    expect(report.signatures[0]!.signer.name).toMatch(/sigillo remoto di prova/);
    expect(report.signatures[0]!.issuer).toMatch(/Test Firma Qualificata CA/);
    // Once the credential was read, the seal describes its certificate.
    expect(sealer.info).toMatchObject({ development: false, service: `remote:${csc.url}` });
    expect(sealer.info.subject).toMatch(/sigillo remoto di prova/);
    // A second seal reuses the token and the credential: only authorize + signHash.
    const mark = csc.requests().length;
    const again = await sealer.seal(pdf, { reason: "Ricevuta" });
    expect(csc.requests().slice(mark)).toEqual([
      "/csc/v2/credentials/authorize",
      "/csc/v2/signatures/signHash",
    ]);
    expect(pdfsig(again)).toMatch(/Signature Validation: Signature is Valid/);
  });

  it("with a TSA the remote seal carries an RFC 3161 timestamp, still valid for pdfsig", async () => {
    const tsa = await startTsaDouble(signer(c.tsa));
    try {
      const sealed = await new CscSealer(settings({ tsaUrl: tsa.url })).seal(pdf, { reason: "Ricevuta" });
      expect(pdfsig(sealed)).toMatch(/Signature Validation: Signature is Valid/);
      const report = await verifier.verify({ filename: "ricevuta.pdf", bytes: sealed });
      expect(report.outcome).toBe("valid");
      expect(report.signatures[0]!.signingTimeSource).toBe("timestamp");
    } finally {
      await tsa.close();
    }
  });

  it("a credential with a PIN: authorize sends it (authData); without CSC_PIN or with a wrong one, one sentence", async () => {
    const sealed = await new CscSealer(settings({ credentialId: PIN_ID, pin: "12345678" })).seal(pdf, {
      reason: "Ricevuta",
    });
    expect(pdfsig(sealed)).toMatch(/Signature Validation: Signature is Valid/);
    const missing = await failure(
      new CscSealer(settings({ credentialId: PIN_ID })).seal(pdf, { reason: "R" }),
    );
    expect(missing.message).toMatch(/chiede un PIN \(CSC_PIN\), che non è configurato/);
    const wrong = await failure(
      new CscSealer(settings({ credentialId: PIN_ID, pin: "00000000" })).seal(pdf, { reason: "R" }),
    );
    expect(wrong).toBeInstanceOf(CscError);
    expect(wrong.message).toMatch(/non ha autorizzato la credenziale \(controlla CSC_PIN/);
    expect(wrong.httpStatus).toBe(400);
  });

  it("wrong client secret, unknown credential, service down: clear errors, no file", async () => {
    const secret = await failure(
      new CscSealer(settings({ clientSecret: "segreto-sbagliato" })).seal(pdf, { reason: "R" }),
    );
    expect(secret.message).toMatch(/rifiutato CSC_CLIENT_ID o CSC_CLIENT_SECRET/);
    expect(secret.message).toMatch(/invalid_client/);
    expect(secret.httpStatus).toBe(401);

    const unknown = await failure(
      new CscSealer(settings({ credentialId: "non-esiste" })).seal(pdf, { reason: "R" }),
    );
    expect(unknown.message).toMatch(
      /La credenziale «non-esiste» \(CSC_CREDENTIAL_ID\) non è tra quelle del servizio di sigillo remoto/,
    );

    const closed = await startCscDouble({ ...CLIENT, credentials: [] });
    const url = closed.url;
    await closed.close();
    const down = await failure(new CscSealer(settings({ url })).seal(pdf, { reason: "R" }));
    expect(down.message).toMatch(/Servizio di sigillo remoto \(CSC\) non raggiungibile/);

    csc.setDown(503);
    try {
      const busy = await failure(new CscSealer(settings()).seal(pdf, { reason: "R" }));
      expect(busy.httpStatus).toBe(503);
      expect(busy.message).toMatch(/HTTP 503/);
    } finally {
      csc.setDown(null);
    }
  });

  it("the double checks the protocol: bearer token, hash length, signAlgo, SAD bound to the hashes and used once", async () => {
    const post = async (p: string, body: unknown, token?: string) => {
      const r = await fetch(`${csc.url}${p}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as Record<string, string> };
    };
    expect((await post("/csc/v2/credentials/list", {})).status).toBe(401);
    const tokenResponse = await fetch(`${csc.url}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        ...{ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret },
      }).toString(),
    });
    const token = ((await tokenResponse.json()) as { access_token: string }).access_token;
    const hash = Buffer.alloc(32, 7).toString("base64");
    const other = Buffer.alloc(32, 9).toString("base64");
    const short = Buffer.alloc(31, 7).toString("base64");
    const authorize = (hashes: string[]) =>
      post(
        "/csc/v2/credentials/authorize",
        { credentialID: SEAL_ID, numSignatures: hashes.length, hashes, hashAlgorithmOID: OID_SHA256 },
        token,
      );
    expect((await authorize([short])).body.error_description).toMatch(/32 bytes/);
    const { SAD } = (await authorize([hash])).body;
    const sign = (hashes: string[], sad: string | undefined, signAlgo = OID_SHA256_RSA) =>
      post(
        "/csc/v2/signatures/signHash",
        { credentialID: SEAL_ID, SAD: sad, hashes, hashAlgorithmOID: OID_SHA256, signAlgo },
        token,
      );
    expect((await sign([hash], undefined)).body.error_description).toMatch(/SAD/);
    expect((await sign([other], SAD)).body.error_description).toMatch(/not those the SAD was issued for/);
    expect((await sign([hash], SAD, "1.2.840.10045.4.3.2")).body.error_description).toMatch(/signAlgo/);
    const ok = await sign([hash], SAD);
    expect(ok.status).toBe(200);
    expect(Buffer.from((ok.body.signatures as unknown as string[])[0]!, "base64").length).toBe(256);
    // Used once.
    expect((await sign([hash], SAD)).body.error_description).toMatch(/SAD/);
  });

  it("configuration: SEAL_PROVIDER=csc needs its four variables, excludes SEAL_P12, https in production", async () => {
    expect(() => parseEnv({ SEAL_PROVIDER: "csc", CSC_URL: csc.url })).toThrow(
      /con SEAL_PROVIDER=csc servono CSC_CLIENT_ID, CSC_CLIENT_SECRET, CSC_CREDENTIAL_ID/,
    );
    const full = {
      SEAL_PROVIDER: "csc",
      CSC_URL: csc.url,
      CSC_CLIENT_ID: CLIENT.clientId,
      CSC_CLIENT_SECRET: CLIENT.clientSecret,
      CSC_CREDENTIAL_ID: SEAL_ID,
    };
    expect(() => parseEnv({ ...full, SEAL_P12: "/tmp/x.p12" })).toThrow(
      /SEAL_P12 e SEAL_PROVIDER=csc si escludono/,
    );
    expect(() => parseEnv({ ...full, NODE_ENV: "production", SESSION_SECRET: "x".repeat(40) })).toThrow(
      /CSC_URL deve usare https:\/\/ in produzione/,
    );
    expect(() => parseEnv({ SEAL_PROVIDER: "hsm" })).toThrow(ConfigError);
    const env = parseEnv({ ...full, DATA_DIR: dir });
    expect(adapterChoice(env, "seal")).toEqual({ adapter: "real", target: `csc:${csc.url}` });
    const sealer = await loadSealer(env);
    expect(sealer).toBeInstanceOf(CscSealer);
    expect(sealer.deferred).toBe("seal");
    // A CSC service counts as the real adapter in production too (no SEAL_P12 needed there).
    const prod = parseEnv({
      ...full,
      CSC_URL: "https://firma.example.it",
      NODE_ENV: "production",
      SESSION_SECRET: "x".repeat(40),
    });
    expect(adapterChoice(prod, "seal")).toMatchObject({ adapter: "real" });
  });

  it("the double refuses to start in production", async () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      await expect(startCscDouble({ ...CLIENT, credentials: [] })).rejects.toThrow(
        /non si avvia in produzione/,
      );
    } finally {
      process.env.NODE_ENV = before;
    }
  });
});

describe.each(DATABASES)("the CSC seal through the integration queue on %s", (kind) => {
  let test: TestDatabase;
  const files = new LocalFileStore(path.join(dir, kind, "files"));
  const baseEnv = {
    DATA_DIR: dir,
    SEAL_PROVIDER: "csc",
    CSC_CLIENT_ID: CLIENT.clientId,
    CSC_CREDENTIAL_ID: SEAL_ID,
  };
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
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

  it("issues the receipt pending and unsealed; 503 and a refused secret are retried; the retry seals it", async () => {
    const { db } = test.handle;
    const env = parseEnv({ ...baseEnv, CSC_URL: csc.url, CSC_CLIENT_SECRET: CLIENT.clientSecret });
    const wrongEnv = parseEnv({ ...baseEnv, CSC_URL: csc.url, CSC_CLIENT_SECRET: "segreto-sbagliato" });
    const sealer = await loadSealer(env);
    const wrong = await loadSealer(wrongEnv);
    const services: EngineServices = { files, publicUrl: "http://localhost:3000", sealer };
    const runner = (handler: ReturnType<typeof sealHandler>, now: () => Date) =>
      integrationRunner(db, { handlers: new Map([["seal", handler]]), services, now })();

    const now = new Date("2026-12-02T09:00:00Z");
    const owner = await userByEmail(db, "impresa@demo.test");
    const praticaId = await completeDraft(db, files, owner);
    const signedBefore = csc.signed();
    const submitted = await submitPratica(db, services, owner, {
      praticaId,
      submissionKey: `key-${praticaId}`,
      declared: true,
      now,
    });
    expect(submitted.ok).toBe(true);
    // Nothing was asked of the service inside the transaction.
    expect(csc.signed()).toBe(signedBefore);

    const issued = await receiptOf(db, praticaId);
    expect(issued.seal_status).toBe("pending");
    const issuedBytes = new Uint8Array(await files.get(issued.storage_key));
    expect(pdfsig(issuedBytes)).toMatch(/does not contain any signatures/);
    // Never presented as sealed while the seal is owed.
    expect(await documentSeal(db, files, issued.verification_code)).toMatchObject({
      status: "pending",
      completion: "seal",
    });

    // Service down (503): retried, the HTTP status recorded and shown to the administrator.
    csc.setDown(503);
    try {
      expect(await runner(sealHandler(env, sealer), () => new Date(now.getTime() + 1000))).toMatchObject({
        claimed: 1,
        retry: 1,
      });
    } finally {
      csc.setDown(null);
    }
    const [call] = await db
      .selectFrom("integration_calls")
      .selectAll()
      .where("pratica_id", "=", praticaId)
      .where("kind", "=", "seal")
      .execute();
    expect(call).toMatchObject({ status: "queued", attempts: 1, last_http_status: 503 });
    const views = await openCallViews(db, { praticaId });
    expect(views.find((v) => v.id === call!.id)).toMatchObject({ lastHttpStatus: 503 });
    expect(await receiptOf(db, praticaId)).toMatchObject({ seal_status: "pending", sha256: issued.sha256 });

    // A refused client secret (401) is a configuration to fix: still retried, still pending.
    expect(
      await runner(sealHandler(wrongEnv, wrong), () => new Date(now.getTime() + 2 * 60_000)),
    ).toMatchObject({
      claimed: 1,
      retry: 1,
    });
    const refused = await db
      .selectFrom("integration_calls")
      .selectAll()
      .where("id", "=", call!.id)
      .executeTakeFirstOrThrow();
    expect(refused).toMatchObject({ status: "queued", attempts: 2, last_http_status: 401 });
    expect(refused.last_error).toMatch(/CSC_CLIENT_SECRET/);
    expect(await receiptOf(db, praticaId)).toMatchObject({ seal_status: "pending", sha256: issued.sha256 });

    // Fixed: the next retry seals it once.
    expect(await runner(sealHandler(env, sealer), () => new Date(now.getTime() + 60 * 60_000))).toMatchObject(
      {
        claimed: 1,
        done: 1,
      },
    );
    expect(csc.signed() - signedBefore).toBe(1);
    const applied = await receiptOf(db, praticaId);
    expect(applied).toMatchObject({ seal_status: "applied", issued_sha256: issued.sha256 });
    // Issued with the configuration's description; once sealed, the row describes the seal certificate.
    expect((issued.seal as { subject: string }).subject).toBe(`sigillo remoto, credenziale ${SEAL_ID}`);
    expect(applied.seal).toMatchObject({
      subject: expect.stringMatching(/sigillo remoto di prova/),
      issuer: expect.stringMatching(/Test Firma Qualificata CA/),
      service: `remote:${csc.url}`,
      deferred: "seal",
    });
    const finalBytes = new Uint8Array(await files.get(applied.storage_key));
    expect(pdfsig(finalBytes)).toMatch(/Signature Validation: Signature is Valid/);
    expect((await verifier.verify({ filename: "ricevuta.pdf", bytes: finalBytes })).outcome).toBe("valid");
    expect(await documentSeal(db, files, issued.verification_code)).toMatchObject({
      status: "valid",
      completion: null,
    });
    expect((await verifyChains(db, praticaId)).problems).toEqual([]);
  });
});
