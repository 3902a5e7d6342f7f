// CAdES and PAdES verification against a corpus the test builds: every refusal reason the issue names
// (altered content, certificate expired on the signing date, unknown issuer, signer not the declarant) and
// the checks around them (revocation by CRL over HTTP, "unknown" when unreachable, inner file type).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeIncremental } from "~/server/integrations/seal/pades.server";
import { createCms } from "~/server/integrations/signature/cms-sign.server";
import type { SignatureReport } from "~/server/integrations/signature/port.server";
import { addToTrustStore, emptyTrustStore } from "~/server/integrations/signature/trust.server";
import { LocalSignatureVerifier } from "~/server/integrations/signature/verify.server";
import { type PDFDict, PDFDocument, PDFName, type PDFRef, PDFString } from "pdf-lib";
import {
  base64,
  buildCorpus,
  type Corpus,
  cades,
  DECLARANT,
  OTHER,
  pades,
  pem,
  samplePdf,
  signer,
  tamper,
} from "./corpus";

let c: Corpus;
let verifier: LocalSignatureVerifier;
let pdf: Uint8Array;
const dir = mkdtempSync(path.join(os.tmpdir(), "suap-sig-"));
const declarant = [{ role: "declarant" as const, ...DECLARANT }];

beforeAll(async () => {
  c = await buildCorpus();
  const trust = emptyTrustStore();
  addToTrustStore(trust, "root.pem", new Uint8Array(Buffer.from(c.root.pem)));
  verifier = new LocalSignatureVerifier(trust, { fetchTimeoutMs: 2000 });
  pdf = await samplePdf();
}, 120_000);
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

const statusOf = (r: SignatureReport, name: string) =>
  [...r.signatures.flatMap((s) => s.checks), ...r.checks].filter((k) => k.name === name).map((k) => k.status);

