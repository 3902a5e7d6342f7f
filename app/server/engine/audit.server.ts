import type { Kysely, Transaction } from "kysely";
import {
  type ChainEntry,
  canonicalJson,
  GENESIS_HASH,
  isoOf,
  linkHash,
  verifyEntries,
} from "../audit/hash-chain.server";
import type { Principal } from "~/domain/policy";
import type { ActorIdentity, Database } from "../db/schema.server";

// the construction lives in audit/hash-chain.server.ts, shared with the delegation log
export { canonicalJson, GENESIS_HASH };

export interface AuditFields {
  praticaId: string;
  seq: number;
  type: string;
  actorUserId: string | null;
  actorKind: string;
  payload: Record<string, unknown>;
  stateBefore: string | null;
  stateAfter: string;
  at: string;
  /** Who signed in and how (ADR 0015); absent for system acts and for entries written before 0012. */
  actorIdentity?: ActorIdentity | null;
}

/** What an audit entry's hash covers. */
function eventContent(e: AuditFields): Record<string, unknown> {
  return {
    pratica: e.praticaId,
    seq: e.seq,
    type: e.type,
    actorUserId: e.actorUserId,
    actorKind: e.actorKind,
    payload: e.payload,
    stateBefore: e.stateBefore,
    stateAfter: e.stateAfter,
    at: e.at,
    // Only when present: the entries written before it existed hash exactly as they did.
    ...(e.actorIdentity ? { actorIdentity: e.actorIdentity } : {}),
  };
}

/**
 * The person behind a user's act as the audit log names them: name and fiscal code from the account, the
 * sign-in method and level of assurance from the session (a principal built without a session, as scripts
 * and tests do, says "unknown" and level 0).
 */
export async function actorIdentityOf(
  trx: Transaction<Database> | Kysely<Database>,
  userId: string,
  principal?: Principal,
): Promise<ActorIdentity> {
  const user = await trx
    .selectFrom("users")
    .select(["full_name", "fiscal_code"])
    .where("id", "=", userId)
    .executeTakeFirst();
  const session = principal?.identity;
  return {
    name: user?.full_name ?? "",
    fiscalCode: session?.fiscalCode ?? user?.fiscal_code ?? null,
    method: session?.method ?? "unknown",
    loa: session?.loa ?? 0,
  };
}

export function eventHash(prevHash: string, e: AuditFields): string {
  return linkHash(prevHash, eventContent(e));
}

/** Where the pratica's chain ends, as its locked row says (0026: event_count is the seq, audit_head the hash). */
export interface ChainTail {
  event_count: number;
  audit_head: string | null;
}

/**
 * Appends the next link of the pratica's chain and moves the pratica's head on. The caller holds the
 * pratica's row lock.
 */
export async function appendAuditEvent(trx: Transaction<Database>, e: Omit<AuditFields, "seq">) {
  const link = await insertLink(trx, await readTail(trx, e.praticaId), e);
  await trx
    .updateTable("pratiche")
    .set({ event_count: link.seq, audit_head: link.hash })
    .where("id", "=", e.praticaId)
    .execute();
  return link;
}

/**
 * The engine's append: the tail comes from the locked pratica row the caller already holds (no read of the
 * chain), and the caller saves the returned seq and hash as the row's event_count and audit_head in its own
 * update of the row. A row that does not know its head falls back to reading the chain.
 */
export async function appendAuditEventAfter(
  trx: Transaction<Database>,
  tail: ChainTail,
  e: Omit<AuditFields, "seq">,
) {
  const known = tail.audit_head !== null || tail.event_count === 0;
  const last = known
    ? tail.event_count > 0
      ? { seq: tail.event_count, hash: tail.audit_head! }
      : undefined
    : await readTail(trx, e.praticaId);
  return insertLink(trx, last, e);
}

function readTail(trx: Transaction<Database>, praticaId: string) {
  return trx
    .selectFrom("events")
    .select(["seq", "hash"])
    .where("pratica_id", "=", praticaId)
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
}

async function insertLink(
  trx: Transaction<Database>,
  last: { seq: number; hash: string } | undefined,
  e: Omit<AuditFields, "seq">,
) {
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const fields = { ...e, seq };
  const hash = eventHash(prevHash, fields);
  await trx
    .insertInto("events")
    .values({
      pratica_id: e.praticaId,
      seq,
      type: e.type,
      actor_user_id: e.actorUserId,
      actor_kind: e.actorKind,
      payload: JSON.stringify(e.payload),
      state_before: e.stateBefore,
      state_after: e.stateAfter,
      at: e.at,
      prev_hash: prevHash,
      hash,
      actor_identity: e.actorIdentity ? JSON.stringify(e.actorIdentity) : null,
    })
    .execute();
  return { seq, hash };
}

export interface ChainProblem {
  praticaId: string;
  seq: number;
  reason: string;
}

/** Walks every chain (or one pratica's) and names the first broken entry of each. */
export async function verifyChains(
  db: Kysely<Database>,
  praticaId?: string,
): Promise<{
  checked: number;
  problems: ChainProblem[];
}> {
  let q = db.selectFrom("events").selectAll().orderBy("pratica_id").orderBy("seq");
  if (praticaId) q = q.where("pratica_id", "=", praticaId);
  const rows = await q.execute();
  const entries = rows.map(
    (row): ChainEntry => ({
      chain: row.pratica_id,
      seq: row.seq,
      prevHash: row.prev_hash,
      hash: row.hash,
      content: eventContent({
        praticaId: row.pratica_id,
        seq: row.seq,
        type: row.type,
        actorUserId: row.actor_user_id,
        actorKind: row.actor_kind,
        payload: row.payload as Record<string, unknown>,
        stateBefore: row.state_before,
        stateAfter: row.state_after,
        at: isoOf(row.at as Date | string),
        actorIdentity: row.actor_identity,
      }),
    }),
  );
  const { checked, problems } = verifyEntries(entries);
  return { checked, problems: problems.map((p) => ({ praticaId: p.chain, seq: p.seq, reason: p.reason })) };
}
