import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverDue, enqueue } from "~/server/mail/outbox.server";
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

  it("never gives up after many failures: stays pending, retried within four hours, the desk alerted once", async () => {
    const { db } = test.handle;
    await enqueue(db, { recipient: "mai@example.test", template: "t", subject: "Mai", text: "x" });
    // Eight failures and more than the alert threshold in the queue already (the outage of the issue).
    await db
      .updateTable("outbox")
      .set({ attempts: 8, created_at: sql`now() - interval '5 hours'` })
      .where("recipient", "=", "mai@example.test")
      .execute();
    const dead = smtpTransport("smtp://127.0.0.1:1?ignoreTLS=true");
    const report = await deliverDue(db, dead, files, { from: "suap@example.test", alertAfterHours: 4 });
    expect(report).toEqual({ sent: 0, retried: 1, failed: 1 });
    const row = await db
      .selectFrom("outbox")
      .selectAll()
      .where("recipient", "=", "mai@example.test")
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("pending");
    expect(row.attempts).toBe(9);
    expect(row.alerted_at).not.toBeNull();
    const waitMs = new Date(row.next_attempt_at as unknown as string).getTime() - Date.now();
    expect(waitMs).toBeLessThanOrEqual(241 * 60_000);
    // A later failure does not alert again.
    await db.updateTable("outbox").set({ next_attempt_at: sql`now()` }).where("id", "=", row.id).execute();
    const later = await deliverDue(db, dead, files, { from: "suap@example.test", alertAfterHours: 4 });
    expect(later.failed).toBe(0);
    // SMTP is back: the message goes, with the Message-ID it was given at enqueue.
    const smtp = await startSmtpServer();
    const live = smtpTransport(smtp.url);
    try {
      await db.updateTable("outbox").set({ next_attempt_at: sql`now()` }).where("id", "=", row.id).execute();
      const back = await deliverDue(db, live, files, { from: "SUAP <suap@example.test>" });
      expect(back.sent).toBe(1);
      expect(smtp.received[0]?.messageId).toBe(`<${row.message_id}@example.test>`);
    } finally {
      live.close();
      await smtp.close();
    }
  });

  it("keeps one Message-ID across attempts: a resend after a crash can be de-duplicated", async () => {
    const { db } = test.handle;
    await enqueue(db, { recipient: "crash@example.test", template: "t", subject: "Crash", text: "x" });
    const smtp = await startSmtpServer();
    const live = smtpTransport(smtp.url);
    try {
      await deliverDue(db, live, files, { from: "suap@example.test" });
      // The worker died after SMTP accepted it but before it recorded "sent": the row is due again.
      await db
        .updateTable("outbox")
        .set({ status: "pending", next_attempt_at: sql`now()` })
        .where("recipient", "=", "crash@example.test")
        .execute();
      await deliverDue(db, live, files, { from: "suap@example.test" });
      const mine = smtp.received.filter((m) => m.subject === "Crash");
      expect(mine).toHaveLength(2);
      expect(mine[0]!.messageId).toBeTruthy();
      expect(mine[1]!.messageId).toBe(mine[0]!.messageId);
    } finally {
      live.close();
      await smtp.close();
    }
  });

  it("two workers delivering at once send each message exactly once", async () => {
    const { db } = test.handle;
    const recipients = Array.from({ length: 24 }, (_, i) => `pari${i}@example.test`);
    await enqueue(
      db,
      recipients.map((r) => ({ recipient: r, template: "t", subject: `Pari ${r}`, text: "x" })),
    );
    const smtp = await startSmtpServer();
    const a = smtpTransport(smtp.url);
    const b = smtpTransport(smtp.url);
    try {
      const worker = async (t: typeof a) => {
        let sent = 0;
        for (let i = 0; i < 10; i++)
          sent += (await deliverDue(db, t, files, { from: "suap@example.test", batch: 5 })).sent;
        return sent;
      };
      const [sa, sb] = await Promise.all([worker(a), worker(b)]);
      expect(sa + sb).toBe(24);
      const got = smtp.received.filter((m) => m.subject?.startsWith("Pari ")).map((m) => m.subject);
      expect(got).toHaveLength(24);
      expect(new Set(got).size).toBe(24);
    } finally {
      a.close();
      b.close();
      await smtp.close();
    }
  });
});
