import type { Kysely } from "kysely";
import type { Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { daysFrom } from "../../domain/desk/worklist-query";
import { queueRequestCdss } from "../integrations/ssu/flow.server";

/** Agencies (enti terzi) the principal reviews for. */
export function agencyIdsOf(principal: Principal): number[] {
  return [
    ...new Set(
      principal.grants
        .filter((g) => g.role === "agency_reviewer" && g.entityId !== null)
        .map((g) => g.entityId as number),
    ),
  ];
}

export interface InboxRow {
  praticaId: string;
  agencyCode: string;
  agencyName: string;
  cui: string | null;
  protocolNumber: string | null;
  title: string;
  comune: string;
  business: string;
  praticaStatus: string;
  /** the procedure ended (on an agency's own SSU copy: the back office notified its end, ADR 0031) */
  praticaEnded: boolean;
  opinionStatus: string;
  outcome: string | null;
  dueDate: string | null;
  daysLeft: number | null;
  overdue: boolean;
  forwardedAt: string;
}

/**
 * The agency's inbox: pratiche forwarded to the reviewer's agencies, pending opinions first by their due date.
 * `show`: "pending" (default) or "all".
 */
export async function agencyInbox(
  db: Kysely<Database>,
  input: { agencyIds: number[]; today: string; show: "pending" | "all" },
): Promise<InboxRow[]> {
  if (!input.agencyIds.length) return [];
  let q = db
    .selectFrom("pratica_agencies as pa")
    .innerJoin("pratiche as p", "p.id", "pa.pratica_id")
    .innerJoin("entities as ag", "ag.id", "pa.agency_id")
    .innerJoin("entities as m", "m.id", "p.municipality_id")
    .innerJoin("businesses as b", "b.id", "p.business_id")
    .where("pa.agency_id", "in", input.agencyIds);
  if (input.show === "pending") q = q.where("pa.status", "=", "pending");
  const rows = await q
    .select([
      "p.id as pratica_id",
      "ag.code as agency_code",
      "ag.name as agency_name",
      "p.cui",
      "p.protocol_number",
      "p.title",
      "m.name as comune",
      "b.name as business",
      "p.status as pratica_status",
      "p.ended as pratica_ended",
      "pa.status",
      "pa.outcome",
      "pa.due_date",
      "pa.forwarded_at",
    ])
    .orderBy("pa.due_date", (ob) => ob.asc().nullsLast())
    .orderBy("p.id")
    .limit(500)
    .execute();
  return rows.map((r) => {
    const due = r.due_date ? String(r.due_date).slice(0, 10) : null;
    const daysLeft = due && r.status === "pending" ? daysFrom(input.today, due) : null;
    return {
      praticaId: r.pratica_id,
      agencyCode: r.agency_code,
      agencyName: r.agency_name,
      cui: r.cui,
      protocolNumber: r.protocol_number,
      title: r.title,
      comune: r.comune,
      business: r.business,
      praticaStatus: r.pratica_status,
      praticaEnded: Boolean(r.pratica_ended),
      opinionStatus: r.status,
      outcome: r.outcome,
      dueDate: due,
      daysLeft,
      overdue: daysLeft !== null && daysLeft < 0,
      forwardedAt: new Date(r.forwarded_at).toISOString(),
    };
  });
}

/**
 * The agency asks the back office that forwarded the pratica to convene the conferenza in synchronous form
 * (SSU request_cdss, queued and sent after COMMIT). False when this copy has no SSU back office or has ended.
 * The caller has checked that the user reviews for `agencyCode` on this pratica.
 */
export async function requestCdssFromAgency(
  db: Kysely<Database>,
  input: { praticaId: string; agencyCode: string; now?: Date },
): Promise<boolean> {
  const now = input.now ?? new Date();
  return db
    .transaction()
    .execute((trx) => queueRequestCdss(trx, { ...input, now, key: `cdss:${now.toISOString()}` }));
}
