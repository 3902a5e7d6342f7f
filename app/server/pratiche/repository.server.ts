import { type Kysely, sql, type Transaction } from "kysely";
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

/**
 * A pratica by the uuid of the CUI the national Catalogo SSU registered for it (`ssu_cui`, when it differs from
 * the pratica's own: peers name it by that one; index of migration 0027).
 */
export async function findPraticaBySsuCuiUuid(db: Executor, uuid: string): Promise<Pratica | undefined> {
  if (!UUID.test(uuid)) return undefined;
  return db
    .selectFrom("pratiche")
    .selectAll()
    .where(sql<string>`right(ssu_cui, 36)`, "=", uuid.toLowerCase())
    .where("ssu_cui", "is not", null)
    .executeTakeFirst();
}

/** A pratica by its submission key (the demo desk's idempotency, issue 12). */
export async function findPraticaBySubmissionKey(db: Executor, key: string): Promise<Pratica | undefined> {
  return db.selectFrom("pratiche").selectAll().where("submission_key", "=", key).executeTakeFirst();
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

type Column = keyof Pratica & string;

/** Chosen columns of one pratica by id (no lock); undefined when it does not exist. */
export async function readPratica<C extends Column>(
  db: Executor,
  id: string,
  columns: readonly C[],
): Promise<Pick<Pratica, C> | undefined> {
  if (!UUID.test(id)) return undefined;
  const row = await db
    .selectFrom("pratiche")
    .select(columns as unknown as readonly "id"[])
    .where("id", "=", id)
    .executeTakeFirst();
  return row as Pick<Pratica, C> | undefined;
}

/** Like `lockPratica`, reading only the columns the caller needs. */
export async function lockPraticaColumns<C extends Column>(
  trx: Transaction<Database>,
  id: string,
  columns: readonly C[],
): Promise<Pick<Pratica, C> | undefined> {
  if (!UUID.test(id)) return undefined;
  const row = await trx
    .selectFrom("pratiche")
    .select(columns as unknown as readonly "id"[])
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  return row as Pick<Pratica, C> | undefined;
}

/** The pratica one submission ("Conferma e invia", its one-time key) filed, if any. */
export async function praticaIdBySubmissionKey(db: Executor, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("pratiche")
    .select("id")
    .where("submission_key", "=", key)
    .executeTakeFirst();
  return row?.id;
}

/** The draft one start form (its idempotency key) created for this user, if any. */
export async function draftIdByCreationKey(
  db: Executor,
  filerUserId: string,
  key: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("pratiche")
    .select("id")
    .where("filer_user_id", "=", filerUserId)
    .where("creation_key", "=", key)
    .executeTakeFirst();
  return row?.id;
}

/**
 * A list of pratiche with their business and Comune, columns from PRATICA_LIST_COLUMNS: the base the
 * association workspace filters (callers add joins, conditions, order and limit).
 */
export function praticaListQuery(db: Executor) {
  return db
    .selectFrom("pratiche")
    .innerJoin("businesses", "businesses.id", "pratiche.business_id")
    .innerJoin("entities as comune", "comune.id", "pratiche.municipality_id")
    .select([
      ...PRATICA_LIST_COLUMNS,
      "businesses.name as business_name",
      "businesses.fiscal_code",
      "comune.name as comune_name",
      "comune.istat_code",
    ]);
}

/** Every pratica of these businesses, drafts included, newest first ("Le mie pratiche"). */
export async function praticheOfBusinesses(db: Executor, businessIds: readonly string[], limit: number) {
  return db
    .selectFrom("pratiche")
    .innerJoin("businesses", "businesses.id", "pratiche.business_id")
    .innerJoin("entities as comune", "comune.id", "pratiche.municipality_id")
    .select([
      "pratiche.id",
      "pratiche.title",
      "pratiche.status",
      "pratiche.regime",
      "pratiche.cui",
      "pratiche.protocol_number",
      "pratiche.due_date",
      "pratiche.submitted_at",
      "pratiche.updated_at",
      "pratiche.suspended",
      "pratiche.ended",
      "businesses.name as business",
      "comune.name as comune",
      // how it ended, for "Le mie pratiche" ("Archiviata — attività vietata")
      sql<string | null>`pratiche.snapshot->'context'->'decision'->>'outcome'`.as("outcome"),
    ])
    .where("pratiche.business_id", "in", businessIds)
    .orderBy("pratiche.updated_at", "desc")
    .limit(limit)
    .execute();
}

/** A pratica by its own protocol registration's label (e.g. "SUAP-AVC/2026/0000012"). */
export async function findPraticaByProtocolNumber(db: Executor, label: string): Promise<Pratica | undefined> {
  return db.selectFrom("pratiche").selectAll().where("protocol_number", "=", label).executeTakeFirst();
}

/** The desk of a pratica and its addresses (the outbox's alerts, the PEC service's segnatura). */
export async function praticaDesk(db: Executor, praticaId: string) {
  if (!UUID.test(praticaId)) return undefined;
  return db
    .selectFrom("pratiche")
    .innerJoin("entities", "entities.id", "pratiche.desk_id")
    .select([
      "entities.id",
      "entities.code",
      "entities.name",
      "entities.pec",
      "entities.email",
      "pratiche.cui",
      "pratiche.title",
      "pratiche.business_id",
      "pratiche.protocol_number",
    ])
    .where("pratiche.id", "=", praticaId)
    .executeTakeFirst();
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
