import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { sql } from "kysely";
import type { Database, OutboxAttachment, OutboxTable } from "../db/schema.server";
import { praticaDesk } from "../pratiche/repository.server";
import type { FileStore } from "../storage.server";
import type { MailTransport } from "./transport.server";

/** Hours a message may stay undelivered before the desk is told (MAIL_ALERT_AFTER_HOURS). */
export const DEFAULT_ALERT_AFTER_HOURS = 4;
/** The longest wait between two attempts: once SMTP is back, every message goes within this. */
const MAX_BACKOFF_MINUTES = 240;
const ALERT_TEMPLATE = "delivery_alert";
/** A claimed message is leased for this long; a worker that dies mid-send lets another retry it. */
const LEASE_MINUTES = 5;

export interface EnqueueInput {
  dedupeKey?: string;
  /** "email" (default) or "pec": a certified message to an agency's or a business's PEC (issue 17). */
  channel?: "email" | "pec";
  recipient: string;
  locale?: string;
  template: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: OutboxAttachment[];
  praticaId?: string;
}

/**
 * Adds a message inside the caller's transaction: it exists exactly when the change that caused it commits.
 * A dedupe key makes retries of the same business action enqueue once.
 */
export async function enqueue(
  trx: Transaction<Database> | Kysely<Database>,
  input: EnqueueInput | EnqueueInput[],
) {
  const messages = Array.isArray(input) ? input : [input];
  if (!messages.length) return;
  const now = new Date();
  // One statement for all of a step's messages.
  await trx
    .insertInto("outbox")
    .values(
      messages.map((m) => ({
        dedupe_key: m.dedupeKey ?? null,
        channel: m.channel ?? "email",
        recipient: m.recipient,
        locale: m.locale ?? "it",
        template: m.template,
        subject: m.subject,
        body_text: m.text,
        body_html: m.html ?? null,
        attachments: JSON.stringify(m.attachments ?? []),
        pratica_id: m.praticaId ?? null,
        // Set once, here: every attempt (and a resend after a crash) carries the same Message-ID.
        message_id: randomUUID(),
        next_attempt_at: now,
      })),
    )
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .execute();
}

/** Minutes to wait after the n-th failed attempt: 1, 2, 4, 8 ... capped at four hours, for ever (never given up). */
export function backoffMinutes(attempts: number) {
  return Math.min(2 ** Math.min(Math.max(0, attempts - 1), 20), MAX_BACKOFF_MINUTES);
}

/** The Message-ID header of a message: its id from enqueue, at the sender's domain. */
export function messageIdHeader(id: string, from: string) {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? "suap.localhost";
  return `<${id}@${domain}>`;
}

type OutboxRow = {
  [K in keyof OutboxTable]: OutboxTable[K] extends { __select__: infer S } ? S : OutboxTable[K];
};

/**
 * Sends a row of channel "pec" through the PEC provider (app/server/integrations/pec/): with the row's
 * Message-ID, a signed segnatura. Its receipts, read later from the mailbox, say "accepted" and "delivered".
 */
export type PecSender = (
  row: OutboxRow,
  attachments: { filename: string; contentType: string; content: Buffer }[],
) => Promise<{ segnaturaKey: string | null; recipient: string }>;

export interface DeliveryReport {
  sent: number;
  retried: number;
  /** retried messages undelivered past the alert threshold, for which the desk was alerted in this run */
  failed: number;
}

/**
 * Delivers due messages. Claiming is a short transaction (SKIP LOCKED + a lease), sending happens outside
 * it, so a slow or dead SMTP server never holds a database lock; a failure schedules a retry with backoff
 * and after MAX_ATTEMPTS the message is marked failed (still visible, never dropped silently).
 */
