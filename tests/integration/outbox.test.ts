import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverDue, enqueue, MAX_ATTEMPTS } from "~/server/mail/outbox.server";
import { smtpTransport } from "~/server/mail/transport.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "./support/databases";
import { startSmtpServer } from "./support/smtp";

describe.each(DATABASES)("outbox delivery on %s", (kind) => {
  let test: TestDatabase;
  const files = new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-files-")));
  beforeAll(async () => {
    test = await useMigratedDatabase(kind, { demo: false });
  });
  afterAll(async () => {
    await test.drop();
  });

  it("delivers a committed message with its attachment to a real SMTP server, once", async () => {
    const smtp = await startSmtpServer();
    const transport = smtpTransport(smtp.url);
    try {
      const stored = await files.put(Buffer.from("%PDF-1.4 ricevuta di prova"));
      await test.handle.db.transaction().execute(async (trx) => {
        const message = {
          dedupeKey: "ricevuta:1",
          recipient: "impresa@example.test",
          template: "ricevuta",
          subject: "Ricevuta della pratica",
          text: "La tua pratica è stata protocollata.",
          attachments: [{ filename: "ricevuta.pdf", contentType: "application/pdf", storageKey: stored.key }],
        };
        await enqueue(trx, message);
        await enqueue(trx, message); // a retried request: same dedupe key, one message
      });
      const report = await deliverDue(test.handle.db, transport, files, { from: "suap@example.test" });
      expect(report).toEqual({ sent: 1, retried: 0, failed: 0 });
      expect(smtp.received).toHaveLength(1);
      const mail = smtp.received[0]!;
      expect(mail.subject).toBe("Ricevuta della pratica");
      expect(mail.text?.trim()).toBe("La tua pratica è stata protocollata.");
      expect(mail.attachments[0]?.filename).toBe("ricevuta.pdf");
      expect(mail.attachments[0]?.content.toString()).toContain("ricevuta di prova");
      const again = await deliverDue(test.handle.db, transport, files, { from: "suap@example.test" });
      expect(again.sent).toBe(0);
      expect(smtp.received).toHaveLength(1);
    } finally {
      transport.close();
      await smtp.close();
    }
  });

  it("keeps a message when SMTP is down and delivers it after the backoff once it is back", async () => {
    const smtp = await startSmtpServer();
    const port = smtp.port;
    await smtp.close(); // nothing listens there now
    const down = smtpTransport(`smtp://127.0.0.1:${port}?ignoreTLS=true`);
    await enqueue(test.handle.db, {
      recipient: "ritardo@example.test",
      template: "aggiornamento",
      subject: "Aggiornamento",
      text: "Testo",
    });
    const first = await deliverDue(test.handle.db, down, files, { from: "suap@example.test" });
    expect(first).toEqual({ sent: 0, retried: 1, failed: 0 });
    const row = await test.handle.db
      .selectFrom("outbox")
      .selectAll()
      .where("recipient", "=", "ritardo@example.test")
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("pending");
    expect(row.attempts).toBe(1);
    expect(row.last_error).toBeTruthy();
    expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(Date.now());
    // Not due yet: nothing is attempted.
    expect((await deliverDue(test.handle.db, down, files, { from: "x@example.test" })).retried).toBe(0);

    const back = await startSmtpServer();
    const up = smtpTransport(back.url);
    try {
      await test.handle.db
        .updateTable("outbox")
        .set({ next_attempt_at: sql`now()` })
        .where("id", "=", row.id)
        .execute();
      const report = await deliverDue(test.handle.db, up, files, { from: "suap@example.test" });
      expect(report.sent).toBe(1);
      expect(back.received.map((m) => m.subject)).toEqual(["Aggiornamento"]);
    } finally {
      up.close();
      await back.close();
    }
  });

  it("marks a message failed after the last attempt, and keeps it visible", async () => {
    await enqueue(test.handle.db, {
      recipient: "mai@example.test",
      template: "t",
      subject: "Mai",
      text: "x",
    });
    await test.handle.db
      .updateTable("outbox")
      .set({ attempts: MAX_ATTEMPTS - 1 })
      .where("recipient", "=", "mai@example.test")
      .execute();
    const dead = smtpTransport("smtp://127.0.0.1:1?ignoreTLS=true");
    const report = await deliverDue(test.handle.db, dead, files, { from: "suap@example.test" });
    expect(report.failed).toBe(1);
    const row = await test.handle.db
      .selectFrom("outbox")
      .selectAll()
      .where("recipient", "=", "mai@example.test")
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("failed");
    expect(row.attempts).toBe(MAX_ATTEMPTS);
  });
});
