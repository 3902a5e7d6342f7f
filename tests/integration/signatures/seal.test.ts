// The seal: every PDF the SUAP issues gets a PAdES (ETSI.CAdES.detached) seal from the PKCS#12 in SEAL_P12,
// or the generated development one; with TSA_URL an RFC 3161 timestamp (a local TSA double on loopback).
// Every sealed file is checked by poppler's pdfsig, an independent verifier.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "~/server/env.server";
import { developmentPki } from "~/server/integrations/seal/development.server";
import { writePkcs12 } from "~/server/integrations/seal/p12.server";
import { DEMO_OFFICER, loadOfficerSigner } from "~/server/integrations/seal/officer.server";
import { loadSealer } from "~/server/integrations/seal/registry.server";
import { startTsaDouble } from "~/server/integrations/seal/tsa-double.server";
import { loadVerifier } from "~/server/integrations/signature/registry.server";
import { addToTrustStore, emptyTrustStore } from "~/server/integrations/signature/trust.server";
import { LocalSignatureVerifier } from "~/server/integrations/signature/verify.server";
import { buildCorpus, type Corpus, samplePdf, signer } from "./corpus";

const dir = mkdtempSync(path.join(os.tmpdir(), "suap-seal-"));
let c: Corpus;
let pdf: Uint8Array;
beforeAll(async () => {
  c = await buildCorpus();
  pdf = await samplePdf("Ricevuta di presentazione");
}, 120_000);
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function tool(name: string, args: string[]) {
  try {
    return execFileSync(name, args, { encoding: "utf8" });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}
function save(bytes: Uint8Array) {
  const file = path.join(dir, `sealed-${++n}.pdf`);
  writeFileSync(file, bytes);
  return file;
}
const pdfsig = (bytes: Uint8Array) => tool("pdfsig", [save(bytes)]);
function pdftotext(bytes: Uint8Array) {
  const file = save(bytes);
  tool("pdftotext", ["-enc", "UTF-8", file, `${file}.txt`]);
  return readFileSync(`${file}.txt`, "utf8");
}

describe("development seal (no configuration)", () => {
  it("generates a development CA and a NOT qualified seal in DATA_DIR, seals a valid PAdES that pdfsig accepts", async () => {
    const env = parseEnv({ DATA_DIR: path.join(dir, "data"), NODE_ENV: "test" });
    const sealer = await loadSealer(env);
    expect(sealer.info).toMatchObject({ qualified: false, development: true, timestamped: false });
    expect(sealer.info.subject).toMatch(/sigillo di sviluppo NON qualificato/);
    const sealed = await sealer.seal(pdf, { reason: "Ricevuta di presentazione" });
    const out = pdfsig(sealed);
    expect(out).toMatch(/Signature Type: ETSI\.CAdES\.detached/);
    expect(out).toMatch(/Signature Validation: Signature is Valid/);
    expect(out).toMatch(/Total document signed/);
    expect(pdftotext(sealed)).toMatch(/Ricevuta di presentazione/);
    // The portal's own verifier trusts the development CA outside production.
    const report = await (await loadVerifier(env)).verify({ filename: "ricevuta.pdf", bytes: sealed });
    expect(report.outcome).toBe("valid");
    expect(report.signatures[0]!.issuer).toMatch(/SUAP Sviluppo CA - NON qualificata/);
    // Generated once: a second boot reuses the same CA and seal.
    const pki = await developmentPki(env.DATA_DIR);
    const again = await loadSealer(env);
    expect(again.info.subject).toBe(sealer.info.subject);
    expect(readFileSync(pki.caPath, "utf8")).toMatch(/BEGIN CERTIFICATE/);
  });

  it("is refused in production: SEAL_P12 and TRUST_ANCHORS are required there", async () => {
    const env = parseEnv({
      DATA_DIR: path.join(dir, "prod"),
      NODE_ENV: "production",
      SESSION_SECRET: "x".repeat(40),
    });
    await expect(loadSealer(env)).rejects.toThrow(ConfigError);
    await expect(loadSealer(env)).rejects.toThrow(/SEAL_P12 è obbligatoria in produzione/);
    await expect(loadVerifier(env)).rejects.toThrow(/TRUST_ANCHORS è obbligatoria in produzione/);
  });
});

describe("SEAL_P12", () => {
  it("seals with the configured PKCS#12, with an RFC 3161 timestamp from TSA_URL", async () => {
    const p12 = path.join(dir, "seal.p12");
    writeFileSync(p12, writePkcs12(c.valid.keyPem, [c.valid.pem, c.intermediate.pem], "segreta"));
    const tsa = await startTsaDouble(signer(c.tsa));
    try {
      const env = parseEnv({ DATA_DIR: dir, SEAL_P12: p12, SEAL_P12_PASSWORD: "segreta", TSA_URL: tsa.url });
      const sealer = await loadSealer(env);
      expect(sealer.info).toMatchObject({ development: false, timestamped: true, qualified: true });
      const sealed = await sealer.seal(pdf, { reason: "Provvedimento" });
      const out = pdfsig(sealed);
      expect(out).toMatch(/Signature Validation: Signature is Valid/);
      const trust = emptyTrustStore();
      addToTrustStore(trust, "root.pem", new Uint8Array(Buffer.from(c.root.pem)));
      const report = await new LocalSignatureVerifier(trust).verify({ filename: "p.pdf", bytes: sealed });
      expect(report.outcome).toBe("valid");
      expect(report.signatures[0]!.signingTimeSource).toBe("timestamp");
      expect(Math.abs(Date.parse(report.signatures[0]!.signingTime) - Date.now())).toBeLessThan(120_000);
    } finally {
      await tsa.close();
    }
  });

  it("stops the boot with one sentence on a wrong password or a missing file", async () => {
    const p12 = path.join(dir, "seal2.p12");
    writeFileSync(p12, writePkcs12(c.valid.keyPem, [c.valid.pem], "giusta"));
    await expect(
      loadSealer(parseEnv({ DATA_DIR: dir, SEAL_P12: p12, SEAL_P12_PASSWORD: "sbagliata" })),
    ).rejects.toThrow(/SEAL_P12 il file PKCS#12 non si apre .*Controlla SEAL_P12_PASSWORD/);
    await expect(
      loadSealer(parseEnv({ DATA_DIR: dir, SEAL_P12: path.join(dir, "nessuno.p12") })),
    ).rejects.toThrow(/SEAL_P12 indica un file che non si legge/);
  });

  it("reads a PKCS#12 written by OpenSSL", async () => {
    const key = path.join(dir, "k.pem");
    const crt = path.join(dir, "c.pem");
    writeFileSync(key, c.other.keyPem);
    writeFileSync(crt, c.other.pem);
    const p12 = path.join(dir, "openssl.p12");
    execFileSync(
      "openssl",
      ["pkcs12", "-export", "-inkey", key, "-in", crt, "-out", p12, "-passout", "pass:ossl", "-legacy"],
      {
        stdio: "ignore",
      },
    );
    const sealer = await loadSealer(parseEnv({ DATA_DIR: dir, SEAL_P12: p12, SEAL_P12_PASSWORD: "ossl" }));
    expect(sealer.info.subject).toBe("Giulia Bianchi");
    expect(pdfsig(await sealer.seal(pdf, { reason: "x" }))).toMatch(/Signature is Valid/);
  });
});

describe("officers sign decisions", () => {
  it("the demo officer signs a provvedimento, the seal follows in an incremental update, both valid", async () => {
    const env = parseEnv({ DATA_DIR: path.join(dir, "officer"), NODE_ENV: "test" });
    const officer = await loadOfficerSigner(env);
    const sealer = await loadSealer(env);
    const decision = await sealer.seal(await officer!.seal(pdf, { reason: "Firma del responsabile" }), {
      reason: "Provvedimento",
    });
    const out = pdfsig(decision);
    expect(out.match(/Signature Validation: Signature is Valid/g)).toHaveLength(2);
    expect(out).toMatch(/Signer Certificate Common Name: Luca Bianchi/);
    const report = await (await loadVerifier(env)).verify({ filename: "provvedimento.pdf", bytes: decision });
    expect(report.outcome).toBe("valid");
    expect(report.signatures.map((s) => s.signer.name)).toEqual([
      "Luca Bianchi",
      "SUAP Alta Val di Cecina - sigillo di sviluppo NON qualificato",
    ]);
    expect(report.signatures[0]!.signer.fiscalCode).toBe(DEMO_OFFICER.fiscalCode);
  });

  it("has no development adapter in production", async () => {
    const env = parseEnv({
      DATA_DIR: path.join(dir, "prod2"),
      NODE_ENV: "production",
      SESSION_SECRET: "x".repeat(40),
    });
    expect(await loadOfficerSigner(env)).toBeUndefined();
  });
});
