import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { instanceDescriptor } from "~/server/filing/descriptor.server";
import { deleteDraft, loadDraft, startDraft, taskList } from "~/server/filing/drafts.server";
import { downloadable, listMyPratiche, verifyDocument } from "~/server/filing/queries.server";
import { submitPratica } from "~/server/filing/submit.server";
import { addAttachment } from "~/server/filing/uploads.server";
import { deliverDue } from "~/server/mail/outbox.server";
import { smtpTransport } from "~/server/mail/transport.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { startSmtpServer } from "../support/smtp";
import { descriptorValidator } from "./ssu-schema";
import { completeDraft, FAKE_PDF, LIMITS } from "./support";

const CUI_RE = /^SUAP-AVC-\d{4}-\d{2}-\d{2}-\d{6}-[0-9a-f-]{36}$/;
const NOW = new Date("2026-03-02T09:30:00Z");

function countFiles(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length;
  } catch {
    return 0;
  }
}

describe.each(DATABASES)("filing a pratica on %s", (kind) => {
  let test: TestDatabase;
  const root = mkdtempSync(path.join(os.tmpdir(), "suap-filing-"));
  const files = new LocalFileStore(root);
  const services: EngineServices = { files, publicUrl: "http://localhost:3000" };
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("prefills the business, lists the draft, and gates attachments and summary in the task list", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const started = await startDraft(db, owner, {
      codes: ["VICINATO_APERTURA"],
      chosen: [],
      municipality: "050039",
      businessId: null,
    });
    expect(started.ok).toBe(false);
    if (!started.ok) expect(started.errors[0]!.message.it).toMatch(/Scegli quale caso/);
    const ok = await startDraft(db, owner, {
      codes: ["VICINATO_APERTURA_ALIMENTARE"],
      chosen: [],
      municipality: "050039",
      businessId: null,
    });
    if (!ok.ok) throw new Error("draft not started");
    const ctx = await loadDraft(db, owner, ok.id);
    // The food shop brings the notifica sanitaria with it: one SCIA unica, each field once.
    expect(ctx.refs.map((r) => r.usecase.code)).toEqual([
      "VICINATO_APERTURA_ALIMENTARE",
      "NOTIFICA_SANITARIA_REGISTRAZIONE",
    ]);
    expect(ctx.bundle.workflowInput.regime).toBe("scia_unica");
    const names = ctx.bundle.form.sections.flatMap((s) => s.fields.map((f) => f.name));
    expect(new Set(names).size).toBe(names.length);
    expect(ctx.answers.impresa_denominazione).toBe("Bottega Rossi di Maria Rossi");
    expect(ctx.answers.sede_comune).toBe("050039");
    const tasks = await taskList(db, ctx);
    expect(tasks.sections.find((s) => s.id === "impresa")?.status).toBe("completed");
    expect(tasks.sections.find((s) => s.id === "intermediario")).toBeUndefined();
    expect(tasks.attachments.status).toBe("cannot_start");
    expect(tasks.summary.status).toBe("cannot_start");
    const mine = await listMyPratiche(db, owner.principal);
    expect(mine.find((p) => p.id === ok.id)?.status).toBe("draft");
    // Another user sees nothing of it.
    const officer = await userByEmail(db, "operatore@demo.test");
    await expect(loadDraft(db, officer, ok.id)).rejects.toMatchObject({ status: 404 });
  });

  it("files through the engine: CUI, protocol, receipt PDF with hashes and QR, mail with the PDF over SMTP", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, files, owner);
    const refused = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: false,
      now: NOW,
    });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.errors.map((e) => e.message.it).join(" ")).toMatch(/DPR 445\/2000/);

    const result = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: NOW,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.pratica.cui).toMatch(CUI_RE);
    expect(result.pratica.cui).toContain("-2026-03-02-");
    expect(result.pratica.cui.endsWith(id)).toBe(true);
    expect(result.pratica.protocolNumber).toMatch(/^SUAP-AVC\/2026\/\d{7}$/);
    expect(result.pratica.dueDate).toBe("2026-05-02");
    const row = await db.selectFrom("pratiche").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.status).toBe("in_review");
    expect(row.declared_at).not.toBeNull();
    expect(
      (row.competent_agencies as { competentAdministration: { code: string } }[])[0]?.competentAdministration
        .code,
    ).toBe("050039");

    const receipt = await db
      .selectFrom("documents")
      .selectAll()
      .where("pratica_id", "=", id)
      .where("kind", "=", "ricevuta")
      .executeTakeFirstOrThrow();
    const pdf = await files.get(receipt.storage_key);
    const dir = mkdtempSync(path.join(os.tmpdir(), "suap-receipt-"));
    const pdfPath = path.join(dir, "ricevuta.pdf");
    writeFileSync(pdfPath, pdf);
    const text = execFileSync("pdftotext", ["-layout", pdfPath, "-"]).toString();
    expect(text).toContain(result.pratica.protocolNumber);
    expect(text.replace(/\s+/g, "")).toContain(result.pratica.cui.replace(/\s+/g, ""));
    const attachment = await db
      .selectFrom("attachments")
      .select("sha256")
      .where("pratica_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(text.replace(/\s+/g, "")).toContain(attachment.sha256);
    expect(text).toContain("Bottega Rossi");
    expect(text).toMatch(/Totale/);
    expect(text).toMatch(/02\/05\/2026/);
    expect(text).toMatch(/Cosa succede ora/);
    execFileSync("pdftoppm", ["-r", "150", "-png", "-f", "1", "-l", "1", pdfPath, path.join(dir, "page")]);
    const png = readdirSync(dir).find((f) => f.endsWith(".png"))!;
    const qr = execFileSync("zbarimg", ["--quiet", "--raw", path.join(dir, png)])
      .toString()
      .trim();
    expect(qr).toBe(`http://localhost:3000/verifica/${receipt.verification_code}`);
    const verified = await verifyDocument(db, receipt.verification_code.toLowerCase());
    expect(verified).toMatchObject({
      sha256: receipt.sha256,
      kind: "ricevuta",
      protocol: result.pratica.protocolNumber,
    });
    expect(await verifyDocument(db, "AAAA-AAAA-AAAA-AAAA")).toBeNull();

    // The business may download the receipt; the ASL reviewer (not involved) may not.
    expect((await downloadable(db, files, owner.principal, receipt.id))?.sha256).toBe(receipt.sha256);
    const asl = await userByEmail(db, "asl@demo.test");
    expect(await downloadable(db, files, asl.principal, receipt.id)).toBeNull();

    const smtp = await startSmtpServer();
    const transport = smtpTransport(smtp.url);
    try {
      await deliverDue(db, transport, files, { from: "suap@example.test", batch: 100 });
      const mail = smtp.received.find(
        (m) =>
          m.subject?.includes(result.pratica.protocolNumber) &&
          JSON.stringify(m.to).includes("impresa@demo.test"),
      );
      expect(mail?.subject).toBe(`Ricevuta della pratica ${result.pratica.protocolNumber}`);
      expect(mail?.attachments[0]?.contentType).toBe("application/pdf");
      expect(mail?.attachments[0]?.content.equals(pdf)).toBe(true);
      expect(smtp.received.some((m) => JSON.stringify(m.to).includes("bottegarossi@pec.imprese.test"))).toBe(
        true,
      );
    } finally {
      transport.close();
      await smtp.close();
    }
  });

  it("is idempotent: a double click and a retried request give one pratica and the same answer", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, files, owner);
    const key = randomUUID();
    const [a, b] = await Promise.all([
      submitPratica(db, services, owner, { praticaId: id, submissionKey: key, declared: true, now: NOW }),
      submitPratica(db, services, owner, { praticaId: id, submissionKey: key, declared: true, now: NOW }),
    ]);
    const c = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: key,
      declared: true,
      now: NOW,
    });
    const d = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: NOW,
    });
    for (const r of [a, b, c, d]) if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const results = [a, b, c, d].map((r) => (r.ok ? r.pratica : null));
    expect(new Set(results.map((r) => r?.protocolNumber)).size).toBe(1);
    expect(new Set(results.map((r) => r?.cui)).size).toBe(1);
    expect(results.filter((r) => r?.created)).toHaveLength(1);
    const entries = await db
      .selectFrom("protocol_entries")
      .select("id")
      .where("pratica_id", "=", id)
      .execute();
    expect(entries).toHaveLength(1);
    const docs = await db.selectFrom("documents").select("id").where("pratica_id", "=", id).execute();
    expect(docs).toHaveLength(1);
  });

  it("a crash inside the transaction (after SUBMIT) leaves no trace: the draft stays a draft", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, files, owner);
    const counters = async () =>
      db.selectFrom("protocol_counters").select(["counter", "last_number"]).orderBy("counter").execute();
    const before = await counters();
    const outboxBefore = (await db.selectFrom("outbox").select("id").execute()).length;
    await expect(
      submitPratica(db, services, owner, {
        praticaId: id,
        submissionKey: randomUUID(),
        declared: true,
        now: NOW,
        afterSubmit: () => {
          throw new Error("simulated crash");
        },
      }),
    ).rejects.toThrow("simulated crash");
    const row = await db.selectFrom("pratiche").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: "draft",
      cui: null,
      submission_key: null,
      protocol_number: null,
      snapshot: null,
    });
    expect(await db.selectFrom("events").select("id").where("pratica_id", "=", id).execute()).toHaveLength(0);
    expect(await db.selectFrom("documents").select("id").where("pratica_id", "=", id).execute()).toHaveLength(
      0,
    );
    expect(await db.selectFrom("deadlines").select("id").where("pratica_id", "=", id).execute()).toHaveLength(
      0,
    );
    expect((await db.selectFrom("outbox").select("id").execute()).length).toBe(outboxBefore);
    expect(await counters()).toEqual(before);
    // And it can be submitted afterwards, taking the very next numbers.
    const ok = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: NOW,
    });
    expect(ok.ok).toBe(true);
  });

  it("deletes a draft for its owner only, never a pratica that was sent, and a racing submit wins or loses whole", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const officer = await userByEmail(db, "operatore@demo.test");
    const id = await completeDraft(db, files, owner);
    const attachmentsOf = async (pid: string) =>
      (await db.selectFrom("attachments").select("id").where("pratica_id", "=", pid).execute()).length;
    expect(await attachmentsOf(id)).toBeGreaterThan(0);
    // Someone else: not found, and nothing changes.
    await expect(deleteDraft(db, officer, id)).rejects.toMatchObject({ status: 404 });
    expect(await attachmentsOf(id)).toBeGreaterThan(0);
    await deleteDraft(db, owner, id);
    expect(
      await db.selectFrom("pratiche").select("id").where("id", "=", id).executeTakeFirst(),
    ).toBeUndefined();
    expect(await attachmentsOf(id)).toBe(0);
    await expect(deleteDraft(db, owner, id)).rejects.toMatchObject({ status: 404 });

    // A pratica that was sent is not a draft any more: 409 with a sentence, and all of it stays.
    const sent = await completeDraft(db, files, owner);
    const r = await submitPratica(db, services, owner, {
      praticaId: sent,
      submissionKey: randomUUID(),
      declared: true,
      now: NOW,
    });
    expect(r.ok).toBe(true);
    const refused = await deleteDraft(db, owner, sent).catch((e: Response) => e);
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(409);
    expect(await (refused as Response).text()).toMatch(/già stata inviata/);
    expect(await attachmentsOf(sent)).toBeGreaterThan(0);

    // Delete and submit racing on one draft: either a complete pratica with its attachments, or nothing.
    const raced = await completeDraft(db, files, owner);
    const [del, sub] = await Promise.allSettled([
      deleteDraft(db, owner, raced),
      submitPratica(db, services, owner, {
        praticaId: raced,
        submissionKey: randomUUID(),
        declared: true,
        now: NOW,
      }),
    ]);
    const row = await db.selectFrom("pratiche").select("status").where("id", "=", raced).executeTakeFirst();
    if (del.status === "fulfilled") {
      expect(row).toBeUndefined();
      expect(await attachmentsOf(raced)).toBe(0);
    } else {
      expect(row?.status).not.toBe("draft");
      expect(sub.status === "fulfilled" && sub.value.ok).toBe(true);
      expect(await attachmentsOf(raced)).toBeGreaterThan(0);
    }
  });

  it("refuses a .pdf that is really a PNG with a clear sentence and stores nothing", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const started = await startDraft(db, owner, {
      codes: ["VICINATO_APERTURA_NON_ALIMENTARE"],
      chosen: [],
      municipality: "050039",
      businessId: null,
    });
    if (!started.ok) throw new Error("no draft");
    const stored = countFiles(root);
    const result = await addAttachment(db, files, owner, {
      praticaId: started.id,
      code: "PLANIMETRIA",
      filename: "planimetria.pdf",
      bytes: FAKE_PDF,
      purpose: "filing",
      limits: LIMITS,
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.message.it).toBe(
        "Il file «planimetria.pdf» ha l'estensione .pdf ma il suo contenuto è un'immagine PNG: controlla di aver scelto il file giusto oppure salvalo nel formato indicato dall'estensione.",
      );
    expect(countFiles(root)).toBe(stored);
    expect(
      await db.selectFrom("attachments").select("id").where("pratica_id", "=", started.id).execute(),
    ).toHaveLength(0);
    const tooBig = await addAttachment(db, files, owner, {
      praticaId: started.id,
      code: "PLANIMETRIA",
      filename: "grande.pdf",
      bytes: new Uint8Array(2048).fill(0x25),
      purpose: "filing",
      limits: { maxFileBytes: 1024, maxPraticaBytes: 4096 },
    });
    expect(tooBig.ok).toBe(false);
    if (!tooBig.ok) expect(tooBig.message.it).toMatch(/il limite è/);
    expect(countFiles(root)).toBe(stored);
  });

  it("serves the SSU instance descriptor, valid against the official schema, to those who may see it", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, files, owner);
    const r = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: NOW,
    });
    if (!r.ok) throw new Error("not submitted");
    const descriptor = await instanceDescriptor(db, owner.principal, r.pratica.cui);
    const validate = descriptorValidator();
    const valid = validate(descriptor);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(descriptor).toMatchObject({
      municipality: "050039",
      administrative_regime: { id: "SCIA" },
      instance_status: [{ state: "started" }, { state: "presented" }],
      times: { start: "2026-03-02", max_gg_proc: 60 },
    });
    expect(descriptor?.usecase_proceedings[0]?.attachments).toHaveLength(3);
    // A broken descriptor fails: the check can fail.
    expect(validate({ ...descriptor, municipality: "Volterra" })).toBe(false);
    const asl = await userByEmail(db, "asl@demo.test");
    expect(await instanceDescriptor(db, asl.principal, r.pratica.cui)).toBeNull();
  });

  it("keeps the receipt mail while SMTP is down and delivers it when it is back", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    // Deliver whatever earlier tests left, so only this pratica's mail is pending.
    await db.updateTable("outbox").set({ status: "sent" }).where("status", "=", "pending").execute();
    const id = await completeDraft(db, files, owner);
    const r = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: NOW,
    });
    if (!r.ok) throw new Error("not submitted");
    const smtp = await startSmtpServer();
    const port = smtp.port;
    await smtp.close();
    const down = smtpTransport(`smtp://127.0.0.1:${port}?ignoreTLS=true`);
    const report = await deliverDue(db, down, files, { from: "suap@example.test", batch: 100 });
    down.close();
    expect(report.sent).toBe(0);
    expect(report.retried).toBeGreaterThan(0);
    const pending = await db
      .selectFrom("outbox")
      .select(["status", "attempts"])
      .where("pratica_id", "=", id)
      .execute();
    expect(pending.every((m) => m.status === "pending" && m.attempts === 1)).toBe(true);
    await db
      .updateTable("outbox")
      .set({ next_attempt_at: new Date(Date.now() - 1000) })
      .where("pratica_id", "=", id)
      .execute();
    const up = await startSmtpServer();
    const transport = smtpTransport(up.url);
    try {
      const again = await deliverDue(db, transport, files, { from: "suap@example.test", batch: 100 });
      expect(again.sent).toBe(pending.length);
      expect(
        up.received.some((m) => m.subject === `Ricevuta della pratica ${r.pratica.protocolNumber}`),
      ).toBe(true);
    } finally {
      transport.close();
      await up.close();
    }
  });

  it("numbers concurrent submissions without gaps or duplicates", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const n = kind === "postgres" ? 50 : 10;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await completeDraft(db, files, owner));
    const results = await Promise.all(
      ids.map((id) =>
        submitPratica(db, services, owner, {
          praticaId: id,
          submissionKey: randomUUID(),
          declared: true,
          now: NOW,
        }),
      ),
    );
    const numbers = results
      .map((r) => (r.ok ? Number(r.pratica.protocolNumber.split("/")[2]) : Number.NaN))
      .sort((a, b) => a - b);
    expect(numbers.every(Number.isFinite)).toBe(true);
    expect(new Set(numbers).size).toBe(n);
    expect(numbers.at(-1)! - numbers[0]!).toBe(n - 1);
    const cuis = results
      .map((r) => (r.ok ? Number(r.pratica.cui.split("-")[5]) : Number.NaN))
      .sort((a, b) => a - b);
    expect(new Set(cuis).size).toBe(n);
    expect(cuis.at(-1)! - cuis[0]!).toBe(n - 1);
    // 50 submissions, each with its receipt rendered after COMMIT (ADR 0032): bounded, not tight, on a loaded CI.
  }, 240_000);
});
