// The hooks: an upload where the catalogue requires a signature is refused with the exact reason; elsewhere
// the report is stored with the attachment; every document the SUAP issues is sealed before it is hashed, and
// the seal is checked again on the stored bytes for /verifica.
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues, importCatalogueText } from "~/server/catalogue/import.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { parseEnv } from "~/server/env.server";
import { loadDraft, saveSection, startDraft } from "~/server/filing/drafts.server";
import { visibleSections } from "~/domain/filing/bundle";
import { submitPratica } from "~/server/filing/submit.server";
import { addAttachment } from "~/server/filing/uploads.server";
import { documentSeal } from "~/server/integrations/seal/report.server";
import { loadSealer } from "~/server/integrations/seal/registry.server";
import { type Issued, issueCertificate } from "~/server/integrations/signature/pki.server";
import type { SignatureReport } from "~/server/integrations/signature/port.server";
import { addToTrustStore, emptyTrustStore } from "~/server/integrations/signature/trust.server";
import { LocalSignatureVerifier } from "~/server/integrations/signature/verify.server";
import { signatureRuntime } from "~/server/integrations/signatures.server";
import { LocalFileStore } from "~/server/storage.server";
import { newestShippedJson } from "../catalogue/support/catalogue";
import { ANSWERS, LIMITS, PDF } from "../filing/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { buildCorpus, type Corpus, cades, tamper } from "./corpus";

let c: Corpus;
let maria: Issued;
let expiredMaria: Issued;
const root = mkdtempSync(path.join(os.tmpdir(), "suap-sigfiling-"));
const saved = { ...signatureRuntime };

beforeAll(async () => {
  c = await buildCorpus();
  // The demo declarant (ANSWERS.dich_codice_fiscale) with a valid and an expired certificate.
  const subject = `CN=Maria Rossi,2.5.4.5=TINIT-${ANSWERS.dich_codice_fiscale},C=IT`;
  maria = await issueCertificate({ subject, issuer: c.intermediate, crlUrl: c.crlUrl });
  expiredMaria = await issueCertificate({
    subject,
    issuer: c.intermediate,
    crlUrl: c.crlUrl,
    notBefore: new Date(Date.now() - 400 * 86400_000),
    notAfter: new Date(Date.now() - 10 * 86400_000),
  });
  const trust = emptyTrustStore();
  addToTrustStore(trust, "root.pem", new Uint8Array(Buffer.from(c.root.pem)));
  signatureRuntime.verifier = new LocalSignatureVerifier(trust);
}, 120_000);
afterAll(async () => {
  signatureRuntime.verifier = saved.verifier;
  await c?.close();
  rmSync(root, { recursive: true, force: true });
});

/** The newest shipped catalogue as a later version where PLANIMETRIA must be signed by the declarant. */
function catalogueRequiringSignature() {
  const json = newestShippedJson();
  json.version = "2026.9";
  let marked = 0;
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const o = node as Record<string, unknown>;
      if (o.code === "PLANIMETRIA" && "mandatory" in o) {
        o.signature = { required: true, by: ["declarant"] };
        marked++;
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(json);
  expect(marked).toBeGreaterThan(0);
  // A changed proceeding takes a new version (the importer refuses it otherwise).
  const bump = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(bump);
    else if (node && typeof node === "object") {
      const o = node as Record<string, unknown>;
      if (
        typeof o.version === "string" &&
        /^\d+\.\d+\.\d+$/.test(o.version) &&
        JSON.stringify(o).includes('"signature"')
      ) {
        const [major, minor] = o.version.split(".").map(Number);
        o.version = `${major}.${minor! + 1}.0`;
      }
      Object.values(o).forEach(bump);
    }
  };
  bump(json);
  return JSON.stringify(json);
}

