import type { Kysely } from "kysely";
import { toCsv } from "~/domain/csv";
import type { Database } from "../../db/schema.server";
import { reconciliation } from "./service.server";

/**
 * Reconciliation for the creditors' accounts offices: the positions of one creditor paid in one month (by
 * payment date), with IUV, receipt id, PSP and amount. The creditors offered are the Comuni the manager's
 * desk serves, then the agencies (ASL, ARPAT, VVF...) that are creditors of positions on the desk's pratiche
 * (issue 15, ADR 0017); an agency's rows are limited to the desk's pratiche.
 */
export async function reconciliationView(
  db: Kysely<Database>,
  deskId: number,
  query: URLSearchParams,
  today = new Date(),
) {
  const creditors = await db
    .selectFrom("desk_comuni as dc")
    .innerJoin("entities as e", "e.id", "dc.comune_id")
    .select(["e.id", "e.code", "e.name"])
    .where("dc.desk_id", "=", deskId)
    .orderBy("e.name")
    .execute();
  const agencies = await db
    .selectFrom("payment_positions as pp")
    .innerJoin("pratiche as p", "p.id", "pp.pratica_id")
    .innerJoin("entities as e", "e.id", "pp.creditor_entity_id")
    .select(["e.id", "e.code", "e.name"])
    .distinct()
    .where("p.desk_id", "=", deskId)
    .where("e.kind", "!=", "comune")
    .orderBy("e.name")
    .execute();
  creditors.push(...agencies.filter((a) => !creditors.some((c) => c.id === a.id)));
  const requested = query.get("ente");
  const creditor = creditors.find((c) => c.code === requested) ?? creditors[0];
  const m = query.get("mese") ?? "";
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(m) ? m : today.toISOString().slice(0, 7);
  const rows = creditor ? await reconciliation(db, creditor.id, month, deskId) : [];
  return {
    creditors: creditors.map((c) => ({ code: c.code, name: c.name })),
    creditor: creditor ? { code: creditor.code, name: creditor.name } : null,
    month,
    rows: rows.map((r) => ({
      paidAt: r.paid_at ? new Date(r.paid_at).toISOString() : "",
      iuv: r.iuv,
      noticeNumber: r.notice_number,
      iupd: r.iupd,
      receiptId: r.receipt_id ?? "",
      psp: r.psp ?? "",
      amountCents: r.paid_amount_cents ?? r.amount_cents,
      cui: r.cui ?? "",
      praticaId: r.pratica_id,
      anomaly: r.anomaly,
    })),
  };
}

export type ReconciliationView = Awaited<ReturnType<typeof reconciliationView>>;

const euro = (cents: number) => (cents / 100).toFixed(2).replace(".", ",");

export function reconciliationCsv(v: ReconciliationView): string {
  return toCsv(
    [
      "ente_creditore",
      "codice_ente",
      "data_pagamento",
      "iuv",
      "codice_avviso",
      "iupd",
      "id_ricevuta",
      "psp",
      "importo_euro",
      "cui",
      "anomalia",
    ],
    v.rows.map((r) => [
      v.creditor?.name ?? "",
      v.creditor?.code ?? "",
      r.paidAt,
      r.iuv,
      r.noticeNumber,
      r.iupd,
      r.receiptId,
      r.psp,
      euro(r.amountCents),
      r.cui,
      r.anomaly ?? "",
    ]),
    { bom: true },
  );
}
