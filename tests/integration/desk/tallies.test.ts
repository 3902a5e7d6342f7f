import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineServices } from "~/server/engine/engine.server";
import { assignPratica } from "~/server/desk/assign.server";
import {
  checkDeskTallies,
  compactDeskTallies,
  compactDeskTalliesIfNeeded,
  rebuildDeskTallies,
  tallyRegimes,
  tallyTitles,
} from "~/server/desk/tallies.server";
import { statusCounts, worklistOptions } from "~/server/desk/worklist.server";
import type { Database } from "~/server/db/schema.server";
import type { Kysely } from "kysely";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica, entityId, userByEmail } from "../support/factories";
import { actAs, otherDesk, submittedPratica, useTestEnv } from "./support";

/** The counts as a scan of the desk gives them (what the tallies replace), for the Comuni the desk serves. */
async function scannedCounts(db: Kysely<Database>, deskId: number) {
  const rows = await sql<{ status: string; n: number }>`
    select status, count(*)::int8 as n from pratiche
     where desk_id = ${deskId} and status <> 'draft'
       and municipality_id in (select comune_id from desk_comuni where desk_id = ${deskId})
     group by status order by status`.execute(db);
  return rows.rows.map((r) => ({ status: r.status, count: Number(r.n) }));
}

describe.each(DATABASES)("the desk's tallies on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let deskId: number;

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    deskId = await entityId(test.handle.db, "SUAP-AVC");
  });
  afterAll(async () => {
    await test?.drop();
  });

  const expectRight = async () => {
    const { db } = test.handle;
    expect(await checkDeskTallies(db)).toEqual([]);
    expect(await statusCounts(db, deskId)).toEqual(await scannedCounts(db, deskId));
  };

  it("follow every status change the engine makes, and acts that change no status", async () => {
    const { db } = test.handle;
    await expectRight();
    const a = await submittedPratica(db, services, { at: "2026-03-02" });
    const b = await submittedPratica(db, services, {
      at: "2026-03-02",
      title: "Subingresso",
      comune: "050027",
    });
    const c = await submittedPratica(db, services, {
      regime: "autorizzazione",
      at: "2026-03-10",
      title: "Somministrazione zona tutelata",
    });
    await draftPratica(db, { title: "Bozza mai inviata" });
    await expectRight();
    const before = await statusCounts(db, deskId);
    expect(before.reduce((s, x) => s + x.count, 0)).toBe(3);
    // drafts are counted in the ledger but never shown
    expect(before.find((x) => x.status === "draft")).toBeUndefined();
    expect(await tallyTitles(db, deskId, 200)).toEqual([
      "Apertura esercizio di vicinato",
      "Somministrazione zona tutelata",
      "Subingresso",
    ]);
    expect(await tallyRegimes(db, deskId)).toEqual(["autorizzazione", "scia"]);

    await actAs(db, services, "operatore@demo.test", a.id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: "2026-03-12",
      answerDays: 20,
      items: ["Planimetria aggiornata"],
    });
    await expectRight();
    expect((await statusCounts(db, deskId)).find((x) => x.status === "integration_requested")?.count).toBe(1);
    await actAs(db, services, "operatore@demo.test", c.id, {
      type: "FORWARD_TO_AGENCIES",
      at: "2026-03-11",
      agencies: [{ agencyId: "ASL-TNO", termDays: 20 }],
    });
    await expectRight();
    expect((await statusCounts(db, deskId)).find((x) => x.status === "awaiting_opinions")?.count).toBe(1);
    await actAs(db, services, "impresa@demo.test", b.id, { type: "CANCEL", at: "2026-03-05" });
    await expectRight();
    expect((await statusCounts(db, deskId)).find((x) => x.status === "cancelled")?.count).toBe(1);

    // An assignment changes no status: the counts stay as they were.
    const officer = await userByEmail(db, "operatore@demo.test");
    const mid = await statusCounts(db, deskId);
    const assigned = await assignPratica(db, {
      praticaId: a.id,
      assigneeId: officer.id,
      actor: { userId: officer.id, principal: officer.principal },
    });
    expect(assigned.ok).toBe(true);
    expect(await statusCounts(db, deskId)).toEqual(mid);
    await expectRight();
  });

  it("follow bulk inserts, moves between desks, deletions and truncation", async () => {
    const { db } = test.handle;
    const template = await db
      .selectFrom("pratiche")
      .select(["catalogue_version_id", "business_id", "filer_user_id", "municipality_id"])
      .where("desk_id", "=", deskId)
      .executeTakeFirstOrThrow();
    await sql`
      insert into pratiche (id, cui, catalogue_version_id, usecases, title, regime, municipality_id, desk_id,
                            business_id, filer_user_id, status)
      select gen_random_uuid(), 'BULK-' || i, ${template.catalogue_version_id}, '[]'::jsonb,
             'Procedimento ' || (i % 3), 'scia', ${template.municipality_id}, ${deskId},
             ${template.business_id}::uuid, ${template.filer_user_id}::uuid,
             (array['in_review','effective','denied'])[1 + i % 3]
        from generate_series(1, 300) as i`.execute(db);
    await expectRight();
    expect((await statusCounts(db, deskId)).find((x) => x.status === "denied")?.count).toBeGreaterThanOrEqual(
      100,
    );
    // one statement changing many rows' statuses at once
    await sql`update pratiche set status = 'archived' where cui like 'BULK-%' and status = 'effective'`.execute(
      db,
    );
    await expectRight();
    // A pratica moved to another desk leaves this desk's counts and enters the other's.
    const other = await otherDesk(db);
    const moved = await db
      .selectFrom("pratiche")
      .select("id")
      .where("cui", "like", "BULK-%")
      .limit(1)
      .executeTakeFirstOrThrow();
    await db
      .updateTable("pratiche")
      .set({ desk_id: other.deskId, municipality_id: other.comuneId })
      .where("id", "=", moved.id)
      .execute();
    await expectRight();
    expect((await statusCounts(db, other.deskId)).reduce((s, x) => s + x.count, 0)).toBe(1);
    await sql`delete from pratiche where cui like 'BULK-%' and status = 'denied'`.execute(db);
    await expectRight();
    expect((await statusCounts(db, deskId)).find((x) => x.status === "denied")).toBeUndefined();
  });

  it("compact to one row per key without changing a count, and rebuild after damage", async () => {
    const { db } = test.handle;
    const counts = await statusCounts(db, deskId);
    const options = await worklistOptions(db, deskId);
    // the worker's tick does nothing below its threshold, and folds above it
    expect(await compactDeskTalliesIfNeeded(db, 1_000_000)).toBeNull();
    const rowsBefore = await db
      .selectFrom("desk_tallies")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const folded = await compactDeskTalliesIfNeeded(db, 1);
    expect(folded).not.toBeNull();
    expect(folded!.before).toBe(Number(rowsBefore.n));
    expect(folded!.after).toBeLessThan(folded!.before);
    const keys = await sql<{ n: number }>`
      select count(*)::int8 as n from (select distinct desk_id, municipality_id, status, title, regime from desk_tallies) k`.execute(
      db,
    );
    const rows = await db
      .selectFrom("desk_tallies")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(Number(keys.rows[0]!.n));
    expect(await statusCounts(db, deskId)).toEqual(counts);
    expect(await worklistOptions(db, deskId)).toEqual(options);
    await expectRight();

    // Damage: a lost delta and a stray one. The check names them; the rebuild puts them right.
    await sql`delete from desk_tallies where id = (select min(id) from desk_tallies where status <> 'draft')`.execute(
      db,
    );
    await db
      .insertInto("desk_tallies")
      .values({
        desk_id: deskId,
        municipality_id: 1,
        status: "in_review",
        title: "Fantasma",
        regime: "scia",
        n: 7,
      })
      .execute();
    const damage = await checkDeskTallies(db);
    expect(damage.length).toBeGreaterThanOrEqual(2);
    expect(damage).toContainEqual(expect.objectContaining({ title: "Fantasma", counted: 0, tallied: 7 }));
    await rebuildDeskTallies(db);
    await expectRight();
    expect(await statusCounts(db, deskId)).toEqual(counts);

    await sql`truncate pratiche cascade`.execute(db);
    expect(await checkDeskTallies(db)).toEqual([]);
    expect(await statusCounts(db, deskId)).toEqual([]);
  });
});

