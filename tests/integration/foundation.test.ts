import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest, toNumber } from "~/server/db/db.server";
import { seed } from "~/server/seed.server";
import { COMUNI, DEMO_ACCOUNTS, ENTI_TERZI } from "~/server/seed-data.server";
import { createTestDatabase, DATABASES, type TestDatabase } from "./support/databases";

describe.each(DATABASES)("migrations and seed on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("applies every migration once, and a second run applies none", async () => {
    const first = await migrateToLatest(test.handle.db);
    expect(first.map((r) => r.status)).toEqual(first.map(() => "Success"));
    expect(first[0]?.migrationName).toBe("0001_foundation");
    const second = await migrateToLatest(test.handle.db);
    expect(second).toEqual([]);
  });

  it("seeds the five Comuni, the desk serving them and the enti terzi, idempotently", async () => {
    const { db } = test.handle;
    await seed(db, { demo: true });
    await seed(db, { demo: true });
    const comuni = await db
      .selectFrom("entities")
      .select(["istat_code", "name"])
      .where("kind", "=", "comune")
      .execute();
    expect(comuni.map((c) => c.istat_code).sort()).toEqual([
      "050011",
      "050019",
      "050021",
      "050027",
      "050039",
    ]);
    expect(comuni.find((c) => c.istat_code === "050039")?.name).toBe("Volterra");
    const served = await db
      .selectFrom("desk_comuni")
      .innerJoin("entities as desk", "desk.id", "desk_comuni.desk_id")
      .select(["desk.code", db.fn.countAll().as("n")])
      .groupBy("desk.code")
      .execute();
    expect(served).toHaveLength(1);
    expect(served[0]?.code).toBe("SUAP-AVC");
    expect(toNumber(served[0]?.n)).toBe(COMUNI.length);
    const agencies = await db
      .selectFrom("entities")
      .select("code")
      .where("kind", "=", "ente_terzo")
      .execute();
    expect(agencies.map((a) => a.code).sort()).toEqual(ENTI_TERZI.map((e) => e.code).sort());
    const users = await db.selectFrom("users").select(db.fn.countAll().as("n")).executeTakeFirstOrThrow();
    expect(toNumber(users.n)).toBe(DEMO_ACCOUNTS.length);
  });

  it("gives every demo account its role on the right entity", async () => {
    const { db } = test.handle;
    const rows = await db
      .selectFrom("memberships")
      .innerJoin("users", "users.id", "memberships.user_id")
      .leftJoin("entities", "entities.id", "memberships.entity_id")
      .select(["users.email", "memberships.role", "entities.code"])
      .where("memberships.role", "!=", "business")
      .execute();
    expect(rows).toContainEqual({ email: "operatore@demo.test", role: "officer", code: "SUAP-AVC" });
    expect(rows).toContainEqual({ email: "responsabile@demo.test", role: "manager", code: "SUAP-AVC" });
    expect(rows).toContainEqual({ email: "asl@demo.test", role: "agency_reviewer", code: "ASL-TNO" });
    expect(rows).toContainEqual({ email: "admin@demo.test", role: "admin", code: null });
  });

  it("refuses half-written rows: a failing transaction leaves nothing behind", async () => {
    const { db } = test.handle;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto("entities")
          .values({ code: "TMP-1", kind: "comune", name: "Temporaneo" })
          .execute();
        await trx
          .insertInto("entities")
          .values({ code: "TMP-2", kind: "not-a-kind" as never, name: "x" })
          .execute();
      }),
    ).rejects.toThrow();
    const left = await db.selectFrom("entities").select("code").where("code", "like", "TMP-%").execute();
    expect(left).toEqual([]);
  });

  it("serialises concurrent transactions: no one sees another's uncommitted rows", async () => {
    const { db } = test.handle;
    let seenInside = -1;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let inserted!: () => void;
    const written = new Promise<void>((r) => {
      inserted = r;
    });
    const writer = db.transaction().execute(async (trx) => {
      await trx.insertInto("entities").values({ code: "UNCOMMITTED", kind: "comune", name: "x" }).execute();
      inserted();
      await gate;
      throw new Error("rollback on purpose");
    });
    const reader = (async () => {
      // Read only once the row is written (uncommitted): no timing guess.
      await written;
      const p = db.selectFrom("entities").select("code").where("code", "=", "UNCOMMITTED").execute();
      release();
      seenInside = (await p).length;
    })();
    await expect(writer).rejects.toThrow("rollback on purpose");
    await reader;
    expect(seenInside).toBe(0);
  });

  it("returns counts as numbers on both dialects", async () => {
    const row = await sql<{ n: unknown }>`select count(*) as n from entities`.execute(test.handle.db);
    const all = await test.handle.db.selectFrom("entities").select("id").execute();
    expect(all.length).toBeGreaterThan(0);
    expect(toNumber(row.rows[0]?.n)).toBe(all.length);
    const r2 = await test.handle.db
      .selectFrom("entities")
      .select(test.handle.db.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(typeof r2.n === "number" || typeof r2.n === "string").toBe(true);
    expect(toNumber(r2.n)).toBeGreaterThan(5);
  });
});

describe("production seed", () => {
  it("never creates demo accounts", async () => {
    const test = await createTestDatabase("pglite");
    try {
      await migrateToLatest(test.handle.db);
      await seed(test.handle.db, { demo: false });
      const users = await test.handle.db.selectFrom("users").selectAll().execute();
      expect(users).toEqual([]);
      const comuni = await test.handle.db
        .selectFrom("entities")
        .select("code")
        .where("kind", "=", "comune")
        .execute();
      expect(comuni).toHaveLength(5);
    } finally {
      await test.drop();
    }
  });
});
