import { createHash } from "node:crypto";

/**
 * The one hash chain of the portal, used by the pratiche's audit log (`events`) and by the delegation log
 * (`delegation_events`). Each entry's hash is sha256(previous hash + "\n" + canonical JSON of its content), the
 * first entry of a chain starting from GENESIS_HASH; an entry stores both its previous hash and its own, so a
 * verifier can name the first entry that was altered, removed or inserted.
 */
export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every level: the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function linkHash(prevHash: string, content: Record<string, unknown>): string {
  return createHash("sha256").update(prevHash).update("\n").update(canonicalJson(content)).digest("hex");
}

/** One stored entry, as the verifier needs it: which chain, its position, the two hashes and what it says. */
export interface ChainEntry {
  chain: string;
  seq: number;
  prevHash: string;
  hash: string;
  content: Record<string, unknown>;
}

export interface ChainProblem {
  chain: string;
  seq: number;
  reason: string;
}

/**
 * Walks entries ordered by chain and seq and names the first broken entry of each chain (what follows a break
 * cannot be trusted either, so it is not reported again).
 */
export function verifyEntries(entries: Iterable<ChainEntry>): { checked: number; problems: ChainProblem[] } {
  const problems: ChainProblem[] = [];
  let checked = 0;
  let current: string | null = null;
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let broken = false;
  for (const e of entries) {
    checked++;
    if (e.chain !== current) {
      current = e.chain;
      prev = GENESIS_HASH;
      expectedSeq = 1;
      broken = false;
    }
    if (broken) continue;
    const fail = (reason: string) => {
      problems.push({ chain: e.chain, seq: e.seq, reason });
      broken = true;
    };
    if (e.seq !== expectedSeq) {
      fail(`sequenza interrotta: atteso ${expectedSeq}, trovato ${e.seq}`);
      continue;
    }
    if (e.prevHash !== prev) {
      fail("prev_hash non corrisponde all'hash della voce precedente");
      continue;
    }
    if (linkHash(prev, e.content) !== e.hash) {
      fail("il contenuto della voce non corrisponde al suo hash (voce alterata)");
      continue;
    }
    prev = e.hash;
    expectedSeq++;
  }
  return { checked, problems };
}

/** A timestamp as stored (Date from Postgres, string from PGlite) in the ISO form that was hashed. */
export const isoOf = (at: Date | string): string =>
  at instanceof Date ? at.toISOString() : new Date(at).toISOString();
