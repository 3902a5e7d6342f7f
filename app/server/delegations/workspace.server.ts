import type { Kysely } from "kysely";
import { can, type Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { actorIdentityOf, appendAuditEvent } from "../engine/audit.server";
import { toCsv } from "~/domain/csv";
import { lockPratica, praticaListQuery, refOf } from "../pratiche/repository.server";

/** Statuses where the business (through its organisation) must do something. */
export const NEEDS_ACTION = [
  "integration_requested",
  "correction_requested",
  "conformation_requested",
  "refusal_notice",
];

export interface WorkspaceFilters {
  business?: string;
  comune?: string;
  procedure?: string;
  status?: string;
  operator?: string;
}

function organisationsOf(principal: Principal) {
  return principal.grants
    .filter((g) => g.role === "association_operator" && g.entityId !== null)
    .map((g) => g.entityId as number);
}

/**
 * Every member pratica the operator's organisations may see: filed by them, or filed by a delegating business
 * while the delegation covered it (the policy decides). Action needed first, then by nearest deadline.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function workspacePratiche(
  db: Kysely<Database>,
  principal: Principal,
  filters: WorkspaceFilters = {},
) {
  const orgs = organisationsOf(principal);
  if (!orgs.length)
    return { organisations: [], rows: [], businesses: [], comuni: [], operators: [], statuses: [] };
  const delegatedBusinesses = [...new Set((principal.delegations ?? []).map((d) => d.businessId))];
  let q = praticaListQuery(db)
    .leftJoin("users as operator", "operator.id", "pratiche.organisation_operator_id")
    .select("operator.full_name as operator_name")
    .where((eb) =>
      eb.or([
        eb("pratiche.filer_organisation_id", "in", orgs),
        ...(delegatedBusinesses.length ? [eb("pratiche.business_id", "in", delegatedBusinesses)] : []),
      ]),
    );
  if (filters.business && !UUID.test(filters.business)) filters = { ...filters, business: undefined };
  if (filters.operator && filters.operator !== "none" && !UUID.test(filters.operator))
    filters = { ...filters, operator: undefined };
  if (filters.business) q = q.where("pratiche.business_id", "=", filters.business);
  if (filters.comune) q = q.where("comune.istat_code", "=", filters.comune);
  if (filters.status) q = q.where("pratiche.status", "=", filters.status);
  if (filters.operator === "none") q = q.where("pratiche.organisation_operator_id", "is", null);
  else if (filters.operator) q = q.where("pratiche.organisation_operator_id", "=", filters.operator);
  if (filters.procedure)
    q = q.where("pratiche.title", "ilike", `%${filters.procedure.replace(/[%_\\]/g, "\\$&")}%`);
  const raw = await q.orderBy("pratiche.updated_at", "desc").limit(2000).execute();
  const rows = raw.filter((r) => can(principal, { type: "pratica.view", pratica: refOf(r) }));
  rows.sort((a, b) => {
    const na = NEEDS_ACTION.includes(a.status) ? 0 : 1;
    const nb = NEEDS_ACTION.includes(b.status) ? 0 : 1;
    if (na !== nb) return na - nb;
    const da = a.due_date ?? "9999-12-31";
    const dbb = b.due_date ?? "9999-12-31";
    return da < dbb ? -1 : da > dbb ? 1 : 0;
  });
  const organisations = await db
    .selectFrom("entities")
    .select(["id", "name"])
    .where("id", "in", orgs)
    .execute();
  const operators = await db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id", "users.full_name"])
    .where("memberships.role", "=", "association_operator")
    .where("memberships.entity_id", "in", orgs)
    .orderBy("users.full_name")
    .execute();
  const uniq = <T, K>(xs: T[], key: (x: T) => K) => [...new Map(xs.map((x) => [key(x), x])).values()];
  return {
    organisations,
    rows: rows.map((r) => ({
      id: r.id,
      cui: r.cui,
      title: r.title,
      status: r.status,
      dueDate: r.due_date,
      protocolNumber: r.protocol_number,
      business: r.business_name,
      businessId: r.business_id,
      fiscalCode: r.fiscal_code,
      comune: r.comune_name,
      operator: r.operator_name,
      operatorId: r.organisation_operator_id,
      needsAction: NEEDS_ACTION.includes(r.status),
      filedByOrganisation: r.filer_organisation_id !== null && orgs.includes(r.filer_organisation_id),
    })),
    businesses: uniq(
      rows.map((r) => ({ id: r.business_id, name: r.business_name })),
      (b) => b.id,
    ),
    comuni: uniq(
      rows.map((r) => ({ istat: r.istat_code ?? "", name: r.comune_name })),
      (c) => c.istat,
    ),
    operators: operators.map((o) => ({ id: o.id, name: o.full_name })),
    statuses: [...new Set(rows.map((r) => r.status))].sort(),
  };
}

/**
 * Hand-over: moves pratiche the organisation filed to a colleague of the same organisation. Each move is a
 * link in the pratica's audit chain.
 */
export async function handOver(
  db: Kysely<Database>,
  principal: Principal,
  input: { praticaIds: string[]; toUserId: string },
) {
  const orgs = organisationsOf(principal);
  if (!orgs.length) return { ok: false as const, message: "Non fai parte di un'organizzazione." };
  // Ids come from the form: anything but a UUID is nobody (and no pratica), never a database error.
  if (!UUID.test(input.toUserId))
    return { ok: false as const, message: "Scegli un collega della tua organizzazione." };
  if (input.praticaIds.some((id) => !UUID.test(id)))
    return { ok: false as const, message: "Seleziona le pratiche da affidare dall'elenco." };
  const colleague = await db
    .selectFrom("memberships")
    .select("user_id")
    .where("role", "=", "association_operator")
    .where("entity_id", "in", orgs)
    .where("user_id", "=", input.toUserId)
    .executeTakeFirst();
  if (!colleague) return { ok: false as const, message: "Scegli un collega della tua organizzazione." };
  if (!input.praticaIds.length)
    return { ok: false as const, message: "Seleziona almeno una pratica da affidare." };
  let moved = 0;
  await db.transaction().execute(async (trx) => {
    for (const id of input.praticaIds) {
      const p = await lockPratica(trx, id);
      // Only what the organisation itself filed can be handed over inside it.
      if (!p || p.filer_organisation_id === null || !orgs.includes(p.filer_organisation_id)) continue;
      if (p.organisation_operator_id === input.toUserId) continue;
      await trx
        .updateTable("pratiche")
        .set({ organisation_operator_id: input.toUserId })
        .where("id", "=", id)
        .execute();
      if (p.status !== "draft") {
        await appendAuditEvent(trx, {
          praticaId: id,
          type: "HAND_OVER",
          actorUserId: principal.userId,
          actorKind: "applicant",
          payload: { from: p.organisation_operator_id, to: input.toUserId },
          stateBefore: p.status,
          stateAfter: p.status,
          at: new Date().toISOString(),
          actorIdentity: await actorIdentityOf(trx, principal.userId, principal),
        });
      }
      moved++;
    }
  });
  return { ok: true as const, moved };
}

/** The association's export, through the one CSV writer (quoting and formula-injection guard). */
export function workspaceCsv(rows: Awaited<ReturnType<typeof workspacePratiche>>["rows"]) {
  const header = [
    "cui",
    "protocollo",
    "oggetto",
    "impresa",
    "codice_fiscale",
    "comune",
    "stato",
    "scadenza",
    "operatore",
  ];
  return toCsv(
    header,
    rows.map((r) => [
      r.cui,
      r.protocolNumber,
      r.title,
      r.business,
      r.fiscalCode,
      r.comune,
      r.status,
      r.dueDate,
      r.operator,
    ]),
  );
}
