// The desk's worklist on 200,000 pratiche in PostgreSQL: p50/p95 of the service function (listWorklist) for
// the default view, a deep keyset page, and filtered searches. Creates a fresh database from
// BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and drops it afterwards.
// Run: npm run bench:worklist        (prints figures; never fails on time)
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import { listWorklist } from "~/server/desk/worklist.server";
import { parseWorklistQuery } from "~/domain/desk/worklist-query";
import { seed } from "~/server/seed.server";

const BASE = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const N = Number(process.env.BENCH_PRATICHE ?? 200_000);
const RUNS = 60;
const TODAY = "2026-06-15";

async function main() {
  const name = `suap_bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
  const db = handle.db;
  try {
    await migrateToLatest(db);
    await seed(db, { demo: true });
    const t0 = performance.now();
    const desk = await db
      .selectFrom("entities")
      .select("id")
      .where("code", "=", "SUAP-AVC")
      .executeTakeFirstOrThrow();
    const officer = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "operatore@demo.test")
      .executeTakeFirstOrThrow();
    const filer = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "impresa@demo.test")
      .executeTakeFirstOrThrow();
    const catalogue = await db
      .insertInto("catalogue_versions")
      .values({
        catalogue_id: "BENCH",
        version: "0.0.0",
        content_hash: "sha256:bench",
        document: JSON.stringify({}),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    // 20,000 businesses with realistic Italian names and unique tax codes.
    await sql`
      insert into businesses (id, name, legal_form, fiscal_code, registered_office, legal_representative)
      select gen_random_uuid(),
             (array['Bar','Forno','Bottega','Ristorante','Agriturismo','Parrucchiera','Alimentari','Trattoria','Officina','Pizzeria'])[1 + i % 10]
               || ' ' || (array['Rossi','Bianchi','Etrusco','Del Borgo','Bellini','Conti','Marchetti','Volterrana','La Rocca','Gori','Pieri','Lari'])[1 + (i / 10) % 12]
               || ' ' || i,
             'SRL', 'BNC' || lpad(i::text, 13, '0'), '{}'::jsonb, '{}'::jsonb
        from generate_series(1, 20000) as i`.execute(db);
    // Pratiche: five Comuni (Volterra and Pomarance busiest), statuses skewed to open work, due dates spread
    // over a year around today, a quarter assigned to the officer.
    await sql`
      with b as (select array_agg(id order by fiscal_code) as ids from businesses),
           c as (select array_agg(e.id order by e.code) as ids from desk_comuni dc join entities e on e.id = dc.comune_id where dc.desk_id = ${desk.id})
      insert into pratiche (id, cui, catalogue_version_id, usecases, title, regime, municipality_id, desk_id, business_id,
                            filer_user_id, status, ended, suspended, due_date, assignee_user_id, protocol_number, submitted_at)
      select gen_random_uuid(),
             'CUI-' || i,
             ${catalogue.id},
             '["BENCH"]'::jsonb,
             (array['Apertura esercizio di vicinato','Subingresso','Somministrazione zona tutelata','Notifica sanitaria','Acconciatori','Agriturismo'])[1 + i % 6],
             (array['scia','scia','scia_unica','autorizzazione','silenzio_assenso','comunicazione'])[1 + i % 6],
             c.ids[1 + (case when i % 10 < 4 then 4 when i % 10 < 7 then 3 else i % 3 end)],
             ${desk.id},
             b.ids[1 + (i * 7919) % array_length(b.ids, 1)],
             ${filer.id},
             s.status,
             s.status in ('effective','granted','denied','archived'),
             s.status in ('integration_requested','refusal_notice'),
             case when s.status in ('effective','granted','denied','archived') then null
                  else (${TODAY}::date + ((i * 37) % 400 - 120)) end,
             case when i % 4 = 0 then ${officer.id}::uuid else null end,
             'SUAP-AVC/2026/' || lpad(i::text, 7, '0'),
             now() - ((i % 365) || ' days')::interval
        from generate_series(1, ${N}) as i
        cross join b cross join c
        cross join lateral (select (array['in_review','in_review','in_review','awaiting_opinions','integration_requested',
                                           'correction_requested','refusal_notice','effective','granted','denied','archived','draft'])[1 + (i * 13) % 12] as status) s`.execute(
      db,
    );
    await sql`analyze`.execute(db);
    console.log(`seeded ${N} pratiche in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const scenarios: [string, string][] = [
      ["default view (open, by due date)", ""],
      ["assigned to me", "assignee=me"],
      ["overdue", "due=overdue"],
      ["due within 7 days", "due=soon&within=7"],
      ["protocol number", "q=SUAP-AVC/2026/0123457"],
      ["tax code", "q=BNC0000000004242"],
      ["business substring + status + overdue", "q=etrusco&status=in_review&due=overdue"],
      ["business substring only", "q=rocca"],
    ];
    const filtersFor = (qs: string) => parseWorklistQuery(new URLSearchParams(qs)).filters;
    console.log(`\nlistWorklist on PostgreSQL, ${RUNS} runs each (ms)`);
    console.log("scenario".padEnd(44), "p50".padStart(8), "p95".padStart(8), "rows".padStart(6));
    for (const [label, qs] of scenarios) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const page = await listWorklist(db, {
          deskId: desk.id,
          viewerId: officer.id,
          filters: filtersFor(qs),
          cursor: null,
          today: TODAY,
        });
        times.push(performance.now() - t);
        rows = page.rows.length;
      }
      times.sort((a, b) => a - b);
      const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
      console.log(
        label.padEnd(44),
        pct(0.5).toFixed(1).padStart(8),
        pct(0.95).toFixed(1).padStart(8),
        String(rows).padStart(6),
      );
    }
    // A deep page: follow the cursor 40 pages in, then time that page.
    let cursor = null as ReturnType<typeof parseWorklistQuery>["cursor"];
    for (let i = 0; i < 40; i++) {
      const page = await listWorklist(db, {
        deskId: desk.id,
        viewerId: officer.id,
        filters: filtersFor(""),
        cursor,
        today: TODAY,
      });
      cursor = parseWorklistQuery(new URLSearchParams(`after=${page.next}`)).cursor;
    }
    const deep: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await listWorklist(db, {
        deskId: desk.id,
        viewerId: officer.id,
        filters: filtersFor(""),
        cursor,
        today: TODAY,
      });
      deep.push(performance.now() - t);
    }
    deep.sort((a, b) => a - b);
    console.log(
      "page 41 via keyset cursor".padEnd(44),
      deep[Math.floor(RUNS / 2)]!.toFixed(1).padStart(8),
      deep[Math.floor(RUNS * 0.95)]!.toFixed(1).padStart(8),
    );
    console.log("\nTarget: p95 under 50 ms (figures only; this never fails).");
  } finally {
    await handle.close();
    const c = new pg.Client({ connectionString: BASE });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
