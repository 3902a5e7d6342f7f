import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { type Kysely, sql, type Transaction } from "kysely";
import { buildIuv, noticeNumber } from "~/domain/payments/iuv";
import { PROVINCE_OF } from "~/domain/payments/creditors";
import {
  blocksSubmission,
  type FeeInput,
  iupdFor,
  type PaymentTiming,
  type PlannedTransfer,
  plannedPositions,
  storedTiming,
} from "~/domain/payments/positions";
import type { Database, PaymentPositionsTable } from "../../db/schema.server";
import type { Selectable } from "kysely";
import { romeDate } from "~/domain/dates";
import { type Calendar, type IsoDate, termEnd } from "../../../../workflows/clock";
import { verificationCode } from "../../documents/pdf.server";
import type { FileStore } from "../../storage.server";
import { lockPratica } from "../../pratiche/repository.server";
import { type AlertDesk, DEFAULT_LEASE_MS, enqueueCall, recordOutcome } from "../queue.server";
import type { IntegrationHandler, ResultDispatchFn } from "../types.server";
import { creditorFor, type PaymentConfig } from "./config.server";
import { renderReceiptPdf } from "./pdf.server";
import type { CartRequest, GpdPosition, PaymentPort } from "./port.server";

export type PaymentPosition = Selectable<PaymentPositionsTable>;

interface StoredFeesLike {
  lines?: { usecase: string; title: { it: string } | string; dirittiCents: number }[];
  agencyLines?: {
    usecase: string;
    title: { it: string } | string;
    agency: string;
    agencyName: string;
    cents: number;
  }[];
  applicationBolloCents?: number;
}

/** The pratica, its Comune and business: what positions, notices and receipts are built from. */
export async function praticaForPayment(db: Kysely<Database>, praticaId: string) {
  return db
    .selectFrom("pratiche as p")
    .innerJoin("entities as m", "m.id", "p.municipality_id")
    .innerJoin("businesses as b", "b.id", "p.business_id")
    .select([
      "p.id",
      "p.title",
      "p.cui",
      "p.status",
      "p.fees",
      "p.submitted_at",
      "p.business_id",
      "p.municipality_id",
      "m.code as municipality_code",
      "m.name as municipality_name",
      "b.name as business_name",
      "b.fiscal_code as business_fiscal_code",
    ])
    .where("p.id", "=", praticaId)
    .executeTakeFirst();
}

type PraticaForPayment = NonNullable<Awaited<ReturnType<typeof praticaForPayment>>>;

const titleIt = (t: { it: string } | string) => (typeof t === "string" ? t : t.it);

/**
 * The document the @e.bollo stamp is for: the application (istanza) of the pratica. Its hash is the SHA-256
 * (base64, GPD stBase64Binary72) of the pratica's identity and content as filed for payment: id, title and
 * fees (ADR 0017: the application PDF only exists after submission, which a paid stamp must precede).
 */
export function istanzaHash(p: { id: string; title: string; fees: unknown }): string {
  return createHash("sha256")
    .update(JSON.stringify({ pratica: p.id, title: p.title, fees: p.fees ?? null }))
    .digest("base64");
}

function feeInput(p: PraticaForPayment): FeeInput {
  const fees = (p.fees ?? {}) as StoredFeesLike;
  const bolloCents = fees.applicationBolloCents ?? 0;
  return {
    municipality: p.municipality_code,
    lines: (fees.lines ?? []).map((l) => ({
      usecase: l.usecase,
      title: titleIt(l.title),
      dirittiCents: l.dirittiCents,
    })),
    agencyLines: (fees.agencyLines ?? []).map((l) => ({
      usecase: l.usecase,
      title: titleIt(l.title),
      agency: l.agency,
      agencyName: l.agencyName,
      cents: l.cents,
    })),
    bollo:
      bolloCents > 0
        ? {
            cents: bolloCents,
            hashDocument: istanzaHash(p),
            provincialResidence: PROVINCE_OF[p.municipality_code] ?? "PI",
          }
        : null,
  };
}

export function planFor(config: PaymentConfig, p: PraticaForPayment) {
  return plannedPositions(
    feeInput(p),
    (code, name) =>
      creditorFor(config, code, code === p.municipality_code ? p.municipality_name : (name ?? code)),
    p.title,
  );
}

/** Payment must precede submission unless the catalogue says it may follow (the pratica's stored fees). */
export const DEFAULT_TIMING: PaymentTiming = { kind: "before" };

