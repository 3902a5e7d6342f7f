import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendDelegationEvent } from "~/server/delegations/chain.server";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import type { Database } from "~/server/db/schema.server";
import { appendAuditEvent } from "~/server/engine/audit.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { DATABASES, createTestDatabase, type TestDatabase } from "./support/databases";
import { draftPratica, entityId, userByEmail } from "./support/factories";

const run = promisify(execFile);

/** Runs `npm run audit:verify`'s script as its own process against the database, and returns its exit code. */
async function auditVerify(env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", path.resolve("scripts/audit-verify.ts")],
      {
        env: { ...process.env, NODE_ENV: "development", DATABASE_URL: "", ...env },
        timeout: 120_000,
      },
    );
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** Two chained entries in each log: a pratica's audit log and a delegation's log. */
async function writeLogs(db: Kysely<Database>) {
  const { id: praticaId } = await draftPratica(db);
  await db.transaction().execute(async (trx) => {
    for (const [type, before, after] of [
      ["SUBMIT", "draft", "submitted"],
      ["PROTOCOL", "submitted", "in_review"],
    ] as const) {
      await appendAuditEvent(trx, {
        praticaId,
        type,
        actorUserId: null,
        actorKind: "system:test",
        payload: { at: "2026-03-02" },
        stateBefore: before,
        stateAfter: after,
        at: new Date("2026-03-02T10:00:00Z").toISOString(),
      });
    }
  });
  const owner = await userByEmail(db, "impresa@demo.test");
  const delegationId = randomUUID();
  await db
    .insertInto("delegations")
    .values({
      id: delegationId,
      business_id: owner.principal.businessIds[0]!,
      organisation_id: await entityId(db, "CONFCOMMERCIO-PI"),
      scope: null,
      valid_from: "2026-01-01",
      valid_to: "2026-12-31",
      procura_filename: "procura.pdf",
      procura_sha256: "0".repeat(64),
      procura_storage_key: "test/procura.pdf",
      procura_size: 10,
      procura_content_type: "application/pdf",
      granted_by: owner.id,
    })
    .execute();
  await db.transaction().execute(async (trx) => {
    for (const type of ["grant", "use"] as const) {
      await appendDelegationEvent(trx, {
        delegationId,
        type,
        actorUserId: owner.id,
        details: { note: type },
        at: new Date("2026-03-02T10:00:00Z"),
      });
    }
  });
  return { praticaId, delegationId };
}

describe.each(DATABASES)("npm run audit:verify on %s", (kind) => {
  let test: TestDatabase | undefined;
  let dataDir: string;
  let env: Record<string, string>;
  let open: () => Promise<{ db: Kysely<Database>; close: () => Promise<void> }>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-audit-verify-"));
    if (kind === "postgres") {
      test = await createTestDatabase("postgres");
      env = { DATABASE_URL: test.url!, DATA_DIR: dataDir };
      open = async () => {
        runtime.handle = test!.handle;
        return { db: test!.handle.db, close: async () => {} };
      };
    } else {
      // the embedded database on disk: the script opens it after the test has closed it (one process at a time)
      env = { DATA_DIR: dataDir };
      open = async () => {
        const handle = await openDatabase({ dataDir });
        // the factories read users through the runtime's database
        runtime.handle = handle;
        return { db: handle.db, close: () => handle.close() };
      };
    }
    const { db, close } = await open();
    await migrateToLatest(db);
    await seed(db, { demo: true });
    await close();
  }, 120_000);

  afterAll(async () => {
    await test?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("exits 0 on intact logs, and 2 naming the first altered entry of each log", async () => {
    let ids: { praticaId: string; delegationId: string };
    {
      const { db, close } = await open();
      ids = await writeLogs(db);
      await close();
    }
    const good = await auditVerify(env);
    expect(good.out).toMatch(/Registri integri/);
    expect(good.code).toBe(0);

    {
      const { db, close } = await open();
      await db
        .updateTable("events")
        .set({ payload: JSON.stringify({ at: "2020-01-01" }) })
        .where("pratica_id", "=", ids.praticaId)
        .where("seq", "=", 2)
        .execute();
      await close();
    }
    const auditTampered = await auditVerify(env);
    expect(auditTampered.code).toBe(2);
    expect(auditTampered.out).toContain(`Pratica ${ids.praticaId}: prima voce non valida n. 2`);
    expect(auditTampered.out).not.toContain(`Delega ${ids.delegationId}`);

    {
      const { db, close } = await open();
      await db
        .updateTable("delegation_events")
        .set({ details: JSON.stringify({ note: "forged" }) })
        .where("delegation_id", "=", ids.delegationId)
        .where("seq", "=", 1)
        .execute();
      await close();
    }
    const both = await auditVerify(env);
    expect(both.code).toBe(2);
    expect(both.out).toContain(`Delega ${ids.delegationId}: prima voce non valida n. 1`);
    expect(both.out).toContain(`Pratica ${ids.praticaId}: prima voce non valida n. 2`);
  }, 300_000);
});
