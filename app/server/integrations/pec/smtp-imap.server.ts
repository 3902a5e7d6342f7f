import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import type { MailboxMessage, PecMailbox, PecOutgoingMessage } from "./port.server";

/**
 * The real adapter: SMTP submission to the provider (nodemailer) and the SUAP's PEC mailbox over IMAP
 * (imapflow). Works with every Italian PEC provider (they all offer SMTPS 465 and IMAPS 993); the test double
 * speaks the same protocols without TLS on loopback.
 */
export function smtpImapMailbox(opts: { address: string; smtpUrl: string; imapUrl: string }): PecMailbox {
  const smtp = new URL(opts.smtpUrl);
  const imap = new URL(opts.imapUrl);
  const transporter = nodemailer.createTransport({
    host: smtp.hostname,
    port: Number(smtp.port || (smtp.protocol === "smtps:" ? 465 : 587)),
    secure: smtp.protocol === "smtps:",
    ignoreTLS: smtp.searchParams.get("ignoreTLS") === "true",
    auth: { user: decodeURIComponent(smtp.username), pass: decodeURIComponent(smtp.password) },
    connectionTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    address: opts.address,
    async send(message: PecOutgoingMessage) {
      await transporter.sendMail({
        from: opts.address,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: message.messageId,
        attachments: message.attachments,
      });
    },
    async readUnseen(handle: (message: MailboxMessage) => Promise<void>) {
      const client = new ImapFlow({
        host: imap.hostname,
        port: Number(imap.port || (imap.protocol === "imaps:" ? 993 : 143)),
        secure: imap.protocol === "imaps:",
        doSTARTTLS:
          imap.protocol === "imaps:"
            ? undefined
            : imap.searchParams.get("ignoreTLS") === "true"
              ? false
              : undefined,
        auth: { user: decodeURIComponent(imap.username), pass: decodeURIComponent(imap.password) },
        logger: false,
        disableAutoIdle: true,
        connectionTimeout: 15_000,
      });
      client.on("error", () => {});
      await client.connect();
      let read = 0;
      let failed = 0;
      try {
        const lock = await client.getMailboxLock(decodeURIComponent(imap.pathname.slice(1)) || "INBOX");
        try {
          const uids = ((await client.search({ seen: false }, { uid: true })) || []) as number[];
          for (const uid of uids) {
            const message = await client.fetchOne(String(uid), { source: true, uid: true }, { uid: true });
            if (!message || !message.source) continue;
            try {
              await handle({ uid, raw: message.source });
              await client.messageFlagsAdd(String(uid), ["\\Seen"], { uid: true });
              read++;
            } catch (error) {
              failed++;
              console.error(`[pec] messaggio ${uid} non elaborato: ${(error as Error).message}`);
            }
          }
        } finally {
          lock.release();
        }
      } finally {
        await client.logout().catch(() => client.close());
      }
      return { read, failed };
    },
    async close() {
      transporter.close();
    },
  };
}
