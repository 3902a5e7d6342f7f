import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";
import { type DatabaseHandle, migrateToLatest, openDatabase } from "~/server/db/db.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";

/**
 * The databases every integration test runs against: embedded PGlite always, and the Postgres named by
 * TEST_DATABASE_URL when set. Each test file gets its own fresh database (a new PGlite in memory, a new
 * Postgres database created from TEST_DATABASE_URL and dropped afterwards), so runs never collide.
 */
export const DATABASES: ("pglite" | "postgres")[] = process.env.TEST_DATABASE_URL
  ? ["pglite", "postgres"]
  : ["pglite"];

// Without TEST_DATABASE_URL the Postgres half of every integration file does not run: say so in the report
// (one skipped entry per file that imports this module) instead of letting it disappear silently.
if (!process.env.TEST_DATABASE_URL) {
  describe.skip("on postgres (set TEST_DATABASE_URL to run this file on Postgres too)", () => {
    it("runs every test of this file on a fresh Postgres database", () => {});
  });
}

export interface TestDatabase {
  handle: DatabaseHandle;
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(kind: "pglite" | "postgres"): Promise<TestDatabase> {
  if (kind === "pglite") {
    const handle = await openDatabase({ dataDir: "memory://" });
    return { handle, drop: () => handle.close() };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const name = `suap_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), dataDir: "unused" });
  return {
    handle,
    url: url.toString(),
    async drop() {
      await handle.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A migrated, seeded database installed as the process runtime's database (what services use). */
export async function useMigratedDatabase(kind: "pglite" | "postgres", opts: { demo?: boolean } = {}) {
  const test = await createTestDatabase(kind);
  await migrateToLatest(test.handle.db);
  await seed(test.handle.db, { demo: opts.demo ?? true });
  runtime.handle = test.handle;
  runtime.ready = true;
  return test;
}