// Many connections at once: Postgres only (PGlite is one session in one process).
describe.each(DATABASES.filter((k) => k === "postgres"))(
  "the desk's tallies under concurrency on %s",
  (kind) => {
    let test: TestDatabase;
    let deskId: number;

    beforeAll(async () => {
      useTestEnv();
      test = await useMigratedDatabase(kind);
      deskId = await entityId(test.handle.db, "SUAP-AVC");
    });
    afterAll(async () => {
      await test?.drop();
    });

    const expectRight = async () => {
      const { db } = test.handle;
      expect(await checkDeskTallies(db)).toEqual([]);
      expect(await statusCounts(db, deskId)).toEqual(await scannedCounts(db, deskId));
    };

    it("stay right under concurrent status changes, and two changes of one key never wait on each other", async () => {
      const { db } = test.handle;
      const url = test.url!;
      const template = await db
        .selectFrom("entities")
        .select("id")
        .where("code", "=", "050039")
        .executeTakeFirstOrThrow();
      const owner = await userByEmail(db, "impresa@demo.test");
      const first0 = await draftPratica(db);
      const cv = await db
        .selectFrom("pratiche")
        .select("catalogue_version_id as id")
        .where("id", "=", first0.id)
        .executeTakeFirstOrThrow();
      await sql`
        insert into pratiche (id, cui, catalogue_version_id, usecases, title, regime, municipality_id, desk_id,
                              business_id, filer_user_id, status)
        select gen_random_uuid(), 'CONC-' || i, ${cv.id}, '[]'::jsonb, 'Concorrente', 'scia', ${template.id},
               ${deskId}, ${owner.principal.businessIds[0]!}::uuid, ${owner.id}::uuid, 'in_review'
          from generate_series(1, 400) as i`.execute(db);
      // Two open transactions change two pratiche of the same key: the second commits while the first
      // still holds its locks (a shared counter row would make it wait until the lock timeout).
      const first = new pg.Client({ connectionString: url });
      const second = new pg.Client({ connectionString: url });
      await first.connect();
      await second.connect();
      try {
        await first.query("begin");
        await first.query(
          "update pratiche set status = 'effective' where cui = (select min(cui) from pratiche where cui like 'CONC-%')",
        );
        await second.query("begin");
        await second.query("set local lock_timeout = '20s'");
        await second.query(
          "update pratiche set status = 'effective' where cui = (select max(cui) from pratiche where cui like 'CONC-%')",
        );
        await second.query("commit");
        await first.query("commit");
      } finally {
        await first.end();
        await second.end();
      }
      await expectRight();

      // Sixteen connections change random statuses (and one keeps compacting) at the same time.
      const statuses = ["in_review", "effective", "denied", "integration_requested", "archived"];
      const clients = await Promise.all(
        Array.from({ length: 16 }, async () => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          return c;
        }),
      );
      let compacting = true;
      const compactor = (async () => {
        let runs = 0;
        while (compacting || runs === 0) {
          await compactDeskTallies(db);
          runs++;
        }
        return runs;
      })();
      try {
        await Promise.all(
          clients.map(async (c, k) => {
            for (let i = 0; i < 25; i++) {
              await c.query("begin");
              await c.query(
                `update pratiche set status = $1 where id in (
                   select id from pratiche where cui like 'CONC-%' order by md5(id::text || $2) limit 3
                   for update skip locked)`,
                [statuses[(k + i) % statuses.length], `${k}-${i}`],
              );
              await c.query("commit");
            }
          }),
        );
      } finally {
        compacting = false;
        expect(await compactor).toBeGreaterThan(0);
        await Promise.all(clients.map((c) => c.end()));
      }
      await expectRight();
    });
  },
);