export function timingOf(p: { fees: unknown }): PaymentTiming {
  return storedTiming(p.fees);
}

/** Whether the pratica's @e.bollo stamp is collected through pagoPA (then the bollo declaration is not needed). */
export function bolloThroughPagopa(planned: readonly { transfers: readonly { stamp?: unknown }[] }[]) {
  return planned.some((x) => x.transfers.some((t) => t.stamp));
}

export async function positionsOf(db: Kysely<Database>, praticaId: string) {
  return db
    .selectFrom("payment_positions")
    .selectAll()
    .where("pratica_id", "=", praticaId)
    .orderBy("created_at")
    .execute();
}

export interface PaymentOverview {
  /** false: this Comune has no pagoPA configuration; the uploaded payment proof is the fallback */
  pagopa: boolean;
  /** before submission (default), or within N days after it */
  timing: PaymentTiming;
  /** the imposta di bollo is paid through @e.bollo (a stamp transfer) */
  ebollo: boolean;
  plannedCount: number;
  totalCents: number;
  positions: PaymentPosition[];
  blocking: boolean;
}

export async function paymentOverview(db: Kysely<Database>, config: PaymentConfig, praticaId: string) {
  const p = await praticaForPayment(db, praticaId);
  if (!p) return null;
  const planned = planFor(config, p);
  const positions = await positionsOf(db, praticaId);
  const timing = timingOf(p);
  return {
    pagopa: planned.length > 0,
    timing,
    ebollo: bolloThroughPagopa(planned),
    plannedCount: planned.length,
    totalCents: planned.reduce((s, x) => s + x.amountCents, 0),
    positions,
    blocking: blocksSubmission(timing, positions, planned.length),
  } satisfies PaymentOverview;
}

/** Whether pagoPA collects this pratica's fees (then the uploaded payment proof is not asked for). */
export async function pagopaCollects(db: Kysely<Database>, config: PaymentConfig, praticaId: string) {
  const p = await praticaForPayment(db, praticaId);
  return p ? planFor(config, p).length > 0 : false;
}

async function nextIuvNumber(trx: Transaction<Database>, fiscalCode: string): Promise<number> {
  const row = await trx
    .insertInto("payment_iuv_counters")
    .values({ creditor_fiscal_code: fiscalCode, last_number: 1 })
    .onConflict((oc) =>
      oc.column("creditor_fiscal_code").doUpdateSet((eb) => ({
        last_number: eb("payment_iuv_counters.last_number", "+", 1),
      })),
    )
    .returning("last_number")
    .executeTakeFirstOrThrow();
  return Number(row.last_number);
}

function addDays(date: Date, days: number): string {
  const d = new Date(date.getTime() + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/**
 * Creates the debt positions the fees call for, as rows plus queued create_position calls, in ONE
 * transaction; a live position whose amount no longer matches the fees (the bundle changed) is cancelled and
 * replaced. Nothing is sent to pagoPA here: the calls run after COMMIT. Returns the ids of the queued calls.
 */
export async function preparePositions(
  db: Kysely<Database>,
  config: PaymentConfig,
  praticaId: string,
  now = new Date(),
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    await lockPratica(trx, praticaId);
    return preparePositionsIn(trx, config, praticaId, now, await livePaymentDeadline(trx, praticaId));
  });
}

/** The due date of the pratica's live payment deadline (payment after submission), if any. */
async function livePaymentDeadline(trx: Transaction<Database>, praticaId: string) {
  const d = await trx
    .selectFrom("deadlines")
    .select("due")
    .where("pratica_id", "=", praticaId)
    .where("name", "=", PAYMENT_DEADLINE)
    .where("status", "=", "active")
    .executeTakeFirst();
  return d ? String(d.due).slice(0, 10) : undefined;
}

/** The live payment deadline of a pratica (ISO date), shown on its payments page. */
export async function paymentDeadlineOf(db: Kysely<Database>, praticaId: string) {
  const d = await db
    .selectFrom("deadlines")
    .select("due")
    .where("pratica_id", "=", praticaId)
    .where("name", "=", PAYMENT_DEADLINE)
    .where("status", "=", "active")
    .executeTakeFirst();
  return d ? String(d.due).slice(0, 10) : null;
}

/** The name of the payment deadline in `deadlines` (payment after submission; reminder only, no event). */
export const PAYMENT_DEADLINE = "pagamento";

