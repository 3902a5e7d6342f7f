import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import { emptyClusterTemplate, templatePath } from "~/server/db/pglite-template.server";
import { migrations } from "../../migrations/index";

// The embedded database's start (ADR 0035): a fresh folder starts from the build's empty cluster when there is
// one (no initdb), with 32 MB of shared buffers; it migrates, keeps its data across a reopen, and a folder that
// already holds a cluster is opened as it is (never overwritten by the template).
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("PGlite start", () => {
  it("the build's empty cluster, when present, is a gzip tarball named for the installed PGlite", () => {
    const file = templatePath();
    expect(file).toMatch(/build\/pglite-empty-\d+\.\d+\.\d+\.tar\.gz$/);
    if (existsSync(file!)) {
      const head = readFileSync(file!).subarray(0, 2);
      expect([head[0], head[1]]).toEqual([0x1f, 0x8b]);
      expect(emptyClusterTemplate()).toBeInstanceOf(Blob);
    } else {
      expect(emptyClusterTemplate()).toBeUndefined();
    }
  });

  it("a fresh folder opens, migrates and keeps its rows across a reopen, with 32 MB of shared buffers", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "suap-pglite-start-"));
    dirs.push(dir);
    const first = await openDatabase({ dataDir: dir });
    try {
      const buffers = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(first.db);
      expect(buffers.rows[0]!.shared_buffers).toBe("32MB");
      await migrateToLatest(first.db);
      await sql`create table start_probe (note text)`.execute(first.db);
      await sql`insert into start_probe values ('prima apertura')`.execute(first.db);
    } finally {
      await first.close();
    }
    expect(existsSync(path.join(dir, "pglite", "PG_VERSION"))).toBe(true);
    const again = await openDatabase({ dataDir: dir });
    try {
      const rows = await sql<{ note: string }>`select note from start_probe`.execute(again.db);
      expect(rows.rows).toEqual([{ note: "prima apertura" }]);
      const migrated = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(
        again.db,
      );
      expect(migrated.rows[0]!.n).toBe(Object.keys(migrations).length);
    } finally {
      await again.close();
    }
  });
});
