import type { Kysely, Transaction } from "kysely";
import { romeDate } from "~/domain/dates";
import type { PraticaRef } from "~/domain/policy";
import type { Database, Pratica } from "../db/schema.server";

/**
 * The one way to read a pratica row: find it, lock it for a change, and build the reference the permission
 * policy judges (app/domain/policy.ts). Services take `db` or a transaction as their first argument and never
 * write `selectFrom("pratiche")` of their own for these; lists and reports pick their columns from
 * PRATICA_LIST_COLUMNS.
 */
type Executor = Kysely<Database> | Transaction<Database>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A pratica by id; undefined when it does not exist or the id is not even a UUID (no database error). */
export async function findPratica(db: Executor, id: string): Promise<Pratica | undefined> {
  if (!UUID.test(id)) return undefined;
  return db.selectFrom("pratiche").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findPraticaByCui(db: Executor, cui: string): Promise<Pratica | undefined> {
  return db.selectFrom("pratiche").selectAll().where("cui", "=", cui).executeTakeFirst();
}

/** Locks the pratica's row until the transaction ends (every change to a pratica goes through this). */
export async function lockPratica(trx: Transaction<Database>, id: string): Promise<Pratica | undefined> {
  if (!UUID.test(id)) return undefined;
  return trx.selectFrom("pratiche").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/** The columns a list of pratiche shows (worklist, association workspace, personal area). */
export const PRATICA_LIST_COLUMNS = [
  "pratiche.id",
  "pratiche.cui",
  "pratiche.title",
  "pratiche.regime",
  "pratiche.status",
  "pratiche.due_date",
  "pratiche.protocol_number",
  "pratiche.submitted_at",
  "pratiche.business_id",
  "pratiche.municipality_id",
  "pratiche.desk_id",
  "pratiche.assignee_user_id",
  "pratiche.filer_user_id",
  "pratiche.filer_organisation_id",
  "pratiche.organisation_operator_id",
  "pratiche.updated_at",
  // the routing carries the proceedings the policy judges sight by
  "pratiche.competent_agencies",
] as const;

/** The proceeding codes of a pratica, from the routing the catalogue gave it at filing. */
export function proceedingsOf(p: Pick<Pratica, "competent_agencies">): string[] {
  const routing = Array.isArray(p.competent_agencies) ? p.competent_agencies : [];
  return [...new Set(routing.map((r) => r?.proceeding).filter((c): c is string => typeof c === "string"))];
}

type RefColumns = Pick<
  Pratica,
  | "business_id"
  | "filer_user_id"
  | "filer_organisation_id"
  | "desk_id"
  | "competent_agencies"
  | "submitted_at"
>;

/** The policy reference of a row read with PRATICA_LIST_COLUMNS, given the agencies involved (none for lists). */
export function refOf(p: RefColumns, agencyIds: number[] = []): PraticaRef {
  return {
    businessId: p.business_id,
    filerUserId: p.filer_user_id,
    filerOrganisationId: p.filer_organisation_id,
    deskId: p.desk_id,
    agencyIds,
    proceedings: proceedingsOf(p),
    filedOn: p.submitted_at ? romeDate(new Date(p.submitted_at as unknown as string)) : null,
    filedAt: p.submitted_at ? new Date(p.submitted_at as unknown as string).toISOString() : null,
  };
}

/** What the policy needs to know about a pratica to say who may see it and act on it. */
export async function praticaRef(db: Executor, p: RefColumns & Pick<Pratica, "id">): Promise<PraticaRef> {
  const agencies = await db
    .selectFrom("pratica_agencies")
    .select("agency_id")
    .where("pratica_id", "=", p.id)
    .execute();
  return refOf(
    p,
    agencies.map((a) => a.agency_id),
  );
}

/**
 * Who may sign a pratica's files: its form (the declarant's fiscal code and name), the business's legal
 * representative and the filer (the signature check of an upload, integrations/signature/attachments.server.ts).
 */
export async function praticaSignatories(db: Executor, id: string) {
  if (!UUID.test(id)) return undefined;
  return db
    .selectFrom("pratiche")
    .innerJoin("businesses", "businesses.id", "pratiche.business_id")
    .innerJoin("users", "users.id", "pratiche.filer_user_id")
    .select(["pratiche.form_data", "businesses.legal_representative", "users.fiscal_code", "users.full_name"])
    .where("pratiche.id", "=", id)
    .executeTakeFirst();
}