/**
 * At submission, inside its transaction (the pratica locked): where the catalogue lets payment follow the
 * submission and something is still unpaid, the payment deadline (`termEnd` of the legal clock: N calendar
 * days, moved off holidays) is set as a deadline of the pratica and the positions are prepared with that due
 * date. Returns the queued calls, which the worker runs after COMMIT.
 */
export async function paymentsOnSubmit(
  trx: Transaction<Database>,
  config: PaymentConfig,
  praticaId: string,
  now: Date,
  calendar: Calendar,
): Promise<string[]> {
  const p = await praticaForPayment(trx, praticaId);
  if (!p) return [];
  const timing = timingOf(p);
  if (timing.kind !== "after") return [];
  const planned = planFor(config, p);
  if (planned.length === 0) return [];
  if (!blocksSubmission(DEFAULT_TIMING, await positionsOf(trx, praticaId), planned.length)) return [];
  const due = termEnd(romeDate(now) as IsoDate, timing.days, calendar);
  await trx
    .updateTable("deadlines")
    .set({ status: "cancelled", updated_at: now })
    .where("pratica_id", "=", praticaId)
    .where("name", "=", PAYMENT_DEADLINE)
    .where("status", "in", ["active", "suspended"])
    .execute();
  await trx
    .insertInto("deadlines")
    .values({
      pratica_id: praticaId,
      name: PAYMENT_DEADLINE,
      due,
      event: null,
      payload: JSON.stringify({ days: timing.days }),
    })
    .execute();
  return preparePositionsIn(trx, config, praticaId, now, due);
}

/** Once nothing live is unpaid, the payment deadline is met: closed as done. */
async function settlePaymentDeadline(trx: Transaction<Database>, praticaId: string, now: Date) {
  const open = await trx
    .selectFrom("payment_positions")
    .select("id")
    .where("pratica_id", "=", praticaId)
    .where("status", "in", ["creating", "valid"])
    .executeTakeFirst();
  if (open) return;
  await trx
    .updateTable("deadlines")
    .set({ status: "done", updated_at: now })
    .where("pratica_id", "=", praticaId)
    .where("name", "=", PAYMENT_DEADLINE)
    .where("status", "in", ["active", "suspended"])
    .execute();
}

async function preparePositionsIn(
  trx: Transaction<Database>,
  config: PaymentConfig,
  praticaId: string,
  now: Date,
  dueDate?: string,
): Promise<string[]> {
  {
    const p = await praticaForPayment(trx, praticaId);
    if (!p) return [];
    const planned = planFor(config, p);
    const existing = await positionsOf(trx, praticaId);
    const callIds: string[] = [];
    const creditorIds = new Map<string, number>();
    for (const plan of planned) {
      let entityId = creditorIds.get(plan.creditor.entityCode);
      if (entityId === undefined) {
        const e = await trx
          .selectFrom("entities")
          .select("id")
          .where("code", "=", plan.creditor.entityCode)
          .executeTakeFirstOrThrow();
        entityId = e.id;
        creditorIds.set(plan.creditor.entityCode, entityId);
      }
      const live = existing.filter(
        (x) => x.creditor_entity_id === entityId && !["cancelled", "failed"].includes(x.status),
      );
      const current = live[0];
      if (current && (current.status === "paid" || current.amount_cents === plan.amountCents)) continue;
      if (current) {
        await trx
          .updateTable("payment_positions")
          .set({ status: "cancelled", updated_at: now })
          .where("id", "=", current.id)
          .where("status", "in", ["valid", "creating"])
          .execute();
        callIds.push(await enqueueCancel(trx, praticaId, current.id));
      }
      const attempt = existing.filter((x) => x.creditor_entity_id === entityId).length + 1;
      const iuv = buildIuv(plan.creditor.segregationCode, await nextIuvNumber(trx, plan.creditor.fiscalCode));
      const id = randomUUID();
      await trx
        .insertInto("payment_positions")
        .values({
          id,
          pratica_id: praticaId,
          creditor_entity_id: entityId,
          creditor_fiscal_code: plan.creditor.fiscalCode,
          iupd: iupdFor(plan.creditor.fiscalCode, praticaId, attempt),
          iuv,
          notice_number: noticeNumber(iuv),
          amount_cents: plan.amountCents,
          description: plan.description,
          transfers: JSON.stringify(plan.transfers),
          due_date: dueDate ?? addDays(now, config.dueDays),
          created_at: now,
          updated_at: now,
        })
        .execute();
      const c = await enqueueCall(trx, {
        kind: "payment",
        operation: "create_position",
        idempotencyKey: `payment:create:${id}`,
        praticaId,
        payload: { positionId: id },
      });
      callIds.push(c.id);
    }
    return callIds;
  }
}

