import { type Kysely, sql } from "kysely";
import { romeDate } from "~/domain/dates";
import type { WorkflowEvent } from "../../../workflows/index";
import type { Database, Pratica } from "../db/schema.server";
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

/**
 * Fires due deadlines exactly once. Each batch is one transaction: the due rows and their pratiche are
 * claimed in one statement with FOR UPDATE SKIP LOCKED (a second worker, in this process or another, takes
 * other rows or none), each event is dispatched through the
 * engine in the same transaction, and the row is marked fired before COMMIT. A crash before COMMIT leaves
 * the rows active for the next sweep; after COMMIT they are fired and never picked again. A deadline that
 * came due while no process ran is simply due now.
 */
export async function sweepDeadlines(
  db: Kysely<Database>,
  services: EngineServices,
  opts: { today?: string; batch?: number; maxBatches?: number; concurrency?: number } = {},
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

async function sweepLoop(
  db: Kysely<Database>,
  services: EngineServices,
  today: string,
  opts: { batch?: number; maxBatches?: number },
  report: SweepReport,
  skip: Set<number>,
) {
  for (let i = 0; i < (opts.maxBatches ?? Number.POSITIVE_INFINITY); i++) {
    const batch = await db
      .transaction()
      .execute(async (trx) => {
        // One statement claims the batch and locks its pratiche too (a deadline whose pratica is busy in
        // another transaction is skipped, not waited for); the engine then steps each pratica from the row
        // already locked here instead of locking it again.
        const skipped = [...skip];
        const claimed = await sql<
          Pratica & { d_id: number; d_name: string; d_due: string; d_event: string; d_payload: unknown }
        >`
          select d.id as d_id, d.name as d_name, d.due::text as d_due, d.event as d_event, d.payload as d_payload, p.*
            from deadlines d join pratiche p on p.id = d.pratica_id
           where d.status = 'active' and d.event is not null and d.due <= ${today}
             ${skipped.length ? sql`and d.id <> all(${skipped}::int8[])` : sql``}
           order by d.due, d.id
           limit ${opts.batch ?? 100}
             for update of d, p skip locked`.execute(trx);
        const seen = new Set<string>();
        const rows = claimed.rows.map(({ d_id, d_name, d_due, d_event, d_payload, ...pratica }) => {
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
        const outcome = { n: rows.length, fired: 0, stale: 0, poisoned: null as number | null };
        const fired: number[] = [];
        for (const row of rows) {
          const event = {
            ...(row.payload as Record<string, unknown>),
            type: row.event,
            at: row.due,
          } as WorkflowEvent;
          try {
            await dispatchInTransaction(trx, services, {
              praticaId: row.pratica_id,
              event,
              actor: { kind: "system", name: `deadline:${row.name}` },
              locked: row.locked,
            });
            outcome.fired++;
            fired.push(row.id);
          } catch (error) {
            if (error instanceof EngineError && error.code === "conflict") {
              await trx
                .updateTable("deadlines")
                .set({ status: "done", updated_at: sql`now()` })
                .where("id", "=", row.id)
                .execute();
              outcome.stale++;
            } else {
              // Anything else aborts the batch (rollback): remember the row and retry the rest without it.
              outcome.poisoned = row.id;
              throw Object.assign(error as Error, { deadlineId: row.id });
            }
          }
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
        return outcome;
      })
      .catch((error: Error & { deadlineId?: number }) => {
        if (error.deadlineId === undefined) throw error;
        console.error(`[deadlines] deadline ${error.deadlineId} failed: ${error.message}`);
        skip.add(error.deadlineId);
        report.failed++;
        return { n: -1, fired: 0, stale: 0, poisoned: error.deadlineId };
      });
    report.fired += batch.fired;
    report.stale += batch.stale;
    if (batch.n === 0) break;
  }
}
