import { randomUUID } from "node:crypto";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { type ImapMailbox, type ImapServerHandle, startImapServer } from "./imap-server.server";
import { compose, daticertXml, type ReceiptKind } from "./envelope.server";

/**
 * The PEC provider double: what a PEC provider (gestore) does, on loopback, with the same protocols.
 *  - SMTP submission (authenticated, the envelope sender must be the authenticated mailbox): the message is
 *    accepted and an "accettazione" receipt goes to the sender's mailbox;
 *  - for each recipient with a mailbox here, a "busta di trasporto" (postacert.eml + daticert.xml) goes to the
 *    recipient's INBOX and an "avvenuta-consegna" receipt to the sender; a recipient without a mailbox gets an
 *    "errore-consegna" (mancata consegna) receipt to the sender;
 *  - IMAP4rev1 to read each mailbox.
 * A message submitted twice with the same Message-ID (a retry after a crash) is accepted once.
 * Refuses to start with NODE_ENV=production.
 */

export interface PecDoubleOptions {
  domain?: string;
  mailboxes: { address: string; password: string }[];
  /** Every recipient gets a mailbox on first delivery (the embedded default: every demo address is PEC). */
  acceptAnyRecipient?: boolean;
  /** Recipients that never get a mailbox (their delivery fails), even with acceptAnyRecipient. */
  unreachable?: (address: string) => boolean;
  host?: string;
}

export interface PecDouble {
  smtpPort: number;
  imapPort: number;
  host: string;
  /** Adds a mailbox (the tests create the agencies' mailboxes this way). */
  addMailbox(address: string, password: string): void;
  /** Raw messages in a mailbox (tests). */
  messages(address: string): Buffer[];
  /** Puts a raw message straight into a mailbox, as if another provider had delivered it (fault tests). */
  inject(address: string, raw: Buffer): void;
  /** Stops the IMAP side only (the "IMAP server down" fault). */
  stopImap(): Promise<void>;
  startImap(): Promise<void>;
  close(): Promise<void>;
}

export const GESTORE = "Gestore PEC di sviluppo (NON qualificato)";