/** The name of the position's creditor (the Comune, or the agency collecting its own diritti). */
export async function creditorName(
  db: Kysely<Database>,
  position: { creditor_entity_id: number },
): Promise<string> {
  const e = await db
    .selectFrom("entities")
    .select("name")
    .where("id", "=", position.creditor_entity_id)
    .executeTakeFirst();
  return e?.name ?? "";
}

/** Taxonomy code of the marca da bollo digitale (pagoPA @e.bollo, "tassonomia dei servizi di incasso"). */
export const MBD_CATEGORY = "9/0301116TS/9/24B0060000000017";

/** The GPD createPosition body of one of our positions. */
export async function gpdBody(db: Kysely<Database>, position: PaymentPosition): Promise<GpdPosition> {
  const p = await praticaForPayment(db, position.pratica_id);
  if (!p) throw new Error(`pratica ${position.pratica_id} not found`);
  const transfers = position.transfers as PlannedTransfer[];
  const fiscal = p.business_fiscal_code;
  return {
    iupd: position.iupd,
    type: /^\d{11}$/.test(fiscal) ? "G" : "F",
    fiscalCode: fiscal,
    fullName: p.business_name,
    companyName: (await creditorName(db, position)).slice(0, 140),
    officeName: "SUAP",
    switchToExpired: false,
    payStandIn: false,
    paymentOption: [
      {
        iuv: position.iuv,
        amount: position.amount_cents,
        description: position.description,
        isPartialPayment: false,
        dueDate: `${String(position.due_date).slice(0, 10)}T23:59:59Z`,
        fee: 0,
        transfer: transfers.map((t) =>
          t.stamp
            ? {
                idTransfer: t.idTransfer,
                amount: t.amountCents,
                organizationFiscalCode: t.fiscalCode,
                remittanceInformation: t.remittance,
                // tassonomia dei servizi di incasso: the marca da bollo digitale (MBD) of @e.bollo
                category: MBD_CATEGORY,
                // GPD: the stamp replaces the IBAN (mutually exclusive)
                stamp: {
                  hashDocument: t.stamp.hashDocument,
                  stampType: t.stamp.stampType,
                  provincialResidence: t.stamp.provincialResidence,
                },
              }
            : {
                idTransfer: t.idTransfer,
                amount: t.amountCents,
                organizationFiscalCode: t.fiscalCode,
                remittanceInformation: t.remittance,
                // tassonomia dei servizi di incasso: 9/0301104/ = diritti di segreteria e istruttoria (ente comunale)
                category: "9/0301104SE/",
                iban: t.iban,
              },
        ),
      },
    ],
  };
}

export interface ReceiptInput {
  positionId: string;
  receiptId: string;
  psp: string;
  paidAt: string;
  amountCents: number;
  source: "notification" | "polling" | "return";
  now: Date;
}

/**
 * Records what pagoPA says was paid, inside the caller's transaction. The same receipt twice (a replay, a
 * notification and a poll) is recorded once; a second receipt for a paid position is kept as a duplicate
 * (to refund); a receipt below the amount due is kept as a mismatch for the desk, without settling the fee.
 * A paid position is never set back: the payment wins over a cancellation.
 */
