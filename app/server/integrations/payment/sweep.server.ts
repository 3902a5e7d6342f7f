import type { Kysely } from "kysely";
import { romeDate } from "~/domain/dates";
import { formatEuro } from "~/domain/payments/iuv";
import { renderTemplate } from "~/i18n/mail";
import { addDays } from "../../../../workflows/clock";
import type { Database } from "../../db/schema.server";
import { enqueue } from "../../mail/outbox.server";
import { enqueueCall } from "../queue.server";
import type { PaymentConfig } from "./config.server";
import { PAYMENT_DEADLINE } from "./service.server";

/**
 * The regular work on unpaid notices (issue 15, ADR 0017), run by the worker's "payments-sweep" job:
 *  1. polling: one queued `poll` call per live unpaid position and polling slot (PAGOPA_POLL_MINUTES), so a
 *     lost notification is recovered without the business coming back; the idempotency key is per position
 *     and slot, so two workers, or a sweep run twice, queue one call;
 *  2. reminders: PAGOPA_REMINDER_DAYS before a payment deadline (payment after submission), one mail to the
 *     applicant (the filer and the business's PEC), deduplicated by the deadline's id in the outbox.
 * Everything is rows in one short transaction per step; the calls run after COMMIT through the queue.
 */
export interface PaymentSweepReport {
  polls: number;
  reminders: number;
}

export async function sweepPayments(
  db: Kysely<Database>,
  config: PaymentConfig,
  opts: { now?: Date; publicUrl: string; limit?: number },
): Promise<PaymentSweepReport> {
  const now = opts.now ?? new Date();
  const report: PaymentSweepReport = { polls: 0, reminders: 0 };
  if (!config.enabled) return report;
  const slot = Math.floor(now.getTime() / (config.pollMinutes * 60_000));
  const since = new Date(now.getTime() - config.pollMinutes * 60_000);
  report.polls = await db.transaction().execute(async (trx) => {
    // Positions created at least one slot ago (the fresh ones were just answered by createPosition).
    const open = await trx
      .selectFrom("payment_positions")
      .select(["id", "pratica_id"])
      .where("status", "in", ["valid", "cancelling"])
      .where("created_at", "<=", since)
      .orderBy("created_at")
      .limit(opts.limit ?? 500)
      .execute();
    let n = 0;
    for (const o of open) {
      const key = `payment:poll:${o.id}:s${config.pollMinutes}:${slot}`;
      const known = await trx
        .selectFrom("integration_calls")
        .select("id")
        .where("idempotency_key", "=", key)
        .executeTakeFirst();
      if (known) continue;
      await enqueueCall(trx, {
        kind: "payment",
        operation: "poll",
        idempotencyKey: key,
        praticaId: o.pratica_id,
        payload: { positionId: o.id },
      });
      n++;
    }
    return n;
  });

  const today = romeDate(now);
  const horizon = addDays(today, config.reminderDays);
  report.reminders = await db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom("deadlines as d")
      .innerJoin("pratiche as p", "p.id", "d.pratica_id")
      .innerJoin("businesses as b", "b.id", "p.business_id")
      .innerJoin("users as u", "u.id", "p.filer_user_id")
      .innerJoin("entities as c", "c.id", "p.municipality_id")
      .innerJoin("entities as desk", "desk.id", "p.desk_id")
      .select([
        "d.id",
        "d.due",
        "p.id as pratica_id",
        "p.title",
        "p.cui",
        "p.protocol_number",
        "p.status",
        "b.name as business",
        "b.pec as business_pec",
        "u.email",
        "u.locale",
        "c.name as comune",
        "desk.name as desk",
      ])
      .where("d.name", "=", PAYMENT_DEADLINE)
      .where("d.status", "=", "active")
      .where("d.due", ">=", today)
      .where("d.due", "<=", horizon)
      .execute();
    let n = 0;
    for (const d of due) {
      const unpaid = await trx
        .selectFrom("payment_positions")
        .select((eb) => eb.fn.sum<string>("amount_cents").as("cents"))
        .where("pratica_id", "=", d.pratica_id)
        .where("status", "in", ["creating", "valid"])
        .executeTakeFirst();
      const cents = Number(unpaid?.cents ?? 0);
      if (cents <= 0) continue;
      const link = `${opts.publicUrl.replace(/\/$/, "")}/pratiche/${d.pratica_id}/pagamenti`;
      const addresses = [
        { email: d.email, locale: d.locale === "en" ? ("en" as const) : ("it" as const) },
        ...(d.business_pec ? [{ email: d.business_pec, locale: "it" as const }] : []),
      ];
      const seen = new Set<string>();
      const messages = addresses.flatMap((a) => {
        const key = a.email.toLowerCase();
        if (seen.has(key)) return [];
        seen.add(key);
        const rendered = renderTemplate("pagamento_promemoria", a.locale, {
          title: d.title,
          cui: d.cui ?? "",
          protocolNumber: d.protocol_number,
          comune: d.comune,
          business: d.business,
          status: d.status,
          desk: d.desk,
          finalDue: null,
          integrationDue: null,
          observationsDue: null,
          reasons: null,
          link,
          audience: "applicant",
          paymentDue: String(d.due).slice(0, 10),
          paymentAmount: formatEuro(cents),
        });
        return [
          {
            dedupeKey: `payment-reminder:${d.id}:${key}`,
            recipient: a.email,
            locale: a.locale,
            template: "pagamento_promemoria",
            subject: rendered.subject,
            text: rendered.text,
            praticaId: d.pratica_id,
          },
        ];
      });
      const before = await trx
        .selectFrom("outbox")
        .select("id")
        .where(
          "dedupe_key",
          "in",
          messages.map((m) => m.dedupeKey),
        )
        .execute();
      await enqueue(trx, messages);
      n += messages.length - before.length;
    }
    return n;
  });
  return report;
}

/** The desk's overdue payments: submitted pratiche past their payment deadline with notices still unpaid. */
export async function overduePayments(db: Kysely<Database>, deskIds: readonly number[], now = new Date()) {
  if (deskIds.length === 0) return [];
  const today = romeDate(now);
  return db
    .selectFrom("deadlines as d")
    .innerJoin("pratiche as p", "p.id", "d.pratica_id")
    .innerJoin("businesses as b", "b.id", "p.business_id")
    .innerJoin("payment_positions as pp", "pp.pratica_id", "p.id")
    .select((eb) => [
      "p.id as pratica_id",
      "p.cui",
      "p.title",
      "b.name as business",
      "d.due",
      eb.fn.sum<string>("pp.amount_cents").as("unpaid_cents"),
      eb.fn.count<string>("pp.id").as("notices"),
    ])
    .where("d.name", "=", PAYMENT_DEADLINE)
    .where("d.status", "=", "active")
    .where("d.due", "<", today)
    .where("p.desk_id", "in", [...deskIds])
    .where("pp.status", "in", ["creating", "valid"])
    .groupBy(["p.id", "p.cui", "p.title", "b.name", "d.due"])
    .orderBy("d.due")
    .execute();
}