export async function deliverDue(
  db: Kysely<Database>,
  transport: MailTransport | null,
  files: FileStore,
  opts: {
    from: string;
    batch?: number;
    alertAfterHours?: number;
    /** PEC rows go through it (without it they go through `transport` like any mail). */
    pec?: PecSender;
    /** Only these channels (the embedded default without SMTP_URL delivers only PEC, to the double). */
    channels?: readonly ("email" | "pec")[];
  },
): Promise<DeliveryReport> {
  const alertAfterMs = (opts.alertAfterHours ?? DEFAULT_ALERT_AFTER_HOURS) * 3_600_000;
  const report: DeliveryReport = { sent: 0, retried: 0, failed: 0 };
  const claimed = await db.transaction().execute(async (trx) => {
    let query = trx
      .selectFrom("outbox")
      .selectAll()
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", sql<Date>`now()`);
    if (opts.channels) query = query.where("channel", "in", [...opts.channels]);
    const due = await query
      .orderBy("id")
      .limit(opts.batch ?? 20)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length) {
      await trx
        .updateTable("outbox")
        .set({ next_attempt_at: sql`now() + make_interval(mins => ${LEASE_MINUTES})` })
        .where(
          "id",
          "in",
          due.map((d) => d.id),
        )
        .execute();
    }
    return due;
  });
  for (const message of claimed) {
    try {
      const attachments = await Promise.all(
        (message.attachments as OutboxAttachment[]).map(async (a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: await files.get(a.storageKey),
        })),
      );
      // Rows enqueued before the column existed get their id on first claim, then keep it.
      let id = message.message_id;
      if (!id) {
        id = randomUUID();
        await db.updateTable("outbox").set({ message_id: id }).where("id", "=", message.id).execute();
      }
      if (message.channel === "pec" && opts.pec) {
        // Submitted to the provider: "sent" (accepted) and "delivered" come with its receipts.
        const submitted = await opts.pec({ ...message, message_id: id }, attachments);
        await db
          .updateTable("outbox")
          .set({
            status: "sent",
            sent_at: new Date(),
            attempts: message.attempts + 1,
            last_error: null,
            pec_status: "submitted",
            segnatura_key: submitted.segnaturaKey,
            ...(submitted.recipient !== message.recipient
              ? { pec_error: `Domicilio digitale INI-PEC: ${submitted.recipient}` }
              : {}),
          })
          .where("id", "=", message.id)
          .execute();
        report.sent++;
        continue;
      }
      if (!transport) throw new Error("Nessun server di posta configurato (SMTP_URL).");
      await transport.send({
        messageId: messageIdHeader(id, opts.from),
        from: opts.from,
        to: message.recipient,
        subject: message.subject,
        text: message.body_text,
        html: message.body_html ?? undefined,
        attachments,
      });
      await db
        .updateTable("outbox")
        .set({ status: "sent", sent_at: new Date(), attempts: message.attempts + 1, last_error: null })
        .where("id", "=", message.id)
        .execute();
      report.sent++;
    } catch (error) {
      const attempts = message.attempts + 1;
      const overdue =
        !message.alerted_at &&
        message.template !== ALERT_TEMPLATE &&
        Date.now() - new Date(message.created_at).getTime() >= alertAfterMs;
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("outbox")
          .set({
            attempts,
            last_error: String((error as Error).message ?? error).slice(0, 1000),
            // Never given up: it stays pending and is retried at most four hours apart until SMTP takes it.
            status: "pending",
            next_attempt_at: sql`now() + make_interval(mins => ${backoffMinutes(attempts)})`,
            ...(overdue ? { alerted_at: new Date() } : {}),
          })
          .where("id", "=", message.id)
          .execute();
        if (overdue) await alertDesk(trx, message, attempts, String((error as Error).message ?? error));
      });
      if (overdue) report.failed++;
      report.retried++;
    }
  }
  return report;
}

/**
 * Tells the desk a message is still undelivered after the alert threshold: a line in the log (the operators'
 * alerting reads it) and a message to the desk's address in the same outbox (delivered when mail flows again,
 * or shown on the development mailbox), once per message.
 */
async function alertDesk(
  trx: Transaction<Database>,
  message: {
    id: number | string;
    recipient: string;
    subject: string;
    pratica_id: string | null;
    created_at: unknown;
  },
  attempts: number,
  lastError: string,
) {
  console.error(
    `[posta] messaggio ${message.id} a ${message.recipient} non consegnato dopo ${attempts} tentativi: ${lastError}`,
  );
  const desk = message.pratica_id ? await praticaDesk(trx, message.pratica_id) : undefined;
  if (!desk?.pec) return;
  await enqueue(trx, {
    dedupeKey: `delivery-alert:${message.id}`,
    recipient: desk.pec,
    template: ALERT_TEMPLATE,
    subject: `Posta non consegnata: ${message.subject}`,
    text: [
      `Il messaggio «${message.subject}» per ${message.recipient} non è ancora stato consegnato`,
      `(in coda dal ${new Date(message.created_at as string).toISOString()}, ${attempts} tentativi; ultimo errore: ${lastError}).`,
      "Il portale continua a riprovare almeno ogni quattro ore. Verificate il server di posta (SMTP_URL)",
      "e, se serve, avvisate il destinatario con un altro mezzo.",
    ].join("\n"),
    praticaId: message.pratica_id ?? undefined,
  });
}