export async function recordReceipt(trx: Transaction<Database>, files: FileStore, r: ReceiptInput) {
  const position = await trx
    .selectFrom("payment_positions")
    .selectAll()
    .where("id", "=", r.positionId)
    .forUpdate()
    .executeTakeFirst();
  if (!position) throw new Error(`payment position ${r.positionId} not found`);
  const known = await trx
    .selectFrom("payment_receipts")
    .select("outcome")
    .where("position_id", "=", position.id)
    .where("receipt_id", "=", r.receiptId)
    .executeTakeFirst();
  if (known) return { outcome: known.outcome, created: false };

  const outcome =
    position.status === "paid"
      ? "duplicate"
      : r.amountCents < position.amount_cents
        ? "amount_mismatch"
        : "recorded";
  await trx
    .insertInto("payment_receipts")
    .values({
      position_id: position.id,
      receipt_id: r.receiptId,
      psp: r.psp,
      amount_cents: r.amountCents,
      paid_at: r.paidAt,
      source: r.source,
      outcome,
      received_at: r.now,
    })
    .execute();

  if (outcome === "duplicate") {
    await trx
      .updateTable("payment_positions")
      .set({ anomaly: "duplicate", updated_at: r.now })
      .where("id", "=", position.id)
      .execute();
    return { outcome, created: true };
  }
  if (outcome === "amount_mismatch") {
    await trx
      .updateTable("payment_positions")
      .set({ anomaly: "amount_mismatch", updated_at: r.now })
      .where("id", "=", position.id)
      .execute();
    return { outcome, created: true };
  }
  const late = r.paidAt.slice(0, 10) > String(position.due_date).slice(0, 10);
  const anomaly =
    position.status === "cancelled" || position.status === "cancelling"
      ? "paid_after_cancel"
      : r.amountCents > position.amount_cents
        ? "amount_mismatch"
        : late
          ? "late"
          : null;
  const p = await praticaForPayment(trx, position.pratica_id);
  const bytes = await renderReceiptPdf({
    creditorName: await creditorName(trx, position),
    creditorFiscalCode: position.creditor_fiscal_code,
    debtorName: p?.business_name ?? "",
    description: position.description,
    amountCents: r.amountCents,
    noticeNumber: position.notice_number,
    iuv: position.iuv,
    receiptId: r.receiptId,
    psp: r.psp,
    paidAt: r.paidAt,
    reference: p?.cui ?? p?.title ?? "",
  });
  const stored = await files.put(bytes);
  const documentId = randomUUID();
  await trx
    .insertInto("documents")
    .values({
      id: documentId,
      pratica_id: position.pratica_id,
      kind: "ricevuta_pagopa",
      title: "Ricevuta di pagamento pagoPA",
      filename: `ricevuta-pagopa-${position.iuv}.pdf`,
      storage_key: stored.key,
      sha256: stored.sha256,
      size: stored.size,
      verification_code: verificationCode(),
      issuer_entity_id: position.creditor_entity_id,
      event_seq: null,
      created_at: r.now,
    })
    .execute();
  await trx
    .updateTable("payment_positions")
    .set({
      status: "paid",
      receipt_id: r.receiptId,
      psp: r.psp,
      paid_at: r.paidAt,
      paid_amount_cents: r.amountCents,
      receipt_document_id: documentId,
      anomaly,
      updated_at: r.now,
    })
    .where("id", "=", position.id)
    .execute();
  await settlePaymentDeadline(trx, position.pratica_id, r.now);
  return { outcome, created: true };
}

/**
 * Runs queued payment calls now, after the caller's COMMIT (the web request that needs the answer), through
 * the queue's own discipline: claim (lease) in a short transaction, call outside any transaction, record the
 * outcome and `onResult` with `recordOutcome` only while holding the lease. A call another process holds is
 * skipped; a failure is left to the worker's retries per the handler's policy.
 */