describe.each(DATABASES)("signed attachments and sealed documents on %s", (kind) => {
  let test: TestDatabase;
  const files = new LocalFileStore(path.join(root, kind, "files"));
  let services: EngineServices;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    const imported = await importCatalogueText(test.handle.db, catalogueRequiringSignature());
    expect(imported.current).toBe(true);
    const sealer = await loadSealer(parseEnv({ DATA_DIR: path.join(root, kind), NODE_ENV: "test" }));
    services = { files, publicUrl: "http://localhost:3000", sealer };
  });
  afterAll(async () => {
    await test?.drop();
  });

  async function draft() {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const started = await startDraft(db, owner, {
      codes: ["VICINATO_APERTURA"],
      chosen: ["VICINATO_APERTURA_NON_ALIMENTARE"],
      municipality: "050039",
      businessId: null,
    });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    const form = new FormData();
    for (const [k, v] of Object.entries(ANSWERS)) form.set(k, v);
    const ctx = await loadDraft(db, owner, started.id);
    for (const s of visibleSections(ctx.bundle.form, ANSWERS)) {
      const r = await saveSection(db, owner, started.id, s.id, form, { validate: true });
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
    }
    const upload = (code: string, filename: string, bytes: Uint8Array) =>
      addAttachment(db, files, owner, {
        praticaId: started.id,
        code,
        filename,
        bytes,
        purpose: "filing",
        limits: LIMITS,
      });
    return { owner, id: started.id, upload };
  }

  it("refuses an unsigned or failing file where the catalogue requires the declarant's signature, saying why", async () => {
    const { upload, id } = await draft();
    const refusals: [string, Uint8Array, RegExp][] = [
      ["planimetria.pdf", PDF, /non è firmato digitalmente: firmalo/],
      [
        "planimetria.pdf.p7m",
        await cades(PDF, c.other, c),
        /firmato da Giulia Bianchi \(BNCGLI85M41D612X\), che non è il dichiarante: deve firmarlo Maria Rossi \(RSSMRA80A41M126H\)/,
      ],
      ["planimetria.pdf.p7m", tamper(await cades(PDF, maria, c), "%%EOF"), /stato modificato dopo la firma/],
      ["planimetria.pdf.p7m", await cades(PDF, expiredMaria, c), /era scaduto alla data della firma/],
    ];
    for (const [filename, bytes, reason] of refusals) {
      const r = await upload("PLANIMETRIA", filename, bytes);
      expect(r.ok, filename).toBe(false);
      if (!r.ok) {
        expect(r.field).toBe("file-PLANIMETRIA");
        expect(r.message.it).toMatch(reason);
        expect(r.message.en.length).toBeGreaterThan(20);
      }
    }
    // Nothing half-written: no attachment row for any refused file.
    const rows = await test.handle.db
      .selectFrom("attachments")
      .select("id")
      .where("pratica_id", "=", id)
      .execute();
    expect(rows).toHaveLength(0);
  });

  it("stores the report with the attachment; elsewhere a signed file's result is kept and a plain file has none", async () => {
    const { upload, id } = await draft();
    const ok = await upload("PLANIMETRIA", "planimetria.pdf.p7m", await cades(PDF, maria, c));
    expect(ok.ok).toBe(true);
    // DOC_IDENTITA needs no signature: a file signed by someone else is accepted, its result shown.
    expect((await upload("DOC_IDENTITA", "documento.pdf.p7m", await cades(PDF, c.other, c))).ok).toBe(true);
    expect((await upload("RICEVUTA_DIRITTI", "ricevuta.pdf", PDF)).ok).toBe(true);
    const rows = await test.handle.db
      .selectFrom("attachments")
      .select(["code", "signature"])
      .where("pratica_id", "=", id)
      .orderBy("created_at")
      .execute();
    const byCode = Object.fromEntries(rows.map((r) => [r.code, r.signature as SignatureReport | null]));
    const plan = byCode.PLANIMETRIA!;
    expect(plan.outcome).toBe("valid");
    expect(plan.signatures[0]).toMatchObject({
      signer: { name: "Maria Rossi", fiscalCode: "RSSMRA80A41M126H" },
      issuer: "Test Firma Qualificata CA, Prove SUAP",
      signingTimeSource: "signed-attribute",
    });
    expect(plan.signatures[0]!.checks.map((k) => k.name)).toEqual([
      "integrity",
      "signingTime",
      "validity",
      "keyUsage",
      "chain",
      "revocation",
    ]);
    expect(byCode.DOC_IDENTITA!.outcome).toBe("invalid");
    expect(byCode.DOC_IDENTITA!.problem?.it).toMatch(/non è il dichiarante/);
    expect(byCode.RICEVUTA_DIRITTI).toBeNull();
  });

  it("seals the receipt: pdfsig says valid, the recorded SHA-256 is the sealed bytes', /verifica re-checks the seal", async () => {
    const { upload, id, owner } = await draft();
    await upload("PLANIMETRIA", "planimetria.pdf.p7m", await cades(PDF, maria, c));
    await upload("DOC_IDENTITA", "documento.pdf", PDF);
    await upload("RICEVUTA_DIRITTI", "ricevuta.pdf", PDF);
    const result = await submitPratica(test.handle.db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: new Date(),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const doc = await test.handle.db
      .selectFrom("documents")
      .selectAll()
      .where("pratica_id", "=", id)
      .where("kind", "=", "ricevuta")
      .executeTakeFirstOrThrow();
    const bytes = await files.get(doc.storage_key);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(doc.sha256);
    expect(doc.seal).toMatchObject({ qualified: false, development: true });
    const file = path.join(root, `${kind}-ricevuta.pdf`);
    writeFileSync(file, bytes);
    const out = execFileSync("pdfsig", [file], { encoding: "utf8" });
    expect(out).toMatch(/Signature Type: ETSI\.CAdES\.detached/);
    expect(out).toMatch(/Signature Validation: Signature is Valid/);
    execFileSync("pdftotext", ["-enc", "UTF-8", file, `${file}.txt`]);
    expect(execFileSync("cat", [`${file}.txt`], { encoding: "utf8" })).toMatch(/Ricevuta di presentazione/);

    // /verifica checks the stored bytes with a verifier that trusts the development CA.
    const { loadVerifier } = await import("~/server/integrations/signature/registry.server");
    const devVerifier = await loadVerifier(parseEnv({ DATA_DIR: path.join(root, kind), NODE_ENV: "test" }));
    const keep = signatureRuntime.verifier;
    signatureRuntime.verifier = devVerifier;
    try {
      const seal = await documentSeal(test.handle.db, files, doc.verification_code);
      expect(seal).toMatchObject({ status: "valid", qualified: false, timestamped: false });
      expect(seal!.holder).toMatch(/sigillo di sviluppo NON qualificato/);
      // The same code over altered stored bytes: the page says the seal is not valid.
      const altered = {
        ...files,
        get: async () => Buffer.from(tamper(bytes, "/Type /Catalog")),
      } as unknown as LocalFileStore;
      expect((await documentSeal(test.handle.db, altered, doc.verification_code))!.status).toBe("invalid");
    } finally {
      signatureRuntime.verifier = keep;
    }
  });
});
