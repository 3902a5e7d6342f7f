import type { Kysely } from "kysely";
import type { Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { daysFrom } from "../../domain/desk/worklist-query";

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
      opinionStatus: r.status,
      outcome: r.outcome,
      dueDate: due,
      daysLeft,
      overdue: daysLeft !== null && daysLeft < 0,
      forwardedAt: new Date(r.forwarded_at).toISOString(),
    };
  });
}