export async function runCallsNow(
  db: Kysely<Database>,
  handler: IntegrationHandler,
  files: FileStore,
  callIds: readonly string[],
  opts: {
    now?: () => Date;
    crashAfterExecute?: () => void;
    alert?: AlertDesk;
    /** the engine's result dispatch (audit chain); the web routes pass it, as the worker does */
    dispatch?: ResultDispatchFn;
  } = {},
) {
  const now = opts.now ?? (() => new Date());
  for (const id of callIds) {
    const token = randomUUID();
    const call = await db
      .updateTable("integration_calls")
      .set((eb) => ({
        status: "running",
        lease_token: token,
        lease_until: new Date(now().getTime() + DEFAULT_LEASE_MS),
        attempts: eb("attempts", "+", 1),
        updated_at: now(),
      }))
      .where("id", "=", id)
      .where((eb) =>
        eb.or([
          eb("status", "=", "queued"),
          eb.and([eb("status", "=", "running"), eb("lease_until", "<", now())]),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    if (!call) continue;
    const outcome = await handler.execute(call, { db, files, now });
    opts.crashAfterExecute?.();
    await recordOutcome(db, { call, token }, outcome, {
      handler,
      // Payment results are recorded on the payment rows and, through `dispatch`, in the audit chain.
      context: { now: now(), dispatch: opts.dispatch ?? (async () => {}), files, publicUrl: "" },
      alert: opts.alert ?? (async () => {}),
    });
  }
}

/** Queues a status poll of every unpaid live position of the pratica (idempotency key per position and minute). */
export async function enqueuePolls(
  db: Kysely<Database>,
  praticaId: string,
  now = new Date(),
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const open = await trx
      .selectFrom("payment_positions")
      .select("id")
      .where("pratica_id", "=", praticaId)
      .where("status", "in", ["valid", "cancelling"])
      .execute();
    const ids: string[] = [];
    const minute = Math.floor(now.getTime() / 60_000);
    for (const o of open) {
      const c = await enqueueCall(trx, {
        kind: "payment",
        operation: "poll",
        idempotencyKey: `payment:poll:${o.id}:${minute}`,
        praticaId,
        payload: { positionId: o.id },
      });
      if (c.status === "queued") ids.push(c.id);
    }
    return ids;
  });
}

/** Cancels every unpaid live position of the pratica (e.g. the draft is deleted): rows + queued calls. */
export async function cancelPositions(
  db: Kysely<Database>,
  praticaId: string,
  now = new Date(),
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const open = await trx
      .updateTable("payment_positions")
      .set({ status: "cancelling", updated_at: now })
      .where("pratica_id", "=", praticaId)
      .where("status", "in", ["valid", "creating"])
      .returning("id")
      .execute();
    const ids: string[] = [];
    for (const o of open) {
      ids.push(await enqueueCancel(trx, praticaId, o.id));
    }
    return ids;
  });
}

/** Builds the Checkout cart of the pratica's unpaid positions and returns the address to redirect to. */
export async function startCheckout(
  db: Kysely<Database>,
  port: PaymentPort,
  config: PaymentConfig,
  praticaId: string,
): Promise<string | null> {
  const p = await praticaForPayment(db, praticaId);
  if (!p) return null;
  const open = (await positionsOf(db, praticaId)).filter((x) => x.status === "valid");
  if (open.length === 0) return null;
  const names = new Map(
    (
      await db
        .selectFrom("entities")
        .select(["id", "name"])
        .where(
          "id",
          "in",
          open.map((x) => x.creditor_entity_id),
        )
        .execute()
    ).map((e) => [e.id, e.name] as const),
  );
  const back = `${config.publicUrl}/pratiche/${praticaId}/pagamenti/esito`;
  const cart: CartRequest = {
    paymentNotices: open.slice(0, 5).map((x) => ({
      noticeNumber: x.notice_number,
      fiscalCode: x.creditor_fiscal_code,
      amount: x.amount_cents,
      companyName: (names.get(x.creditor_entity_id) ?? p.municipality_name).slice(0, 140),
      description: x.description.slice(0, 140),
    })),
    returnUrls: {
      returnOkUrl: `${back}?esito=ok`,
      returnCancelUrl: `${back}?esito=annullato`,
      returnErrorUrl: `${back}?esito=errore`,
    },
    idCart: praticaId,
  };
  return port.createCart(cart);
}

export type NotificationResult =
  | { status: 200; outcome: string }
  | { status: 401 | 400 | 404 | 409; message: string };

/**
 * The payment notification: JSON body signed with HMAC-SHA256 (header X-PagoPA-Signature: t=<unix>,v1=<hex>
 * over "<t>.<body>") with PAGOPA_NOTIFY_SECRET. Refused when unsigned, wrongly signed, older than five minutes
 * or already seen (its notificationId is kept in the same transaction that records the receipt).
 */