describe("CAdES (.p7m)", () => {
  it("accepts a valid attached DER envelope and reports signer, issuer, signing time and every check", async () => {
    const signedAt = new Date(Date.now() - 3600_000);
    const p7m = await cades(pdf, c.valid, c, signedAt);
    const r = await verifier.verify({
      filename: "planimetria.pdf.p7m",
      bytes: p7m,
      expectedSigners: declarant,
    });
    expect(r.format).toBe("cades");
    expect(r.encoding).toBe("der");
    expect(r.outcome).toBe("valid");
    expect(r.problem).toBeNull();
    const s = r.signatures[0]!;
    expect(s.signer).toEqual({ name: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U" });
    expect(s.issuer).toBe("Test Firma Qualificata CA, Prove SUAP");
    expect(s.signingTime).toBe(new Date(Math.floor(signedAt.getTime() / 1000) * 1000).toISOString());
    expect(s.signingTimeSource).toBe("signed-attribute");
    expect(s.checks.map((k) => [k.name, k.status])).toEqual([
      ["integrity", "passed"],
      ["signingTime", "passed"],
      ["validity", "passed"],
      ["keyUsage", "passed"],
      ["chain", "passed"],
      ["revocation", "passed"],
    ]);
    expect(s.checks.every((k) => !Number.isNaN(Date.parse(k.at)))).toBe(true);
    expect(statusOf(r, "innerType")).toEqual(["passed"]);
    expect(statusOf(r, "signer")).toEqual(["passed"]);
    expect(r.innerKind).toBe("pdf");
    // An independent verifier agrees: OpenSSL's CMS verification against the same root.
    const file = path.join(dir, "valid.p7m");
    const ca = path.join(dir, "ca-bundle.pem");
    writeFileSync(file, p7m);
    writeFileSync(ca, `${c.root.pem}\n${c.intermediate.pem}\n`);
    const out = execFileSync(
      "openssl",
      [
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        file,
        "-CAfile",
        ca,
        "-purpose",
        "any",
        "-out",
        `${file}.pdf`,
      ],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    expect(out + execFileSync("cmp", [`${file}.pdf`, "-"], { input: pdf, encoding: "utf8" })).toBe("");
  });

  it("reads the PEM and bare base64 forms", async () => {
    const der = await cades(pdf, c.valid, c);
    const a = await verifier.verify({ filename: "a.pdf.p7m", bytes: pem(der) });
    const b = await verifier.verify({ filename: "a.pdf.p7m", bytes: base64(der) });
    expect([a.encoding, a.outcome]).toEqual(["pem", "valid"]);
    expect([b.encoding, b.outcome]).toEqual(["base64", "valid"]);
  });

  it("verifies every layer of a nested envelope and types the innermost file", async () => {
    const inner = await cades(pdf, c.valid, c);
    const outer = await cades(inner, c.other, c);
    const r = await verifier.verify({ filename: "a.pdf.p7m.p7m", bytes: outer, expectedSigners: declarant });
    expect(r.outcome).toBe("valid");
    expect(r.signatures.map((s) => [s.level, s.signer.fiscalCode])).toEqual([
      [1, OTHER.fiscalCode],
      [2, DECLARANT.fiscalCode],
    ]);
    expect(r.innerKind).toBe("pdf");
    expect(statusOf(r, "innerType")).toEqual(["passed"]);
  });

  it("refuses content altered after signing", async () => {
    const p7m = tamper(await cades(pdf, c.valid, c), "%%EOF");
    const r = await verifier.verify({ filename: "a.pdf.p7m", bytes: p7m });
    expect(r.outcome).toBe("invalid");
    expect(statusOf(r, "integrity")).toEqual(["failed"]);
    expect(r.problem?.it).toMatch(/stato modificato dopo la firma di Mario Rossi/);
  });

  it("refuses a certificate expired on the signing date", async () => {
    const r = await verifier.verify({ filename: "a.pdf.p7m", bytes: await cades(pdf, c.expired, c) });
    expect(r.outcome).toBe("invalid");
    expect(statusOf(r, "validity")).toEqual(["failed"]);
    expect(r.problem?.it).toMatch(/era scaduto alla data della firma/);
  });

  it("accepts an expired certificate when the signing date is within its validity", async () => {
    const when = new Date(Date.now() - 60 * 24 * 3600_000);
    const r = await verifier.verify({ filename: "a.pdf.p7m", bytes: await cades(pdf, c.expired, c, when) });
    expect(statusOf(r, "validity")).toEqual(["passed"]);
    expect(r.outcome).toBe("valid");
  });

  it("refuses a certificate revoked before the signature (CRL fetched from the distribution point)", async () => {
    const r = await verifier.verify({ filename: "a.pdf.p7m", bytes: await cades(pdf, c.revoked, c) });
    expect(r.outcome).toBe("invalid");
    expect(statusOf(r, "revocation")).toEqual(["failed"]);
    expect(r.problem?.it).toMatch(/era stato revocato il .*prima della firma/);
  });

  it("refuses an unknown issuer", async () => {
    const p7m = await createCms(pdf, signer(c.untrusted), { detached: false, signingTime: new Date() });
    const r = await verifier.verify({ filename: "a.pdf.p7m", bytes: p7m });
    expect(r.outcome).toBe("invalid");
    expect(statusOf(r, "chain")).toEqual(["failed"]);
    expect(r.problem?.it).toMatch(/emesso da un ente non riconosciuto \(Sconosciuta CA, Nessuno\)/);
  });

  it("refuses a file signed by someone who is not the declarant", async () => {
    const r = await verifier.verify({
      filename: "a.pdf.p7m",
      bytes: await cades(pdf, c.other, c),
      expectedSigners: declarant,
    });
    expect(r.outcome).toBe("invalid");
    expect(r.signatures[0]!.outcome).toBe("valid");
    expect(r.problem?.it).toBe(
      "Il file è firmato da Giulia Bianchi (BNCGLI85M41D612X), che non è il dichiarante: deve firmarlo Mario Rossi (RSSMRA80A01H501U).",
    );
  });

  it("refuses an authentication certificate (no non-repudiation)", async () => {
    const r = await verifier.verify({ filename: "a.pdf.p7m", bytes: await cades(pdf, c.authOnly, c) });
    expect(statusOf(r, "keyUsage")).toEqual(["failed"]);
    expect(r.outcome).toBe("invalid");
  });

  it("says revocation is unknown, never valid, when neither CRL nor OCSP answers", async () => {
    const r = await verifier.verify({ filename: "a.pdf.p7m", bytes: await cades(pdf, c.unreachable, c) });
    expect(statusOf(r, "revocation")).toEqual(["unknown"]);
    expect(r.outcome).toBe("indeterminate");
  });

  it("refuses a .pdf.p7m that does not hold a PDF", async () => {
    const xml = new Uint8Array(Buffer.from("<?xml version='1.0'?><a/>"));
    const r = await verifier.verify({ filename: "planimetria.pdf.p7m", bytes: await cades(xml, c.valid, c) });
    expect(statusOf(r, "innerType")).toEqual(["failed"]);
    expect(r.outcome).toBe("invalid");
    expect(r.problem?.it).toMatch(/promette un file PDF/);
  });
});

function pdfsig(bytes: Uint8Array): string {
  const file = path.join(dir, `f-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  try {
    return execFileSync("pdfsig", [file], { encoding: "utf8" });
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe("PAdES (signed PDF)", () => {
  it("verifies a signed PDF, and pdfsig agrees", async () => {
    const signed = await pades(pdf, c.valid, c);
    const r = await verifier.verify({ filename: "a.pdf", bytes: signed, expectedSigners: declarant });
    expect(r.format).toBe("pades");
    expect(r.outcome).toBe("valid");
    expect(r.signatures[0]!.signer.fiscalCode).toBe(DECLARANT.fiscalCode);
    expect(r.signatures[0]!.signingTimeSource).toBe("pdf-claim");
    expect(statusOf(r, "coverage")).toEqual(["passed"]);
    expect(pdfsig(signed)).toMatch(/Signature Validation: Signature is Valid/);
  });

  it("verifies several signatures added as incremental updates; each stays valid for pdfsig", async () => {
    const once = await pades(pdf, c.valid, c, "Primo");
    const twice = await pades(once, c.other, c, "Secondo");
    expect(Buffer.from(twice.subarray(0, once.length)).equals(Buffer.from(once))).toBe(true);
    const r = await verifier.verify({ filename: "a.pdf", bytes: twice, expectedSigners: declarant });
    expect(r.signatures.map((s) => [s.signer.fiscalCode, s.outcome])).toEqual([
      [DECLARANT.fiscalCode, "valid"],
      [OTHER.fiscalCode, "valid"],
    ]);
    expect(r.outcome).toBe("valid");
    const out = pdfsig(twice);
    expect(out.match(/Signature is Valid/g)).toHaveLength(2);
  });

  it("warns about an incremental update after the last signature", async () => {
    const signed = await pades(pdf, c.valid, c);
    const doc = await PDFDocument.load(signed);
    const infoRef = doc.context.trailerInfo.Info as PDFRef;
    const info = doc.context.lookup(infoRef) as PDFDict;
    info.set(PDFName.of("Title"), PDFString.of("Cambiato dopo la firma"));
    const later = writeIncremental(signed, doc, [infoRef]);
    const r = await verifier.verify({ filename: "a.pdf", bytes: new Uint8Array(later) });
    expect(statusOf(r, "coverage")).toEqual(["warning"]);
    expect(r.checks[0]!.message.it).toMatch(/modificato dopo l'ultima firma/);
    expect(r.signatures[0]!.outcome).toBe("valid");
  });

  it("refuses a signed PDF altered inside the signed bytes", async () => {
    const signed = tamper(await pades(pdf, c.valid, c), "/Type /Catalog");
    const r = await verifier.verify({ filename: "a.pdf", bytes: signed });
    expect(r.outcome).toBe("invalid");
    expect(r.problem?.it).toMatch(/modificato dopo la firma/);
    expect(pdfsig(signed)).not.toMatch(/Signature is Valid/);
  });

  it("reports an unsigned PDF as unsigned, with a sentence saying so", async () => {
    const r = await verifier.verify({ filename: "pianta.pdf", bytes: pdf });
    expect(r.outcome).toBe("unsigned");
    expect(r.problem?.it).toBe(
      "Il file «pianta.pdf» non è firmato digitalmente: firmalo con la tua firma digitale (file .p7m o PDF firmato) e caricalo di nuovo.",
    );
  });
});
