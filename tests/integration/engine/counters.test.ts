import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch, type EngineServices } from "~/server/engine/engine.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica, workflowInput } from "../support/factories";

const services: EngineServices = {
  files: new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-counters-"))),
  publicUrl: "http://localhost:3000",
};

describe.each(DATABASES)("protocol numbers on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("gives 50 concurrent submissions 50 distinct consecutive numbers", async () => {
    const { db } = test.handle;
    const drafts = [];
    for (let i = 0; i < 50; i++) drafts.push(await draftPratica(db));
    await Promise.all(
      drafts.map(({ id, owner }) =>
        db.transaction().execute(async (trx) => {
          const { dispatchInTransaction } = await import("~/server/engine/engine.server");
          await dispatchInTransaction(trx, services, {
            praticaId: id,
            event: { type: "SUBMIT", at: "2026-04-01" },
            actor: { kind: "user", userId: owner.id, principal: owner.principal },
            start: workflowInput("scia", 60),
          });
          await dispatchInTransaction(trx, services, {
            praticaId: id,
            event: { type: "PROTOCOL", at: "2026-04-01" },
            actor: { kind: "system", name: "submission" },
          });
        }),
      ),
    );
    const numbers = (
      await db
        .selectFrom("protocol_entries")
        .select("number")
        .where("direction", "=", "in")
        .orderBy("number")
        .execute()
    ).map((r) => r.number);
    expect(numbers).toHaveLength(50);
    expect(new Set(numbers).size).toBe(50);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => numbers[0]! + i));
  });

  it("does not skip a number when a transaction rolls back", async () => {
    const { db } = test.handle;
    const before = await db
      .selectFrom("protocol_counters")
      .select("last_number")
      .where("counter", "=", "protocol")
      .executeTakeFirstOrThrow();
    const { id, owner } = await draftPratica(db);
    await db
      .transaction()
      .execute(async (trx) => {
        const { dispatchInTransaction } = await import("~/server/engine/engine.server");
        await dispatchInTransaction(trx, services, {
          praticaId: id,
          event: { type: "SUBMIT", at: "2026-04-02" },
          actor: { kind: "user", userId: owner.id, principal: owner.principal },
          start: workflowInput("scia", 60),
        });
        throw new Error("crash simulato dopo la protocollazione");
      })
      .catch(() => {});
    const after = await db
      .selectFrom("protocol_counters")
      .select("last_number")
      .where("counter", "=", "protocol")
      .executeTakeFirstOrThrow();
    expect(after.last_number).toBe(before.last_number);
    await dispatch(db, services, {
      praticaId: id,
      event: { type: "SUBMIT", at: "2026-04-02" },
      actor: { kind: "user", userId: owner.id, principal: owner.principal },
      start: workflowInput("scia", 60),
    });
    const next = await db
      .selectFrom("protocol_counters")
      .select("last_number")
      .where("counter", "=", "protocol")
      .executeTakeFirstOrThrow();
    expect(next.last_number).toBe(before.last_number + 1);
  });
});
