import { type Kysely, sql } from "kysely";
import type { Database } from "./db/schema.server";
import type { ManagedFileStore } from "./storage.server";

/**
 * Orphan sweep (ADR 0035). Bytes are stored before the row that names them is written, outside the
 * transaction; when that transaction refuses or fails, the object stays with no row naming it. This removes
 * objects that nothing in the database names and that are older than the grace period (an upload in progress
 * stores its bytes seconds before its row: a young object is never touched).
 *
 * "Named" is read broadly, so that a file is never lost to a column added later: every value of a text column
 * whose name ends in `storage_key` or `sha256` (a key IS the sha256 of its bytes), and every 64-hex string inside
 * a json/jsonb column (the outbox's attachments, job results). Keeping an orphan by mistake costs bytes;
 * deleting a named file would lose a document, so every doubt keeps the object.
 *
 * Storing bytes that are already there refreshes the object's time (both stores), and each candidate is checked
 * once more against attachments and documents just before it is deleted. What is left is an upload that stores
 * the same bytes as a day-old orphan and commits its row in the instant between that check and the delete.
 */
export async function referencedKeys(db: Kysely<Database>): Promise<Set<string>> {
  const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select table_name, column_name, data_type from information_schema.columns
    where table_schema = current_schema()
      and ((data_type in ('text', 'character varying', 'character') and (column_name like '%storage_key' or column_name like '%sha256'))
        or data_type in ('json', 'jsonb'))
    order by table_name, column_name`.execute(db);
  const keys = new Set<string>();
  for (const c of columns.rows) {
    const table = sql.table(c.table_name);
    const column = sql.ref(c.column_name);
    const rows =
      c.data_type === "json" || c.data_type === "jsonb"
        ? await sql<{ k: string }>`
            select distinct (regexp_matches(${column}::text, '[0-9a-f]{64}', 'g'))[1] as k
            from ${table} where ${column} is not null`.execute(db)
        : await sql<{ k: string }>`
            select distinct lower(${column}) as k from ${table} where ${column} is not null`.execute(db);
    for (const r of rows.rows) if (r.k) keys.add(r.k);
  }
  return keys;
}

/** Just before a delete: a row written since the names were read (an upload of the same bytes) keeps it. */
async function stillNamed(db: Kysely<Database>, key: string) {
  const [a, d] = await Promise.all([
    db.selectFrom("attachments").select("id").where("storage_key", "=", key).limit(1).executeTakeFirst(),
    db.selectFrom("documents").select("id").where("storage_key", "=", key).limit(1).executeTakeFirst(),
  ]);
  return !!(a || d);
}

export interface SweepReport {
  examined: number;
  kept: number;
  young: number;
  deleted: string[];
}

export async function sweepOrphans(
  db: Kysely<Database>,
  files: ManagedFileStore,
  opts: { olderThan: Date; dryRun?: boolean },
): Promise<SweepReport> {
  // The names are read first: an object stored after this read is younger than the cutoff, so it is kept.
  const named = await referencedKeys(db);
  const report: SweepReport = { examined: 0, kept: 0, young: 0, deleted: [] };
  for await (const o of files.list()) {
    report.examined++;
    if (named.has(o.key)) report.kept++;
    else if (o.modified >= opts.olderThan) report.young++;
    else if (!opts.dryRun && (await stillNamed(db, o.key))) report.kept++;
    else {
      if (!opts.dryRun) await files.delete(o.key);
      report.deleted.push(o.key);
    }
  }
  return report;
}
