// The shipped catalogue (since 2026.3) requires a digital signature on a real proceeding's attachment: the relazione
// tecnica of a SCIA for a hairdresser (ACCONCIATORI_APERTURA), signed by the declarant or the business's legal
// representative. Through the filing path: an unsigned file is refused with the exact sentence, a file signed by
// someone else is refused naming both people, a good one is accepted and its result stored for the pages.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUsecase } from "~/domain/catalogue";
import { demoAnswers } from "~/domain/demo/plan";
import { visibleSections } from "~/domain/filing/bundle";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { currentCatalogue } from "~/server/catalogue/repository.server";
import { loadDraft, missingAttachments, saveSection, startDraft } from "~/server/filing/drafts.server";
import { addAttachment } from "~/server/filing/uploads.server";
import { type Issued, issueCertificate } from "~/server/integrations/signature/pki.server";
import type { SignatureReport } from "~/server/integrations/signature/port.server";
import { addToTrustStore, emptyTrustStore } from "~/server/integrations/signature/trust.server";
import { LocalSignatureVerifier } from "~/server/integrations/signature/verify.server";
import { signatureRuntime } from "~/server/integrations/signatures.server";
import { LocalFileStore } from "~/server/storage.server";
import { addDays } from "../../../workflows/clock";
import { newestShippedJson } from "../catalogue/support/catalogue";
import { LIMITS, PDF } from "../filing/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { buildCorpus, type Corpus, cades, pades } from "./corpus";

const root = mkdtempSync(path.join(os.tmpdir(), "suap-sigcat-"));
const saved = { ...signatureRuntime };
let c: Corpus;
let maria: Issued;

beforeAll(async () => {
  c = await buildCorpus();
  // The demo declarant of demoAnswers (Maria Rossi) with a certificate of the test CA.
  maria = await issueCertificate({
    subject: "CN=Maria Rossi,2.5.4.5=TINIT-RSSMRA80A41M126H,C=IT",
    issuer: c.intermediate,
    crlUrl: c.crlUrl,
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

it("the newest shipped catalogue requires the relazione tecnica's signature in the hairdresser's SCIA", () => {
  const json = newestShippedJson();
  expect(json.version).toBe("2026.4");
  const usecase = json.proceedings
    .find((p: { code: string }) => p.code === "ACCONCIATORI_APERTURA")
    .usecases.find((u: { code: string }) => u.code === "ACCONCIATORI_APERTURA");
  expect(usecase.regime).toBe("SCIA");
  const rt = usecase.attachments.find((a: { code: string }) => a.code === "RELAZIONE_TECNICA");
  expect(rt).toMatchObject({
    mandatory: true,
    signature: { required: true, by: ["declarant", "legal_representative"] },
  });
});

describe.each(DATABASES)("the catalogue's signature requirement on %s", (kind) => {
  let test: TestDatabase;
  const files = new LocalFileStore(path.join(root, kind, "files"));
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    const imported = await importBundledCatalogues(test.handle.db);
    expect(imported.at(-1)).toMatchObject({ version: "2026.4", status: "imported" });
  }, 240_000);
  afterAll(async () => {
    await test?.drop();
  });

  async function draft() {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const { catalogue } = await currentCatalogue(db);
    const ref = findUsecase(catalogue, "ACCONCIATORI_APERTURA")!;
    const started = await startDraft(db, owner, {
      codes: [ref.proceeding.code],
      chosen: ["ACCONCIATORI_APERTURA"],
      municipality: "050039",
      businessId: null,
    });
    if (!started.ok) throw new Error(JSON.stringify(started.errors));
    const answers = demoAnswers("050039", "56048", "2026-12-02", addDays);
    const form = new FormData();
    for (const [k, v] of Object.entries(answers)) {
      if (Array.isArray(v)) for (const item of v) form.append(k, item);
      else form.set(k, v);
    }
    const ctx = await loadDraft(db, owner, started.id);
    for (const s of visibleSections(ctx.bundle.form, { ...ctx.answers, ...answers })) {
      const r = await saveSection(db, owner, started.id, s.id, form, { validate: true });
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
    }
    const upload = (filename: string, bytes: Uint8Array) =>
      addAttachment(db, files, owner, {
        praticaId: started.id,
        code: "RELAZIONE_TECNICA",
        filename,
        bytes,
        purpose: "filing",
        limits: LIMITS,
      });
    return { owner, id: started.id, upload };
  }

  it("refuses an unsigned file with the exact sentence and one signed by someone else naming both people", async () => {
    const { upload, id } = await draft();
    const unsigned = await upload("relazione.pdf", PDF);
    expect(unsigned.ok).toBe(false);
    if (!unsigned.ok) {
      expect(unsigned.field).toBe("file-RELAZIONE_TECNICA");
      expect(unsigned.message.it).toBe(
        "Il file «relazione.pdf» non è firmato digitalmente: firmalo con la tua firma digitale (file .p7m o PDF firmato) e caricalo di nuovo.",
      );
    }
    const foreign = await upload("relazione.pdf.p7m", await cades(PDF, c.other, c));
    expect(foreign.ok).toBe(false);
    if (!foreign.ok) {
      expect(foreign.message.it).toMatch(/Giulia Bianchi \(BNCGLI85M41D612X\)/);
      expect(foreign.message.it).toMatch(/Maria Rossi \(RSSMRA80A41M126H\)/);
    }
    // Still owed: the draft cannot be sent without it.
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const missing = await missingAttachments(db, await loadDraft(db, owner, id));
    expect(missing.map((m) => m.attachment.code)).toContain("RELAZIONE_TECNICA");
  });

  it("accepts the declarant's CAdES or PAdES signature and stores its result with the attachment", async () => {
    const { upload, id } = await draft();
    const good = await upload("relazione.pdf", await pades(PDF, maria, c, "Maria Rossi"));
    expect(good.ok).toBe(true);
    const { db } = test.handle;
    const row = await db
      .selectFrom("attachments")
      .select(["code", "signature"])
      .where("pratica_id", "=", id)
      .where("code", "=", "RELAZIONE_TECNICA")
      .executeTakeFirstOrThrow();
    const report = row.signature as SignatureReport;
    expect(report.outcome).toBe("valid");
    expect(report.format).toBe("pades");
    expect(report.signatures[0]!.signer).toMatchObject({
      name: "Maria Rossi",
      fiscalCode: "RSSMRA80A41M126H",
    });
    const owner = await userByEmail(db, "impresa@demo.test");
    const missing = await missingAttachments(db, await loadDraft(db, owner, id));
    expect(missing.map((m) => m.attachment.code)).not.toContain("RELAZIONE_TECNICA");
  });
});
