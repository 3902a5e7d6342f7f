import type { Kysely, Transaction } from "kysely";
import { type ChainEntry, GENESIS_HASH, isoOf, linkHash, verifyEntries } from "../audit/hash-chain.server";
import type { Database } from "../db/schema.server";

/** The delegation log: one hash chain per delegation (grant, each use, revocation), same construction as the audit log. */
export type DelegationEventType = "grant" | "use" | "revoke";

interface DelegationEventFields {
  delegationId: string;
  seq: number;
  type: DelegationEventType;
  actorUserId: string | null;
  details: Record<string, unknown>;
  at: string;
}

function delegationContent(e: DelegationEventFields): Record<string, unknown> {
  return {
    delegation: e.delegationId,
    seq: e.seq,
    type: e.type,
    actorUserId: e.actorUserId,
    details: e.details,
    at: e.at,
  };
}

/** Appends to the delegation's chain, locking its last entry so two appends cannot take the same seq. */
export async function appendDelegationEvent(
  trx: Transaction<Database>,
  input: {
    delegationId: string;
    type: DelegationEventType;
    actorUserId: string | null;
    details: Record<string, unknown>;
    at: Date;
  },
) {
  const last = await trx
    .selectFrom("delegation_events")
    .select(["seq", "hash"])
    .where("delegation_id", "=", input.delegationId)
    .orderBy("seq", "desc")
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const at = input.at.toISOString();
  const hash = linkHash(prevHash, delegationContent({ ...input, seq, at }));
  await trx
    .insertInto("delegation_events")
    .values({
      delegation_id: input.delegationId,
      seq,
      type: input.type,
      actor_user_id: input.actorUserId,
      details: JSON.stringify(input.details),
      at,
      prev_hash: prevHash,
      hash,
    })
    .execute();
}

export interface DelegationChainProblem {
  delegationId: string;
  seq: number;
  reason: string;
}

/** Walks every delegation's chain (or one) and names the first broken entry of each. */
export async function verifyDelegationChains(
  db: Kysely<Database>,
  delegationId?: string,
): Promise<{ checked: number; problems: DelegationChainProblem[] }> {
  let q = db.selectFrom("delegation_events").selectAll().orderBy("delegation_id").orderBy("seq");
  if (delegationId) q = q.where("delegation_id", "=", delegationId);
  const rows = await q.execute();
  const entries = rows.map(
    (r): ChainEntry => ({
      chain: r.delegation_id,
      seq: r.seq,
      prevHash: r.prev_hash,
      hash: r.hash,
      content: delegationContent({
        delegationId: r.delegation_id,
        seq: r.seq,
        type: r.type,
        actorUserId: r.actor_user_id,
        details: r.details as Record<string, unknown>,
        at: isoOf(r.at as Date | string),
      }),
    }),
  );
  const { checked, problems } = verifyEntries(entries);
  return {
    checked,
    problems: problems.map((p) => ({ delegationId: p.chain, seq: p.seq, reason: p.reason })),
  };
}