export async function startPecDouble(opts: PecDoubleOptions): Promise<PecDouble> {
  if (process.env.NODE_ENV === "production")
    throw new Error(
      "Il gestore PEC di sviluppo non si avvia in produzione: configura PEC_SMTP_URL e PEC_IMAP_URL.",
    );
  const host = opts.host ?? "127.0.0.1";
  const domain = opts.domain ?? "pec-double.localhost";
  const passwords = new Map<string, string>();
  const boxes = new Map<string, ImapMailbox>();
  const submitted = new Set<string>();
  const key = (a: string) => a.trim().toLowerCase();
  const box = (address: string) => {
    let b = boxes.get(key(address));
    if (!b) {
      b = { uidValidity: Math.floor(Date.now() / 1000), nextUid: 1, messages: [] };
      boxes.set(key(address), b);
    }
    return b;
  };
  const addMailbox = (address: string, password: string) => {
    passwords.set(key(address), password);
    box(address);
  };
  for (const m of opts.mailboxes) addMailbox(m.address, m.password);
  const deliver = (address: string, raw: Buffer) => {
    const b = box(address);
    b.messages.push({ uid: b.nextUid++, raw, flags: new Set(), internalDate: new Date() });
  };
  const hasMailbox = (address: string) =>
    !opts.unreachable?.(address) && (passwords.has(key(address)) || !!opts.acceptAnyRecipient);

  const receipt = async (input: {
    kind: ReceiptKind;
    sender: string;
    recipients: string[];
    subject: string;
    originalId: string;
    consegna?: string;
    errore?: string;
    erroreEsteso?: string;
    original?: Buffer;
  }) => {
    const id = `<${randomUUID()}@${domain}>`;
    const at = new Date();
    const labels: Record<string, string> = {
      accettazione: "ACCETTAZIONE",
      "avvenuta-consegna": "CONSEGNA",
      "errore-consegna": "AVVISO DI MANCATA CONSEGNA",
    };
    const text =
      input.kind === "accettazione"
        ? `Il giorno ${at.toISOString()} il messaggio "${input.subject}" proveniente da "${input.sender}" ed indirizzato a ${input.recipients.join(", ")} è stato accettato dal sistema ed inoltrato.`
        : input.kind === "avvenuta-consegna"
          ? `Il giorno ${at.toISOString()} il messaggio "${input.subject}" proveniente da "${input.sender}" ed indirizzato a "${input.consegna}" è stato consegnato nella casella di destinazione.`
          : `Il giorno ${at.toISOString()} nel messaggio "${input.subject}" proveniente da "${input.sender}" ed indirizzato a "${input.consegna}" è stato rilevato un errore: ${input.erroreEsteso}. Il messaggio non è stato consegnato.`;
    const raw = await compose({
      from: `posta-certificata@${domain}`,
      to: input.sender,
      subject: `${labels[input.kind] ?? input.kind.toUpperCase()}: ${input.subject}`,
      messageId: id,
      date: at,
      headers: {
        "X-Ricevuta": input.kind,
        "X-Riferimento-Message-ID": input.originalId,
        ...(input.consegna ? { "X-Destinatario": input.consegna } : {}),
      },
      text,
      attachments: [
        {
          filename: "daticert.xml",
          contentType: "application/xml",
          content: daticertXml({
            tipo: input.kind,
            errore: input.errore ?? "nessuno",
            mittente: input.sender,
            destinatari: input.recipients,
            oggetto: input.subject,
            gestore: GESTORE,
            identificativo: id.slice(1, -1),
            msgid: input.originalId,
            consegna: input.consegna ?? null,
            erroreEsteso: input.erroreEsteso ?? null,
            at,
          }),
        },
        // A complete receipt carries the original (ricevuta completa).
        ...(input.original && input.kind === "avvenuta-consegna"
          ? [
              {
                filename: "postacert.eml",
                contentType: "message/rfc822",
                contentDisposition: "attachment" as const,
                content: input.original,
              },
            ]
          : []),
      ],
    });
    deliver(input.sender, raw);
  };

  const transport = async (
    sender: string,
    recipient: string,
    subject: string,
    originalId: string,
    original: Buffer,
    all: string[],
  ) => {
    const id = `<${randomUUID()}@${domain}>`;
    const at = new Date();
    const raw = await compose({
      from: `"Per conto di: ${sender}" <posta-certificata@${domain}>`,
      replyTo: sender,
      to: recipient,
      subject: `POSTA CERTIFICATA: ${subject}`,
      messageId: id,
      date: at,
      headers: { "X-Trasporto": "posta-certificata", "X-Riferimento-Message-ID": originalId },
      text: `Messaggio di posta certificata. Il giorno ${at.toISOString()} il messaggio "${subject}" è stato inviato da "${sender}" indirizzato a ${all.join(", ")}. Il messaggio originale è incluso in allegato.`,
      attachments: [
        {
          filename: "postacert.eml",
          contentType: "message/rfc822",
          contentDisposition: "attachment",
          content: original,
        },
        {
          filename: "daticert.xml",
          contentType: "application/xml",
          content: daticertXml({
            tipo: "posta-certificata",
            errore: "nessuno",
            mittente: sender,
            destinatari: all,
            oggetto: subject,
            gestore: GESTORE,
            identificativo: id.slice(1, -1),
            msgid: originalId,
            consegna: null,
            erroreEsteso: null,
            at,
          }),
        },
      ],
    });
    deliver(recipient, raw);
  };

  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    banner: "PEC provider double",
    size: 50 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      const expected = passwords.get(key(auth.username ?? ""));
      if (expected === undefined || expected !== auth.password)
        return callback(new Error("Credenziali non valide"));
      callback(null, { user: key(auth.username ?? "") });
    },
    onMailFrom(address, session, callback) {
      // PEC: the sender is the authenticated mailbox.
      if (key(address.address) !== session.user) {
        const e = new Error("Il mittente deve essere la casella autenticata") as Error & {
          responseCode: number;
        };
        e.responseCode = 553;
        return callback(e);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        try {
          const raw = Buffer.concat(chunks);
          const parsed = await simpleParser(raw, { skipHtmlToText: true });
          const sender = key(session.envelope.mailFrom ? session.envelope.mailFrom.address : "");
          const recipients = session.envelope.rcptTo.map((r) => key(r.address));
          const originalId = parsed.messageId ?? `<${randomUUID()}@${domain}>`;
          const subject = parsed.subject ?? "";
          const dedupe = `${sender}|${originalId}`;
          if (submitted.has(dedupe)) return callback(); // the same message again: accepted once
          submitted.add(dedupe);
          await receipt({ kind: "accettazione", sender, recipients, subject, originalId });
          for (const r of recipients) {
            if (hasMailbox(r)) {
              await transport(sender, r, subject, originalId, raw, recipients);
              await receipt({
                kind: "avvenuta-consegna",
                sender,
                recipients,
                subject,
                originalId,
                consegna: r,
                original: raw,
              });
            } else {
              await receipt({
                kind: "errore-consegna",
                sender,
                recipients,
                subject,
                originalId,
                consegna: r,
                errore: "no-dest",
                erroreEsteso: `5.1.1 - Casella ${r} inesistente`,
              });
            }
          }
          callback();
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  const smtpPort = await new Promise<number>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(0, host, () => resolve((smtp.server.address() as { port: number }).port));
  });
  smtp.on("error", () => {});
  const backend = {
    authenticate: (user: string, password: string) => passwords.get(key(user)) === password,
    mailbox: (user: string) => box(user),
  };
  let imap: ImapServerHandle | null = await startImapServer(backend, { host });
  let imapPort = imap.port;
  return {
    smtpPort,
    get imapPort() {
      return imapPort;
    },
    host,
    addMailbox,
    messages: (address) => box(address).messages.map((m) => m.raw),
    inject: (address, raw) => deliver(address, raw),
    async stopImap() {
      await imap?.close();
      imap = null;
    },
    async startImap() {
      imap ??= await startImapServer(backend, { host, port: imapPort }).catch(() =>
        startImapServer(backend, { host }),
      );
      imapPort = imap.port;
    },
    async close() {
      await imap?.close();
      await new Promise<void>((r) => smtp.close(() => r()));
    },
  };
}
