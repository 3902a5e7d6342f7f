import { type Kysely, sql } from "kysely";
import { romeDate } from "~/domain/dates";
import type { Database, Pratica } from "../db/schema.server";
import { type DueDeadline, deadlineEvent, fireBatch } from "./batch.server";
import { dispatchInTransaction, EngineError, type EngineServices } from "./engine.server";

export interface SweepReport {
  fired: number;
  /** due events the pratica no longer accepts (it moved on): closed as done, nothing dispatched */
  stale: number;
  failed: number;
}

/** Today in Italy: legal terms are counted in the calendar of Rome, not UTC. */
export function todayInRome(now = new Date()): string {
  return romeDate(now);
}

/** How many due deadlines one transaction claims and fires (DEADLINES_BATCH in the worker). */
export const DEFAULT_DEADLINES_BATCH = 500;

export interface SweepOptions {
  today?: string;
  /** deadlines claimed per transaction (default DEFAULT_DEADLINES_BATCH) */
  batch?: number;
  maxBatches?: number;
  /** claimers in parallel, each its own transaction and connection */
  concurrency?: number;
  /**
   * "batch" (default): the batch is stepped in memory and written set-based (engine/batch.server.ts);
   * "single": every deadline through the engine's one-step path (the fallback, and the profile's before).
   */
  mode?: "batch" | "single";
}

/**
 * Fires due deadlines exactly once. Each batch is one transaction: the due rows and their pratiche are
 * claimed in one statement with FOR UPDATE SKIP LOCKED (a second worker, in this process or another, takes
 * other rows or none), the batch is stepped in memory and written with a few set-based statements
 * (fireBatch; steps with protocol entries, documents or external calls go through the engine one by one in
 * the same transaction), and the rows are marked fired before COMMIT. A crash before COMMIT leaves the rows
 * active for the next sweep; after COMMIT they are fired and never picked again. A deadline that came due
 * while no process ran is simply due now. A deadline whose step fails in memory is left out of its batch and
 * retried alone; a batch whose set-based write fails is done again one deadline at a time, which isolates
 * the deadline at fault.
 */
export async function sweepDeadlines(
  db: Kysely<Database>,
  services: EngineServices,
  opts: SweepOptions = {},
): Promise<SweepReport> {
  const today = opts.today ?? todayInRome(services.now?.());
  const report: SweepReport = { fired: 0, stale: 0, failed: 0 };
  const skip = new Set<number>();
  // Several claimers in parallel (each its own transaction and connection; SKIP LOCKED keeps them apart).
  // On PGlite they take turns on the one session, which is still correct.
  await Promise.all(
    Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, () =>
      sweepLoop(db, services, today, opts, report, skip),
    ),
  );
  return report;
}

type Claimed = DueDeadline & { locked: Pratica | undefined };
interface BatchResult {
  n: number;
  fired: number;
  stale: number;
  /** failed in memory: each retried alone after this batch */
  alone: DueDeadline[];
  /** the set-based write failed: the next batch goes one deadline at a time */
  retrySingle?: boolean;
}

async function sweepLoop(
  db: Kysely<Database>,
  services: EngineServices,
  today: string,
  opts: SweepOptions,
  report: SweepReport,
  skip: Set<number>,
) {
  const size = opts.batch ?? DEFAULT_DEADLINES_BATCH;
  let single = opts.mode === "single";
  for (let i = 0; i < (opts.maxBatches ?? Number.POSITIVE_INFINITY); i++) {
    const batch = await runBatch(db, services, { today, size, skip, single }).catch(
      (error: Error & { deadlineId?: number }) => poisoned(error, single, report, skip),
    );
    report.fired += batch.fired;
    report.stale += batch.stale;
    // One deadline at a time only for the batch after a failed write (it isolates the deadline at fault).
    single = opts.mode === "single" || batch.retrySingle === true;
    for (const d of batch.alone) {
      console.error(`[deadlines] deadline ${d.id}: the step failed in memory, retried alone`);
      const alone = await runBatch(db, services, { today, size: 1, skip, single: true, only: d.id }).catch(
        (error: Error & { deadlineId?: number }) => poisoned(error, true, report, skip),
      );
      report.fired += alone.fired;
      report.stale += alone.stale;
    }
    if (batch.n === 0) break;
  }
}

