/**
 * The PEC port (posta elettronica certificata, DPR 68/2005): the SUAP's certified mailbox at its provider.
 * Sending is SMTP submission to the provider; the provider's receipts and the certified messages addressed to
 * the SUAP are read from the mailbox over IMAP. Adapters: `smtp-imap.server.ts` (nodemailer + imapflow, any
 * provider) and the provider double (`double.server.ts`, same protocols on loopback).
 */

export interface PecAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface PecOutgoingMessage {
  to: string;
  subject: string;
  text: string;
  /** "<id@domain>", the same on every attempt: the provider's receipts name it (X-Riferimento-Message-ID). */
  messageId: string;
  attachments: PecAttachment[];
}

export interface MailboxMessage {
  uid: number;
  raw: Buffer;
}

export interface PecMailbox {
  /** The SUAP's PEC address (the sender of every message). */
  readonly address: string;
  send(message: PecOutgoingMessage): Promise<void>;
  /**
   * Reads the unseen messages of INBOX and hands each to `handle`; a message whose handling succeeded is
   * flagged \Seen, one whose handling threw stays unseen and comes back at the next read.
   */
  readUnseen(handle: (message: MailboxMessage) => Promise<void>): Promise<{ read: number; failed: number }>;
  close(): Promise<void>;
}

/** INI-PEC (art. 6-bis CAD): the domicilio digitale of a business, by its codice fiscale. */
export interface DomicilioLookup {
  lookup(codiceFiscale: string): Promise<string | null>;
}
