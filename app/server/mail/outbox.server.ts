import type { Kysely, Transaction } from "kysely";
import { sql } from "kysely";
import type { Database, OutboxAttachment } from "../db/schema.server";
import type { FileStore } from "../storage.server";
import type { MailTransport } from "./transport.server";

export const MAX_ATTEMPTS = 8;
/** A claimed message is leased for this long; a worker that dies mid-send lets another retry it. */
const LEASE_MINUTES = 5;

export interface EnqueueInput {
  dedupeKey?: string;
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
        recipient: m.recipient,
        locale: m.locale ?? "it",
        template: m.template,
        subject: m.subject,
        body_text: m.text,
        body_html: m.html ?? null,
        attachments: JSON.stringify(m.attachments ?? []),
        pratica_id: m.praticaId ?? null,
        next_attempt_at: now,
      })),
    )
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .execute();
}

/** Minutes to wait after the n-th failed attempt: 1, 2, 4, 8 ... capped at 4 hours. */
export function backoffMinutes(attempts: number) {
  return Math.min(2 ** Math.max(0, attempts - 1), 240);
}

export interface DeliveryReport {
  sent: number;
  retried: number;
  failed: number;
}

/**
 * Delivers due messages. Claiming is a short transaction (SKIP LOCKED + a lease), sending happens outside
 * it, so a slow or dead SMTP server never holds a database lock; a failure schedules a retry with backoff
 * and after MAX_ATTEMPTS the message is marked failed (still visible, never dropped silently).
 */
export async function deliverDue(
  db: Kysely<Database>,
  transport: MailTransport,
  files: FileStore,
  opts: { from: string; batch?: number },
): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retried: 0, failed: 0 };
  const claimed = await db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom("outbox")
      .selectAll()
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", sql<Date>`now()`)
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
      await transport.send({
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
      const failed = attempts >= MAX_ATTEMPTS;
      await db
        .updateTable("outbox")
        .set({
          attempts,
          last_error: String((error as Error).message ?? error).slice(0, 1000),
          status: failed ? "failed" : "pending",
          next_attempt_at: sql`now() + make_interval(mins => ${backoffMinutes(attempts)})`,
        })
        .where("id", "=", message.id)
        .execute();
      if (failed) report.failed++;
      else report.retried++;
    }
  }
  return report;
}
