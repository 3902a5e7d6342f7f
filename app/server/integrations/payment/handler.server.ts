import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema.server";
import type { Env } from "../../env.server";
import { lockPratica } from "../../pratiche/repository.server";
import type {
  CallOutcome,
  IntegrationCall,
  IntegrationHandler,
  ResultContext,
  ResultDispatchFn,
} from "../types.server";
import { defaultRetryPolicy } from "../types.server";
import { paymentConfig, type PaymentConfig } from "./config.server";
import { gpdAdapter } from "./gpd-adapter.server";
import { PaymentPortError, type PaymentPort, type RemotePosition } from "./port.server";
import { gpdBody, recordReceipt } from "./service.server";
import type { FileStore } from "../../storage.server";

/**
 * The payment kind of the integration queue. Operations, each on one of our payment_positions rows:
 *   create_position  GPD createPosition (toPublish) -> the position becomes `valid`
 *   poll             GPD getOrganizationDebtPositionByIUPD -> a PAID answer records the receipt
 *   cancel           GPD invalidatePosition -> `cancelled`, or, if pagoPA says it was paid meanwhile, the receipt
 * The idempotency key is the call's; GPD itself is idempotent by IUPD (a repeated create answers 409, which the
 * adapter turns into the existing position).
 */
export function paymentHandlerFor(port: PaymentPort, target: string): IntegrationHandler {
  return {
    kind: "payment",
    retry: defaultRetryPolicy,
    target: () => target,
    async execute(call: IntegrationCall, ctx) {
      const payload = call.payload as { positionId?: string };
      const position = await ctx.db
        .selectFrom("payment_positions")
        .selectAll()
        .where("id", "=", String(payload.positionId))
        .executeTakeFirst();
      if (!position)
        return { ok: false, message: "Posizione debitoria inesistente", timeout: false, httpStatus: 404 };
      try {
        let remote: RemotePosition | null;
        if (call.operation === "create_position") {
          remote = await port.createPosition(position.creditor_fiscal_code, await gpdBody(ctx.db, position));
        } else if (call.operation === "cancel") {
          remote = await port.invalidatePosition(position.creditor_fiscal_code, position.iupd);
        } else if (call.operation === "poll") {
          remote = await port.getPosition(position.creditor_fiscal_code, position.iupd);
        } else {
          return {
            ok: false,
            message: `Operazione sconosciuta ${call.operation}`,
            timeout: false,
            httpStatus: 400,
          };
        }
        return { ok: true, result: { remote } };
      } catch (error) {
        if (error instanceof PaymentPortError) {
          return { ok: false, message: error.message, httpStatus: error.httpStatus, timeout: error.timeout };
        }
        throw error;
      }
    },
    async onResult(trx, call, outcome, ctx) {
      await applyOutcome(trx, call, outcome, ctx.files, ctx.now, ctx.dispatch);
    },
  };
}

/**
 * The payment outcome in the pratica's audit chain (issue 15): through the engine's result path
 * (`INTEGRATION_RESULT`, recorded without moving the machine), in the transaction that records it.
 */
async function audit(
  trx: Transaction<Database>,
  dispatch: ResultDispatchFn | undefined,
  call: IntegrationCall,
  ok: boolean,
  result: Record<string, unknown>,
  now: Date,
  error?: string,
) {
  if (!dispatch || !call.pratica_id) return;
  await dispatch(trx, {
    praticaId: call.pratica_id,
    event: {
      type: "INTEGRATION_RESULT",
      at: now.toISOString(),
      kind: "payment",
      operation: call.operation,
      callId: call.id,
      ok,
      result,
      ...(error ? { error } : {}),
    },
  });
}

export async function applyOutcome(
  trx: Transaction<Database>,
  call: IntegrationCall,
  outcome: CallOutcome,
  files: FileStore,
  now: Date,
  dispatch?: ResultDispatchFn,
) {
  const positionId = String((call.payload as { positionId?: string }).positionId);
  // The pratica first, then its position (the order every payment path takes: no deadlock between them).
  if (call.pratica_id) await lockPratica(trx, call.pratica_id);
  const before = await trx
    .selectFrom("payment_positions")
    .select(["iuv", "notice_number", "amount_cents", "creditor_fiscal_code", "status"])
    .where("id", "=", positionId)
    .executeTakeFirst();
  const facts = before
    ? {
        iuv: before.iuv,
        noticeNumber: before.notice_number,
        creditorFiscalCode: before.creditor_fiscal_code,
        amountCents: before.amount_cents,
      }
    : { positionId };
  if (!outcome.ok) {
    await audit(trx, dispatch, call, false, facts, now, outcome.message);
    if (call.operation === "create_position") {
      await trx
        .updateTable("payment_positions")
        .set({ status: "failed", last_error: outcome.message, updated_at: now })
        .where("id", "=", positionId)
        .where("status", "=", "creating")
        .execute();
    } else {
      await trx
        .updateTable("payment_positions")
        .set({ last_error: outcome.message, updated_at: now })
        .where("id", "=", positionId)
        .execute();
    }
    return;
  }
  const remote = (outcome.result as { remote: RemotePosition | null }).remote;
  if (remote?.paid) {
    const r = await recordReceipt(trx, files, {
      positionId,
      receiptId: remote.paid.receiptId,
      psp: remote.paid.psp,
      paidAt: remote.paid.paidAt,
      amountCents: remote.paid.amount,
      source: "polling",
      now,
    });
    // A receipt already recorded (by the notification) is not a new fact for the chain.
    if (r.created)
      await audit(trx, dispatch, call, true, { ...facts, ...receiptFacts(remote.paid, r.outcome) }, now);
    return;
  }
  if (call.operation === "create_position" && remote) {
    const changed = await trx
      .updateTable("payment_positions")
      .set({ status: "valid", last_error: null, updated_at: now })
      .where("id", "=", positionId)
      .where("status", "=", "creating")
      .returning("id")
      .executeTakeFirst();
    if (changed) await audit(trx, dispatch, call, true, { ...facts, status: "valid" }, now);
  } else if (
    call.operation === "cancel" &&
    remote &&
    (remote.status === "INVALID" || remote.status === "EXPIRED")
  ) {
    const changed = await trx
      .updateTable("payment_positions")
      .set({ status: "cancelled", updated_at: now })
      .where("id", "=", positionId)
      .where("status", "in", ["cancelling", "valid", "creating"])
      .returning("id")
      .executeTakeFirst();
    if (changed) await audit(trx, dispatch, call, true, { ...facts, status: "cancelled" }, now);
  }
}

/** What the audit entry of a receipt says (never the payer's data beyond what pagoPA's receipt carries). */
export function receiptFacts(
  paid: { receiptId: string; psp: string; paidAt: string; amount: number },
  outcome: string,
) {
  return {
    status: "paid",
    receiptId: paid.receiptId,
    psp: paid.psp,
    paidAt: paid.paidAt,
    paidAmountCents: paid.amount,
    outcome,
  };
}

/** Registry factory: the GPD adapter pointed at pagoPA, or at the development double when unconfigured. */
export function paymentHandler(env: Env): IntegrationHandler {
  const config: PaymentConfig = paymentConfig(env);
  const port = gpdAdapter({ gpdUrl: config.gpdUrl, checkoutUrl: config.checkoutUrl, apiKey: config.apiKey });
  return paymentHandlerFor(port, config.double ? "double:/dev/pagopa" : `remote:${config.gpdUrl}`);
}

export type { Kysely, ResultContext };
