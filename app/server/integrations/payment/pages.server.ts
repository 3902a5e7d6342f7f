import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.server";
import type { Env } from "../../env.server";
import { type FilingUser, loadDraft } from "../../filing/drafts.server";
import { dispatchResult } from "../../engine/engine.server";
import { deskAlert } from "../../jobs/integrations.server";
import type { ResultDispatchFn } from "../types.server";
import { engineServices, fileStore } from "../../services.server";
import { paymentConfig } from "./config.server";
import { gpdAdapter } from "./gpd-adapter.server";
import { paymentHandlerFor } from "./handler.server";
import { renderNoticePdf } from "./pdf.server";
import { PaymentPortError } from "./port.server";
import {
  cancelPositions,
  creditorName,
  enqueuePolls,
  paymentDeadlineOf,
  paymentOverview,
  positionsOf,
  praticaForPayment,
  preparePositions,
  runCallsNow,
  startCheckout,
} from "./service.server";

/** What the payment routes need, built from the configuration (the double when nothing is configured). */
export function paymentServices(env: Env, origin?: string) {
  const config = paymentConfig(env, origin);
  const port = gpdAdapter({ gpdUrl: config.gpdUrl, checkoutUrl: config.checkoutUrl, apiKey: config.apiKey });
  const handler = paymentHandlerFor(port, config.double ? "double:/dev/pagopa" : `remote:${config.gpdUrl}`);
  const services = engineServices(env);
  // The engine's result path (as the worker's): payment results go into the pratica's audit chain.
  const dispatch: ResultDispatchFn = (trx, request) => dispatchResult(trx, services, request);
  return { config, port, handler, files: fileStore(env), alert: deskAlert(services), dispatch };
}

/** The applicant's payments page of a pratica (404 for anyone who may not act on it as applicant). */
export async function paymentsPage(db: Kysely<Database>, env: Env, user: FilingUser, praticaId: string) {
  const ctx = await loadDraft(db, user, praticaId);
  const { config } = paymentServices(env);
  const overview = (await paymentOverview(db, config, ctx.pratica.id))!;
  const names = new Map(
    (await db.selectFrom("entities").select(["id", "name"]).execute()).map((e) => [e.id, e.name] as const),
  );
  return {
    id: ctx.pratica.id,
    title: ctx.bundle.title,
    draft: ctx.pratica.status === "draft",
    feesCents: ((ctx.pratica.fees ?? {}) as { dirittiCents?: number }).dirittiCents ?? 0,
    ...overview,
    paymentDeadline: await paymentDeadlineOf(db, ctx.pratica.id),
    positions: overview.positions
      .filter((p) => p.status !== "failed" || overview.positions.every((q) => q.status === "failed"))
      .map((p) => ({
        id: p.id,
        creditor: names.get(p.creditor_entity_id) ?? "",
        description: p.description,
        noticeNumber: p.notice_number,
        amountCents: p.amount_cents,
        dueDate: String(p.due_date).slice(0, 10),
        status: p.status,
        anomaly: p.anomaly,
        receiptId: p.receipt_id,
        psp: p.psp,
        paidAt: p.paid_at ? new Date(p.paid_at).toISOString() : null,
        receiptDocumentId: p.receipt_document_id,
      })),
  };
}

export type PaymentIntent = "prepara" | "paga" | "verifica";

/** The page's actions. Each commits its rows first and only then talks to pagoPA (through the queued calls). */
export async function paymentsAction(
  db: Kysely<Database>,
  env: Env,
  user: FilingUser,
  praticaId: string,
  intent: PaymentIntent,
  origin?: string,
): Promise<{ redirect: string } | { error: "unavailable" }> {
  const ctx = await loadDraft(db, user, praticaId);
  const s = paymentServices(env, origin);
  const id = ctx.pratica.id;
  if (intent === "prepara") {
    await runCallsNow(db, s.handler, s.files, await preparePositions(db, s.config, id), {
      alert: s.alert,
      dispatch: s.dispatch,
    });
    return { redirect: `/pratiche/${id}/pagamenti` };
  }
  if (intent === "verifica") {
    await runCallsNow(db, s.handler, s.files, await enqueuePolls(db, id), {
      alert: s.alert,
      dispatch: s.dispatch,
    });
    return { redirect: `/pratiche/${id}/pagamenti` };
  }
  try {
    const location = await startCheckout(db, s.port, s.config, id);
    return { redirect: location ?? `/pratiche/${id}/pagamenti` };
  } catch (error) {
    if (error instanceof PaymentPortError) return { error: "unavailable" };
    throw error;
  }
}