/** A failed batch: the deadline at fault is skipped for the rest of this sweep, or the batch is redone singly. */
function poisoned(
  error: Error & { deadlineId?: number },
  single: boolean,
  report: SweepReport,
  skip: Set<number>,
): BatchResult {
  if (error.deadlineId !== undefined) {
    console.error(`[deadlines] deadline ${error.deadlineId} failed: ${error.message}`);
    skip.add(error.deadlineId);
    report.failed++;
    return { n: -1, fired: 0, stale: 0, alone: [] };
  }
  if (single) throw error;
  console.error(`[deadlines] batch write failed (${error.message}): the batch again one deadline at a time`);
  return { n: -1, fired: 0, stale: 0, alone: [], retrySingle: true };
}

function runBatch(
  db: Kysely<Database>,
  services: EngineServices,
  opts: { today: string; size: number; skip: Set<number>; single: boolean; only?: number },
): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    // One statement claims the batch and locks its pratiche too (a deadline whose pratica is busy in
    // another transaction is skipped, not waited for); the steps then start from the rows locked here.
    const skipped = opts.only === undefined ? [...opts.skip] : [];
    const claimed = await sql<
      Pratica & { d_id: number; d_name: string; d_due: string; d_event: string; d_payload: unknown }
    >`
      select d.id as d_id, d.name as d_name, d.due::text as d_due, d.event as d_event, d.payload as d_payload, p.*
        from deadlines d join pratiche p on p.id = d.pratica_id
       where d.status = 'active' and d.event is not null and d.due <= ${opts.today}
         ${skipped.length ? sql`and d.id <> all(${skipped}::int8[])` : sql``}
         ${opts.only === undefined ? sql`` : sql`and d.id = ${opts.only}`}
       order by d.due, d.id
       limit ${opts.size}
         for update of d, p skip locked`.execute(trx);
    const seen = new Set<string>();
    const rows: Claimed[] = claimed.rows.map(({ d_id, d_name, d_due, d_event, d_payload, ...pratica }) => {
      // A second due deadline of the same pratica in this batch steps from the row the first one saved.
      const first = !seen.has(pratica.id);
      seen.add(pratica.id);
      return {
        id: Number(d_id),
        pratica_id: pratica.id,
        name: d_name,
        due: d_due,
        event: d_event,
        payload: d_payload,
        locked: first ? (pratica as Pratica) : undefined,
      };
    });
    const outcome: BatchResult = { n: rows.length, fired: 0, stale: 0, alone: [] };
    const fired: number[] = [];
    const stale: number[] = [];
    let oneByOne: { deadline: DueDeadline; locked?: Pratica }[] = rows.map((r) => ({
      deadline: r,
      locked: r.locked,
    }));
    if (!opts.single) {
      const firsts = rows.filter((r) => r.locked);
      const set = await fireBatch(
        trx,
        services,
        firsts.map((r) => ({ deadline: r, pratica: r.locked! })),
      );
      fired.push(...set.fired);
      stale.push(...set.stale);
      for (const f of set.failed) {
        opts.skip.add(f.deadline.id);
        outcome.alone.push(f.deadline);
      }
      const failed = new Set(set.failed.map((f) => f.deadline.pratica_id));
      // The steps the engine takes one by one, then the second deadlines of a pratica (from its saved row);
      // those of a pratica whose first step failed wait for the retry.
      oneByOne = [
        ...set.single.map((s) => ({ deadline: s.deadline, locked: s.pratica })),
        ...rows.filter((r) => !r.locked && !failed.has(r.pratica_id)).map((r) => ({ deadline: r })),
      ];
    }
    for (const { deadline, locked } of oneByOne) {
      try {
        await dispatchInTransaction(trx, services, {
          praticaId: deadline.pratica_id,
          event: deadlineEvent(deadline),
          actor: { kind: "system", name: `deadline:${deadline.name}` },
          locked,
        });
        fired.push(deadline.id);
      } catch (error) {
        if (error instanceof EngineError && error.code === "conflict") stale.push(deadline.id);
        // Anything else aborts the batch (rollback): remember the row and retry the rest without it.
        else throw Object.assign(error as Error, { deadlineId: deadline.id });
      }
    }
    // A due event the pratica no longer accepts (it moved on): closed as done, nothing dispatched.
    if (stale.length) {
      await trx
        .updateTable("deadlines")
        .set({ status: "done", updated_at: sql`now()` })
        .where("id", "in", stale)
        .execute();
    }
    // The step usually replaces or closes the deadline itself; make sure the fired rows are closed
    // (one statement for the batch, still before COMMIT).
    if (fired.length) {
      await trx
        .updateTable("deadlines")
        .set({ status: "fired", fired_at: sql`now()`, updated_at: sql`now()` })
        .where("id", "in", fired)
        .where("status", "in", ["active", "suspended", "cancelled", "done"])
        .execute();
    }
    outcome.fired = fired.length;
    outcome.stale = stale.length;
    return outcome;
  });
}
