import { randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLiveSessionWithUser, hashToken, openSession, revokeSession } from "~/server/auth/session.server";
import { dashboard } from "~/server/desk/dashboard.server";
import {
  checkClockTallies,
  compactClockTallies,
  rebuildDeskTallies,
  tallyRegimes,
  tallyStatusCounts,
  tallySummary,
  tallyTitles,
} from "~/server/desk/tallies.server";
import { worklistHeader } from "~/server/desk/worklist.server";
import type { Database } from "~/server/db/schema.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica, entityId, userByEmail } from "../support/factories";
import { actAs, otherDesk, submittedPratica, useTestEnv } from "./support";

const TODAY = "2026-05-20";
const byGrant = (
  x: { role: string; entityId: number | null },
  y: { role: string; entityId: number | null },
) => `${x.role}:${x.entityId}`.localeCompare(`${y.role}:${y.entityId}`);

/** The dashboard's counts as a scan of the desk gives them (the queries the ledger replaces). */
async function scannedClock(db: Kysely<Database>, deskId: number, today: string) {
  const rows = await sql<{ name: string; n: number; open: number; overdue: number }>`
    select m.name, count(*)::int8 as n,
           count(*) filter (where not p.ended)::int8 as open,
           count(*) filter (where not p.ended and not p.suspended and p.due_date < ${today})::int8 as overdue
      from pratiche p join entities m on m.id = p.municipality_id
     where p.desk_id = ${deskId} and p.status <> 'draft'
       and p.municipality_id in (select comune_id from desk_comuni where desk_id = ${deskId})
     group by m.name order by m.name`.execute(db);
  const byComune = rows.rows.map((r) => ({
    comune: r.name,
    total: Number(r.n),
    open: Number(r.open),
    overdue: Number(r.overdue),
  }));
  return { byComune, overdue: byComune.reduce((s, r) => s + r.overdue, 0) };
}