/** Back from the checkout: ask pagoPA (a queued poll, run now) so the page shows the outcome at once. */
export async function checkoutReturn(
  db: Kysely<Database>,
  env: Env,
  user: FilingUser,
  praticaId: string,
  origin?: string,
) {
  const ctx = await loadDraft(db, user, praticaId);
  const s = paymentServices(env, origin);
  await runCallsNow(db, s.handler, s.files, await enqueuePolls(db, ctx.pratica.id), {
    alert: s.alert,
    dispatch: s.dispatch,
  });
  const positions = await positionsOf(db, ctx.pratica.id);
  return {
    id: ctx.pratica.id,
    allPaid: positions.some((p) => p.status === "paid") && !positions.some((p) => p.status === "valid"),
  };
}

/** The avviso di pagamento PDF of one position of the pratica. */
export async function noticePdf(
  db: Kysely<Database>,
  user: FilingUser,
  praticaId: string,
  positionId: string,
) {
  const ctx = await loadDraft(db, user, praticaId);
  const position = (await positionsOf(db, ctx.pratica.id)).find((p) => p.id === positionId);
  if (!position || !["valid", "paid", "creating"].includes(position.status)) return null;
  const p = (await praticaForPayment(db, ctx.pratica.id))!;
  const bytes = await renderNoticePdf({
    creditorName: await creditorName(db, position),
    creditorFiscalCode: position.creditor_fiscal_code,
    debtorName: p.business_name,
    debtorFiscalCode: p.business_fiscal_code,
    description: position.description,
    amountCents: position.amount_cents,
    dueDate: String(position.due_date).slice(0, 10),
    noticeNumber: position.notice_number,
    iuv: position.iuv,
    reference: p.title.slice(0, 60),
  });
  return { bytes, filename: `avviso-pagopa-${position.notice_number}.pdf` };
}

/** For the submission check: whether pagoPA collects this pratica's fees and whether they still block it. */
export async function paymentGate(db: Kysely<Database>, env: Env, praticaId: string) {
  const overview = await paymentOverview(db, paymentConfig(env), praticaId);
  return { pagopa: overview?.pagopa ?? false, blocking: overview?.blocking ?? false };
}

/**
 * Before a draft is deleted: its open pagoPA positions are invalidated at pagoPA first (else the business could
 * still pay a notice of a pratica that no longer exists). A paid position, or pagoPA unreachable, stops the
 * deletion with a sentence saying what to do (409).
 */
export async function releasePositionsBeforeDeletion(
  db: Kysely<Database>,
  env: Env,
  user: FilingUser,
  praticaId: string,
) {
  const ctx = await loadDraft(db, user, praticaId);
  const positions = await positionsOf(db, ctx.pratica.id);
  if (positions.length === 0) return;
  const refuse = (message: string) => new Response(message, { status: 409, statusText: "Conflict" });
  if (positions.some((p) => p.status === "paid")) {
    throw refuse(
      "Questa bozza ha diritti già pagati con pagoPA: non si può eliminare. Inviala, oppure chiedi allo Sportello il rimborso.",
    );
  }
  const s = paymentServices(env);
  await runCallsNow(db, s.handler, s.files, await cancelPositions(db, ctx.pratica.id), {
    alert: s.alert,
    dispatch: s.dispatch,
  });
  const after = await positionsOf(db, ctx.pratica.id);
  if (after.some((p) => p.status === "paid")) {
    throw refuse("Il pagamento di questa bozza è appena arrivato da pagoPA: non si può eliminare. Inviala.");
  }
  if (after.some((p) => !["cancelled", "failed"].includes(p.status))) {
    throw refuse(
      "pagoPA non ha confermato l'annullamento dell'avviso di pagamento: riprova a eliminare la bozza tra qualche minuto.",
    );
  }
}
