import nodemailer, { type Transporter } from "nodemailer";

export interface MailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** One Message-ID per message, the same on every attempt: a resend after a crash can be de-duplicated. */
  messageId?: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface MailTransport {
  send(message: MailMessage): Promise<void>;
}

/** nodemailer over SMTP_URL (smtp:// or smtps://; a PEC provider's relay works the same way). */
export function smtpTransport(url: string): MailTransport & { close(): void } {
  const parsed = new URL(url);
  // ?ignoreTLS=true for relays on loopback without a certificate (tests, local relays).
  const transporter: Transporter = nodemailer.createTransport({
    host: parsed.hostname,
    port: Number(parsed.port || (parsed.protocol === "smtps:" ? 465 : 25)),
    secure: parsed.protocol === "smtps:",
    ignoreTLS: parsed.searchParams.get("ignoreTLS") === "true",
    auth: parsed.username
      ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) }
      : undefined,
    connectionTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(message) {
      await transporter.sendMail(message);
    },
    close() {
      transporter.close();
    },
  };
}