describe.each(DATABASES)("the dashboard's ledger and the worklist's header on %s", (kind) => {
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

  const expectRight = async (id = deskId) => {
    const { db } = test.handle;
    expect(await checkClockTallies(db)).toEqual([]);
    const d = await dashboard(db, id, TODAY);
    const scanned = await scannedClock(db, id, TODAY);
    expect(d.byComune).toEqual(scanned.byComune);
    expect(d.overdue).toBe(scanned.overdue);
    return d;
  };

  it("counts by Comune, open and overdue follow filing, suspension, conclusion and bulk changes", async () => {
    const { db } = test.handle;
    expect((await expectRight()).overdue).toBe(0);
    // Filed on 2 March with a 60-day term: overdue on 20 May.
    const a = await submittedPratica(db, services, { at: "2026-03-02" });
    const b = await submittedPratica(db, services, { at: "2026-03-02", comune: "050027" });
    const c = await submittedPratica(db, services, { at: "2026-05-10", title: "Subingresso" });
    await draftPratica(db, { title: "Bozza mai inviata" });
    let d = await expectRight();
    expect(d.overdue).toBe(2);
    expect(d.byComune.reduce((s, r) => s + r.total, 0)).toBe(3);

    // An integration request suspends the clock: no longer overdue, still open.
    await actAs(db, services, "operatore@demo.test", a.id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: "2026-03-12",
      answerDays: 20,
      items: ["Planimetria aggiornata"],
    });
    d = await expectRight();
    expect(d.overdue).toBe(1);
    // A denial ends it: not open, not overdue.
    await actAs(db, services, "operatore@demo.test", b.id, {
      type: "DENY",
      at: "2026-03-20",
      reasons: "Requisiti mancanti",
    });
    d = await expectRight();
    expect(d.overdue).toBe(0);
    expect(d.byComune.reduce((s, r) => s + r.open, 0)).toBe(2);
    void c;

    // Set-based inserts and updates, a move to another desk, a deletion.
    const template = await db
      .selectFrom("pratiche")
      .select(["catalogue_version_id", "business_id", "filer_user_id", "municipality_id"])
      .where("id", "=", a.id)
      .executeTakeFirstOrThrow();
    await sql`
      insert into pratiche (id, cui, catalogue_version_id, usecases, title, regime, municipality_id, desk_id,
                            business_id, filer_user_id, status, ended, suspended, due_date)
      select gen_random_uuid(), 'CLOCK-' || i, ${template.catalogue_version_id}, '[]'::jsonb, 'Procedimento',
             'scia', ${template.municipality_id}, ${deskId}, ${template.business_id}::uuid,
             ${template.filer_user_id}::uuid, (array['in_review','effective','draft'])[1 + i % 3],
             i % 3 = 1, i % 5 = 0, ${TODAY}::date + (i % 40 - 20)
        from generate_series(1, 240) as i`.execute(db);
    d = await expectRight();
    expect(d.overdue).toBeGreaterThan(10);
    await sql`update pratiche set due_date = due_date + 30 where cui like 'CLOCK-%' and not ended`.execute(
      db,
    );
    await expectRight();
    await sql`update pratiche set suspended = not suspended where cui like 'CLOCK-%'`.execute(db);
    await expectRight();
    const other = await otherDesk(db);
    await sql`update pratiche set desk_id = ${other.deskId}, municipality_id = ${other.comuneId}
               where cui in ('CLOCK-2', 'CLOCK-5', 'CLOCK-8')`.execute(db);
    await expectRight();
    const elsewhere = await expectRight(other.deskId);
    // CLOCK-2, -5 and -8 are drafts (i % 3 = 2): moved, but never counted.
    expect(elsewhere.byComune).toEqual([]);
    await sql`update pratiche set status = 'in_review', ended = false
               where cui in ('CLOCK-2', 'CLOCK-5')`.execute(db);
    expect((await expectRight(other.deskId)).byComune[0]?.total).toBe(2);
    await sql`delete from pratiche where cui like 'CLOCK-%' and ended`.execute(db);
    await expectRight();
  });

  it("fold without changing a count, and name damage and rebuild it", async () => {
    const { db } = test.handle;
    const before = await expectRight();
    const folded = await compactClockTallies(db);
    expect(folded.after).toBeLessThan(folded.before);
    const keys = await sql<{ n: number }>`
      select count(*)::int8 as n from (select distinct desk_id, municipality_id, ended, due_date
                                          from desk_clock_tallies) k`.execute(db);
    const rows = await sql<{ n: number }>`select count(*)::int8 as n from desk_clock_tallies`.execute(db);
    expect(Number(rows.rows[0]!.n)).toBe(Number(keys.rows[0]!.n));
    expect(await expectRight()).toEqual(before);

    await sql`delete from desk_clock_tallies where id = (select min(id) from desk_clock_tallies)`.execute(db);
    await db
      .insertInto("desk_clock_tallies")
      .values({ desk_id: deskId, municipality_id: 1, ended: false, due_date: "2026-01-01", n: 5 })
      .execute();
    const damage = await checkClockTallies(db);
    expect(damage.length).toBeGreaterThanOrEqual(2);
    expect(damage).toContainEqual(
      expect.objectContaining({ municipalityId: 1, dueDate: "2026-01-01", counted: 0, tallied: 5 }),
    );
    await rebuildDeskTallies(db);
    expect(await expectRight()).toEqual(before);
  });

  it("gives the worklist's header as the separate queries did, one desk's staff only", async () => {
    const { db } = test.handle;
    const header = await worklistHeader(db, deskId);
    expect(header.counts).toEqual(await tallyStatusCounts(db, deskId));
    expect(header.options.procedures).toEqual(await tallyTitles(db, deskId, 200));
    expect(header.options.regimes).toEqual(await tallyRegimes(db, deskId));
    expect(await tallySummary(db, deskId, 1)).toEqual(
      expect.objectContaining({ titles: (await tallyTitles(db, deskId, 1)).slice(0, 1) }),
    );
    const comuni = await db
      .selectFrom("desk_comuni")
      .innerJoin("entities", "entities.id", "desk_comuni.comune_id")
      .select(["entities.id", "entities.name"])
      .where("desk_comuni.desk_id", "=", deskId)
      .orderBy("entities.name")
      .execute();
    expect(header.options.comuni).toEqual(comuni);
    expect(header.options.desk).toEqual(
      await db
        .selectFrom("entities")
        .select(["id", "code", "name"])
        .where("id", "=", deskId)
        .executeTakeFirst(),
    );
    const officer = await userByEmail(db, "operatore@demo.test");
    expect(header.options.colleagues.map((c) => c.id)).toContain(officer.id);
    // Another desk: its own staff, none of this desk's, and no counts of this desk.
    const other = await otherDesk(db);
    const theirs = await worklistHeader(db, other.deskId);
    expect(theirs.options.colleagues.map((c) => c.id)).not.toContain(officer.id);
    expect(theirs.options.comuni.map((c) => c.id)).toEqual([other.comuneId]);
    expect(theirs.counts.reduce((s, c) => s + c.count, 0)).toBe(
      (await tallyStatusCounts(db, other.deskId)).reduce((s, c) => s + c.count, 0),
    );
  });

  it("reads a session with its own user's grants and businesses in one statement, and not once revoked", async () => {
    const { db } = test.handle;
    const officer = await userByEmail(db, "operatore@demo.test");
    const business = await userByEmail(db, "impresa@demo.test");
    const mine = await openSession(db, officer.id, { method: "password", loa: 1 });
    const theirs = await openSession(db, business.id, { method: "spid", loa: 2 });
    const a = await findLiveSessionWithUser(db, mine.token);
    const b = await findLiveSessionWithUser(db, theirs.token);
    expect(a?.user?.id).toBe(officer.id);
    expect(b?.user?.id).toBe(business.id);
    const grants = (g: { role: string; entity_id: number | null }[]) =>
      g.map((x) => ({ role: x.role, entityId: x.entity_id })).sort(byGrant);
    const sorted = (g: { role: string; entityId: number | null }[]) => [...g].sort(byGrant);
    expect(grants(a!.user!.grants)).toEqual(sorted(officer.principal.grants));
    expect(grants(b!.user!.grants)).toEqual(sorted(business.principal.grants));
    expect([...b!.user!.businessIds].sort()).toEqual([...business.principal.businessIds].sort());
    expect(b!.user!.businessIds.length).toBeGreaterThan(0);
    expect(a!.user!.businessIds).toEqual([]);
    await revokeSession(db, hashToken(mine.token), "test");
    expect(await findLiveSessionWithUser(db, mine.token)).toBeNull();
    expect(await findLiveSessionWithUser(db, randomBytes(32).toString("base64url"))).toBeNull();
    expect((await findLiveSessionWithUser(db, theirs.token))?.user?.id).toBe(business.id);
  });
});
