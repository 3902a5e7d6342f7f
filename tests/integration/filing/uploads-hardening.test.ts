import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { PDFDocument, PDFName, PDFString } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { startDraft } from "~/server/filing/drafts.server";
import { submitPratica } from "~/server/filing/submit.server";
import { addAttachment, removeAttachment } from "~/server/filing/uploads.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { completeDraft, LIMITS, PDF } from "./support";

async function pdfWith(decorate: (doc: PDFDocument) => void) {
  const doc = await PDFDocument.create();
  doc.addPage([200, 200]);
  decorate(doc);
  return doc.save({ useObjectStreams: true });
}

describe.each(DATABASES)(
  "uploads under the pratica's lock, files parsed as what they claim, on %s",
  (kind) => {
    let test: TestDatabase;
    const files = new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-uploads-")));
    const services: EngineServices = { files, publicUrl: "http://localhost:3000" };
    beforeAll(async () => {
      test = await useMigratedDatabase(kind);
      await importBundledCatalogues(test.handle.db);
    });
    afterAll(async () => {
      await test.drop();
    });

    const owner = () => userByEmail(test.handle.db, "impresa@demo.test");
    async function emptyDraft() {
      const started = await startDraft(test.handle.db, await owner(), {
        codes: ["VICINATO_APERTURA"],
        chosen: ["VICINATO_APERTURA_NON_ALIMENTARE"],
        municipality: "050039",
        businessId: null,
      });
      if (!started.ok) throw new Error("draft not started");
      return started.id;
    }
    const upload = async (praticaId: string, filename: string, bytes: Uint8Array, extra = {}) =>
      addAttachment(test.handle.db, files, await owner(), {
        praticaId,
        code: "PLANIMETRIA",
        filename,
        bytes,
        purpose: "filing",
        limits: LIMITS,
        ...extra,
      });

    it("refuses active content, polyglots and HTML named .xml; accepts a plain PDF and well-formed XML", async () => {
      const id = await emptyDraft();
      const openAction = await pdfWith((doc) => {
        const js = doc.context.obj({ Type: "Action", S: "JavaScript", JS: PDFString.of("app.alert(1)") });
        doc.catalog.set(PDFName.of("OpenAction"), doc.context.register(js));
      });
      const launch = await pdfWith((doc) => {
        const action = doc.context.obj({ Type: "Action", S: "Launch", F: PDFString.of("calc.exe") });
        doc.getPage(0).node.set(PDFName.of("AA"), doc.context.obj({ O: doc.context.register(action) }));
      });
      const polyglot = new Uint8Array([
        ...PDF,
        ...new TextEncoder().encode("\n<html><script>alert(document.cookie)</script></html>\n"),
      ]);
      const cases: [string, Uint8Array, RegExp][] = [
        ["azione.pdf", openAction, /contenuti attivi/],
        ["avvio.pdf", launch, /contenuti attivi/],
        ["poliglotta.pdf", polyglot, /pagina web/],
        [
          "pagina.xml",
          new TextEncoder().encode("<html><body><script>alert(1)</script></body></html>"),
          /pagina web/,
        ],
        ["rotto.xml", new TextEncoder().encode("<pratica><a></pratica>"), /XML ben formato/],
        [
          "dtd.xml",
          new TextEncoder().encode('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
          /XML/,
        ],
        ["finto.pdf", new TextEncoder().encode("%PDF-1.4\nnon sono un pdf"), /non si apre come PDF/],
      ];
      for (const [name, bytes, message] of cases) {
        const r = await upload(id, name, bytes);
        expect(r.ok, name).toBe(false);
        if (!r.ok) expect(r.message.it, name).toMatch(message);
      }
      expect(
        await test.handle.db.selectFrom("attachments").select("id").where("pratica_id", "=", id).execute(),
      ).toEqual([]);
      expect((await upload(id, "planimetria.pdf", PDF)).ok).toBe(true);
      const xml = new TextEncoder().encode(
        '<?xml version="1.0"?><suap:pratica xmlns:suap="urn:x" a="1 &amp; 2"><b/></suap:pratica>',
      );
      const r = await addAttachment(test.handle.db, files, await owner(), {
        praticaId: id,
        code: "DOC_IDENTITA",
        filename: "dati.xml",
        bytes: xml,
        purpose: "filing",
        limits: LIMITS,
      });
      expect(r.ok).toBe(true);
    });

    it("strips bidi controls from file names (the receipt never shows a reversed extension)", async () => {
      const id = await emptyDraft();
      const r = await upload(id, "planimetria\u202Efdp.exe.pdf", PDF);
      expect(r.ok).toBe(true);
      const row = await test.handle.db
        .selectFrom("attachments")
        .select("filename")
        .where("pratica_id", "=", id)
        .executeTakeFirstOrThrow();
      expect(row.filename).toBe("planimetriafdp.exe.pdf");
    });

    it("keeps the per-pratica limit under parallel uploads", async () => {
      const id = await emptyDraft();
      const limits = { maxFileBytes: LIMITS.maxFileBytes, maxPraticaBytes: PDF.byteLength * 3 + 10 };
      // Different bytes each time (no shared hash), same size: exactly three fit.
      const variants = Array.from(
        { length: 8 },
        (_, i) => new Uint8Array([...PDF, ...new TextEncoder().encode(`\n%${String(i).padStart(2, "0")}`)]),
      );
      const size = variants[0]!.byteLength;
      const capped = { ...limits, maxPraticaBytes: size * 3 + 1 };
      const results = await Promise.all(
        variants.map((v, i) => upload(id, `p${i}.pdf`, v, { limits: capped })),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(3);
      const total = await test.handle.db
        .selectFrom("attachments")
        .select((eb) => eb.fn.sum<number>("size").as("total"))
        .where("pratica_id", "=", id)
        .executeTakeFirstOrThrow();
      expect(Number(total.total)).toBeLessThanOrEqual(capped.maxPraticaBytes);
    });

    it("never submits without a required document when a removal races the submission", async () => {
      const user = await owner();
      let submittedWithout = 0;
      let outcomes = 0;
      for (let round = 0; round < 4; round++) {
        const id = await completeDraft(test.handle.db, files, user);
        const doc = await test.handle.db
          .selectFrom("attachments")
          .select("id")
          .where("pratica_id", "=", id)
          .where("code", "=", "DOC_IDENTITA")
          .executeTakeFirstOrThrow();
        const [submitted] = await Promise.all([
          submitPratica(test.handle.db, services, user, {
            praticaId: id,
            submissionKey: randomUUID(),
            declared: true,
          }),
          removeAttachment(test.handle.db, user, id, doc.id).catch((e: unknown) => e),
        ]);
        const left = await test.handle.db
          .selectFrom("attachments")
          .select("code")
          .where("pratica_id", "=", id)
          .where("code", "=", "DOC_IDENTITA")
          .execute();
        const status = (
          await test.handle.db
            .selectFrom("pratiche")
            .select("status")
            .where("id", "=", id)
            .executeTakeFirstOrThrow()
        ).status;
        if (status !== "draft" && left.length === 0) submittedWithout++;
        if (submitted.ok) {
          expect(status).not.toBe("draft");
          // The receipt lists the document the pratica was filed with.
          const receipt = await test.handle.db
            .selectFrom("documents")
            .select("id")
            .where("pratica_id", "=", id)
            .execute();
          expect(receipt.length).toBeGreaterThan(0);
        } else {
          expect(submitted.status).toBe(400);
          expect(status).toBe("draft");
        }
        outcomes++;
      }
      expect(outcomes).toBe(4);
      expect(submittedWithout).toBe(0);
    });

    it("an upload retried with the same key after a lost response stores one attachment", async () => {
      const id = await emptyDraft();
      const uploadKey = randomUUID();
      const first = await upload(id, "planimetria.pdf", PDF, { uploadKey });
      const again = await upload(id, "planimetria.pdf", PDF, { uploadKey });
      expect(first.ok && again.ok).toBe(true);
      if (first.ok && again.ok) expect(again.id).toBe(first.id);
      const rows = await test.handle.db
        .selectFrom("attachments")
        .select("id")
        .where("pratica_id", "=", id)
        .execute();
      expect(rows).toHaveLength(1);
    });

    it("starting a draft retried with the same key (lost response) returns the same draft, no orphan", async () => {
      const user = await owner();
      const input = {
        codes: ["VICINATO_APERTURA"],
        chosen: ["VICINATO_APERTURA_NON_ALIMENTARE"],
        municipality: "050039",
        businessId: null,
        creationKey: randomUUID(),
      };
      const before = await test.handle.db.selectFrom("pratiche").select("id").execute();
      const [a, b] = await Promise.all([
        startDraft(test.handle.db, user, input),
        startDraft(test.handle.db, user, input),
      ]);
      const c = await startDraft(test.handle.db, user, input);
      expect(a.ok && b.ok && c.ok).toBe(true);
      if (a.ok && b.ok && c.ok) {
        expect(b.id).toBe(a.id);
        expect(c.id).toBe(a.id);
      }
      const after = await test.handle.db.selectFrom("pratiche").select("id").execute();
      expect(after.length - before.length).toBe(1);
      // Another key is another draft.
      const d = await startDraft(test.handle.db, user, { ...input, creationKey: randomUUID() });
      expect(d.ok && a.ok && d.id !== a.id).toBe(true);
    });
  },
);
