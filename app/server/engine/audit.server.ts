import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../db/schema.server";

export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every level: the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

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
}

export function eventHash(prevHash: string, e: AuditFields): string {
  return createHash("sha256")
    .update(prevHash)
    .update("\n")
    .update(
      canonicalJson({
        pratica: e.praticaId,
        seq: e.seq,
        type: e.type,
        actorUserId: e.actorUserId,
        actorKind: e.actorKind,
        payload: e.payload,
        stateBefore: e.stateBefore,
        stateAfter: e.stateAfter,
        at: e.at,
      }),
    )
    .digest("hex");
}

/** Appends the next link of the pratica's chain. The caller holds the pratica's row lock. */
export async function appendAuditEvent(trx: Transaction<Database>, e: Omit<AuditFields, "seq">) {
  const last = await trx
    .selectFrom("events")
    .select(["seq", "hash"])
    .where("pratica_id", "=", e.praticaId)
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
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
  const problems: ChainProblem[] = [];
  let current: string | null = null;
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let broken = false;
  for (const row of rows) {
    if (row.pratica_id !== current) {
      current = row.pratica_id;
      prev = GENESIS_HASH;
      expectedSeq = 1;
      broken = false;
    }
    if (broken) continue;
    const fail = (reason: string) => {
      problems.push({ praticaId: row.pratica_id, seq: row.seq, reason });
      broken = true;
    };
    if (row.seq !== expectedSeq) {
      fail(`sequenza interrotta: atteso ${expectedSeq}, trovato ${row.seq}`);
      continue;
    }
    if (row.prev_hash !== prev) {
      fail("prev_hash non corrisponde all'hash della voce precedente");
      continue;
    }
    const at = row.at instanceof Date ? row.at.toISOString() : new Date(row.at as string).toISOString();
    const recomputed = eventHash(prev, {
      praticaId: row.pratica_id,
      seq: row.seq,
      type: row.type,
      actorUserId: row.actor_user_id,
      actorKind: row.actor_kind,
      payload: row.payload as Record<string, unknown>,
      stateBefore: row.state_before,
      stateAfter: row.state_after,
      at,
    });
    if (recomputed !== row.hash) {
      fail("il contenuto della voce non corrisponde al suo hash (voce alterata)");
      continue;
    }
    prev = row.hash;
    expectedSeq++;
  }
  return { checked: rows.length, problems };
}