export async function receiveNotification(
  db: Kysely<Database>,
  files: FileStore,
  config: PaymentConfig,
  rawBody: string,
  signature: string | null,
  now = new Date(),
  dispatch?: ResultDispatchFn,
): Promise<NotificationResult> {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature ?? "");
  if (!m || !config.notifySecret) return { status: 401, message: "firma mancante" };
  const t = Number(m[1]);
  const expected = createHmac("sha256", config.notifySecret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(m[2]!, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 401, message: "firma non valida" };
  }
  if (Math.abs(now.getTime() / 1000 - t) > 300) return { status: 401, message: "notifica scaduta" };
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(rawBody) as Record<string, unknown>;
  } catch {
    return { status: 400, message: "JSON non valido" };
  }
  const notificationId = String(body.notificationId ?? "");
  if (!notificationId) return { status: 400, message: "notificationId mancante" };
  // An unknown position rolls back (the id is not spent, nothing is written); the sender may retry.
  const unknown = Symbol("unknown position");
  return db
    .transaction()
    .execute(async (trx): Promise<NotificationResult> => {
      const fresh = await trx
        .insertInto("payment_notifications")
        .values({ notification_id: notificationId, received_at: now })
        .onConflict((oc) => oc.column("notification_id").doNothing())
        .returning("notification_id")
        .executeTakeFirst();
      if (!fresh) return { status: 409, message: "notifica già ricevuta" };
      const position = await trx
        .selectFrom("payment_positions")
        .select(["id", "iuv", "pratica_id", "notice_number", "amount_cents", "creditor_fiscal_code"])
        .where("creditor_fiscal_code", "=", String(body.organizationFiscalCode ?? ""))
        .where("iupd", "=", String(body.iupd ?? ""))
        .executeTakeFirst();
      if (!position || position.iuv !== String(body.iuv ?? "")) throw unknown;
      // The pratica first, then its position (the order every payment path takes).
      await lockPratica(trx, position.pratica_id);
      const paid = {
        receiptId: String(body.idReceipt ?? ""),
        psp: String(body.pspCompany ?? ""),
        paidAt: String(body.paymentDate ?? now.toISOString()),
        amount: Number(body.amount),
      };
      const result = await recordReceipt(trx, files, {
        positionId: position.id,
        receiptId: paid.receiptId,
        psp: paid.psp,
        paidAt: paid.paidAt,
        amountCents: paid.amount,
        source: "notification",
        now,
      });
      if (result.created && dispatch) {
        await dispatch(trx, {
          praticaId: position.pratica_id,
          event: {
            type: "INTEGRATION_RESULT",
            at: now.toISOString(),
            kind: "payment",
            operation: "notification",
            callId: notificationId,
            ok: true,
            result: {
              iuv: position.iuv,
              noticeNumber: position.notice_number,
              creditorFiscalCode: position.creditor_fiscal_code,
              amountCents: position.amount_cents,
              status: "paid",
              receiptId: paid.receiptId,
              psp: paid.psp,
              paidAt: paid.paidAt,
              paidAmountCents: paid.amount,
              outcome: result.outcome,
            },
          },
        });
      }
      return { status: 200, outcome: result.outcome };
    })
    .catch((error): NotificationResult => {
      if (error === unknown) return { status: 404, message: "posizione debitoria sconosciuta" };
      throw error;
    });
}

/** Reconciliation: paid positions of one creditor in one month (YYYY-MM), by payment date. */
export async function reconciliation(
  db: Kysely<Database>,
  creditorEntityId: number,
  month: string,
  /** only the pratiche of this desk (an agency is creditor on pratiche of many desks) */
  deskId?: number,
) {
  const start = `${month}-01`;
  const [y, mo] = month.split("-").map(Number) as [number, number];
  const end = mo === 12 ? `${y + 1}-01-01` : `${y}-${String(mo + 1).padStart(2, "0")}-01`;
  return db
    .selectFrom("payment_positions as pp")
    .innerJoin("pratiche as p", "p.id", "pp.pratica_id")
    .select([
      "pp.iuv",
      "pp.notice_number",
      "pp.iupd",
      "pp.receipt_id",
      "pp.psp",
      "pp.paid_amount_cents",
      "pp.amount_cents",
      "pp.paid_at",
      "pp.anomaly",
      "p.cui",
      "p.id as pratica_id",
    ])
    .where("pp.creditor_entity_id", "=", creditorEntityId)
    .where("pp.status", "=", "paid")
    .where("pp.paid_at", ">=", new Date(`${start}T00:00:00Z`))
    .where("pp.paid_at", "<", new Date(`${end}T00:00:00Z`))
    .$if(deskId !== undefined, (q) => q.where("p.desk_id", "=", deskId!))
    .orderBy("pp.paid_at")
    .execute();
}

export { sql };

/** The queued cancellation of a debt position (one per position: the key makes a second request a no-op). */
async function enqueueCancel(trx: Transaction<Database>, praticaId: string, positionId: string) {
  const call = await enqueueCall(trx, {
    kind: "payment",
    operation: "cancel",
    idempotencyKey: `payment:cancel:${positionId}`,
    praticaId,
    payload: { positionId },
  });
  return call.id;
}
