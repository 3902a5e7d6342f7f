import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "~/server/db/db.server";
import { checkDeskTallies } from "~/server/desk/tallies.server";
import { verifyChains } from "~/server/engine/audit.server";
import { seedDueDeadlines, sweepWithProcesses } from "../../../bench/deadlines";
import { DATABASES, createTestDatabase } from "../support/databases";

// Several worker processes sweeping one Postgres (PGlite admits one process: Postgres only; the same
// guarantee with several sweepers in one process on PGlite: tests/integration/engine/deadlines-batch.test.ts).
// Each case once per way of writing a batch: set-based (the default) and one engine call per deadline; the
// set-based case with three processes and small batches, so the claimers meet on every batch.
const CASES = [
  { mode: "batch", N: 3000, workers: 3, claimers: 2, batch: 64 },
  { mode: "single", N: 400, workers: 2, claimers: 2, batch: 100 },
] as const;

describe.each(
  DATABASES.filter((k) => k === "postgres").flatMap((kind) => CASES.map((c) => ({ kind, ...c }))),
)(
  "deadlines swept by $workers worker processes on $kind, $mode writes, N = $N",
  ({ mode, N, workers, claimers, batch }) => {
    let url: string;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const t = await createTestDatabase("postgres");
      url = t.url!;
      drop = t.drop;
      await t.handle.close();
      await seedDueDeadlines(url, N);
    }, 300_000);
    afterAll(async () => {
      await drop?.();
    });

    it("fires every due deadline exactly once, one event each, with every audit chain valid", async () => {
      // N bulk pratiche plus the one the engine made as their template, each with its final term due
      const before = await openDatabase({ databaseUrl: url, dataDir: "unused" });
      const due = await sql<{ n: number }>`
        select count(*)::int8 as n from deadlines where status = 'active' and due <= '2026-06-30'`.execute(
        before.db,
      );
      await before.close();
      const total = Number(due.rows[0]!.n);
      expect(total).toBe(N + 1);
      const { reports } = await sweepWithProcesses(url, workers, claimers, "2026-06-30", { batch, mode });
      expect(reports).toHaveLength(workers);
      expect(reports.reduce((s, r) => s + r.fired, 0)).toBe(total);
      expect(reports.every((r) => r.failed === 0)).toBe(true);
      const handle = await openDatabase({ databaseUrl: url, dataDir: "unused" });
      try {
        const { db } = handle;
        const c = await sql<{ due: number; fired: number; events: number; twice: number; heads: number }>`
        select (select count(*) from deadlines where status = 'active' and due <= '2026-06-30')::int8 as due,
               (select count(*) from deadlines where status = 'fired')::int8 as fired,
               (select count(*) from events where type = 'SCIA_CHECK_PERIOD_ENDED')::int8 as events,
               (select count(*) from (select pratica_id from events where type = 'SCIA_CHECK_PERIOD_ENDED'
                                       group by pratica_id having count(*) > 1) t)::int8 as twice,
               (select count(*) from pratiche p
                 where p.audit_head is distinct from
                       (select hash from events e where e.pratica_id = p.id order by seq desc limit 1))::int8 as heads`.execute(
          db,
        );
        expect(c.rows[0]).toEqual({ due: 0, fired: total, events: total, twice: 0, heads: 0 });
        const chains = await verifyChains(db);
        expect(chains.checked).toBeGreaterThan(N);
        expect(chains.problems).toEqual([]);
        // every bulk pratica concluded, and the desk's counts followed
        const open = await db
          .selectFrom("pratiche")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("cui", "like", "BULK-%")
          .where("status", "=", "in_review")
          .executeTakeFirstOrThrow();
        expect(Number(open.n)).toBe(0);
        expect(await checkDeskTallies(db)).toEqual([]);
        // the outcome mail of every bulk pratica queued, once per address
        const mail = await sql<{ rows: number; distinct: number; pratiche: number }>`
          select count(*)::int8 as rows, count(distinct (o.pratica_id, o.recipient))::int8 as distinct,
                 count(distinct o.pratica_id)::int8 as pratiche
            from outbox o join pratiche p on p.id = o.pratica_id
           where p.cui like 'BULK-%' and o.template = 'end_by_proceeding_time_expired'`.execute(db);
        expect(Number(mail.rows[0]!.rows)).toBe(Number(mail.rows[0]!.distinct));
        expect(Number(mail.rows[0]!.pratiche)).toBe(N);
        // A second sweep finds nothing left to fire.
        const again = await sweepWithProcesses(url, workers, claimers, "2026-06-30", { batch, mode });
        expect(again.reports.reduce((s, r) => s + r.fired, 0)).toBe(0);
      } finally {
        await handle.close();
      }
    }, 600_000);
  },
);
