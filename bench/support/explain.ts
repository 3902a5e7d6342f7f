import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { parseWorklistQuery } from "~/domain/desk/worklist-query";
import { dashboard } from "~/server/desk/dashboard.server";
import { listWorklist, worklistHeader } from "~/server/desk/worklist.server";
import type { Database } from "~/server/db/schema.server";

/**
 * The plans of what a view of /scrivania and /scrivania/cruscotto asks (issue 18: the worklist stays on its
 * index at 2,000,000 pratiche, the counts and options come from the ledgers): each statement is captured as
 * the code compiles it and run again under EXPLAIN ANALYZE; prints the time and the plan's top lines.
 */
export async function explainDeskViews(url: string, deskId: number, viewerId: string, today: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const captured: { sql: string; parameters: readonly unknown[] }[] = [];
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (e) => {
      if (e.level === "query") captured.push(e.query);
    },
  });
  try {
    const filters = parseWorklistQuery(new URLSearchParams()).filters;
    const views: [string, () => Promise<unknown>][] = [
      ["worklist (default view)", () => listWorklist(db, { deskId, viewerId, filters, cursor: null, today })],
      ["worklist header (counts, options)", () => worklistHeader(db, deskId)],
      ["dashboard (counts; times to conclusion excluded)", () => dashboard(db, deskId, today)],
    ];
    for (const [label, run] of views) {
      captured.length = 0;
      await run();
      console.log(`\nEXPLAIN ANALYZE: ${label}`);
      for (const q of captured) {
        // The times to conclusion are memoised per minute (ADR 0034); their scan is shown apart.
        if (/percentile_cont/.test(q.sql)) continue;
        const r = await pool.query(`explain (analyze, buffers) ${q.sql}`, q.parameters as unknown[]);
        const lines = r.rows.map((x) => String(x["QUERY PLAN"]));
        const time = lines.find((l) => l.startsWith("Execution Time")) ?? "";
        console.log(`  ${q.sql.replace(/\s+/g, " ").slice(0, 90)}…  ${time}`);
        for (const l of lines.filter((l) => /Scan|Limit|Aggregate/.test(l)).slice(0, 6))
          console.log(`    ${l.trim().slice(0, 150)}`);
      }
    }
  } finally {
    await db.destroy();
  }
}
