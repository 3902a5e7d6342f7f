import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Effect } from "../../../workflows/effects";
import type { Database } from "~/server/db/schema.server";
import { defaultDocumentProtocol } from "~/server/engine/effects/document.server";
import { runEffects } from "~/server/engine/effects/index.server";
import type { EffectContext, EngineServices } from "~/server/engine/types.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica } from "../support/factories";

const services: EngineServices = {
  files: new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-executors-"))),
  publicUrl: "http://localhost:3000",
};

/** Runs effects through the executors inside a transaction, as `dispatch` does after saving the state. */
async function run(
  db: Kysely<Database>,
  praticaId: string,
  effects: Effect[],
  seq = 1,
  extra: Partial<EngineServices> = {},
) {
  return db.transaction().execute(async (trx) => {
    const pratica = await trx
      .selectFrom("pratiche")
      .selectAll()
      .where("id", "=", praticaId)
      .executeTakeFirstOrThrow();
    // Inside the transaction only: PGlite is one session, a query on `db` here would wait for this one.
    const desk = await trx
      .selectFrom("entities")
      .select(["id", "code", "name"])
      .where("code", "=", "SUAP-AVC")
      .executeTakeFirstOrThrow();
    const ctx: EffectContext = {
      trx,
      services: { ...services, ...extra },
      now: new Date("2026-03-02T09:30:00Z"),
      pratica,
      desk,
      event: { type: "GRANT", at: "2026-03-02" },
      eventLabel: "Provvedimento di accoglimento",
      seq,
      view: { status: "granted", suspended: false, dueDates: { agencies: {}, other: {} } },
      protocolEntries: [],
      documents: [],
      queuedCalls: 0,
    };
    await runEffects(ctx, effects, { final: false });
    return ctx;
  });
}

describe.each(DATABASES)("the effect executors on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("registers a document under the entry the machine names, falling back to the rule by kind", async () => {
    const { db } = test.handle;
    expect(["ricevuta", "parere", "provvedimento"].map(defaultDocumentProtocol)).toEqual([
      "pratica",
      "in",
      "out",
    ]);
    const { id } = await draftPratica(db);
    const named = await run(db, id, [{ type: "document", kind: "provvedimento", protocol: "in" }]);
    expect(named.protocolEntries.map((p) => p.direction)).toEqual(["in"]);
    const byKind = await run(db, id, [{ type: "document", kind: "provvedimento" }], 2);
    expect(byKind.protocolEntries.map((p) => p.direction)).toEqual(["out"]);
    // A step's own entry of that direction is reused, not doubled.
    const reused = await run(
      db,
      id,
      [
        { type: "protocol", direction: "out", subject: "Provvedimento" },
        { type: "document", kind: "provvedimento", protocol: "out" },
      ],
      3,
    );
    expect(reused.protocolEntries).toHaveLength(1);
    const entries = await db
      .selectFrom("protocol_entries")
      .innerJoin("documents", "documents.id", "protocol_entries.document_id")
      .select(["protocol_entries.direction", "protocol_entries.document_sha256", "documents.sha256"])
      .where("protocol_entries.pratica_id", "=", id)
      .orderBy("protocol_entries.id")
      .execute();
    expect(entries.map((e) => e.direction)).toEqual(["in", "out", "out"]);
    for (const e of entries) expect(e.document_sha256).toBe(e.sha256);
  });

  it("queues an external effect once per key, and numbers nothing in the transaction with a remote register", async () => {
    const { db } = test.handle;
    const { id } = await draftPratica(db);
    const effect: Effect = {
      type: "external",
      kind: "seal",
      operation: "seal_document",
      payload: { documentId: "x" },
    };
    const first = await run(db, id, [effect], 7);
    expect(first.queuedCalls).toBe(1);
    await run(db, id, [effect], 7);
    const calls = await db.selectFrom("integration_calls").selectAll().where("pratica_id", "=", id).execute();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      kind: "seal",
      operation: "seal_document",
      idempotency_key: `seal:${id}:7:1`,
      status: "queued",
      payload: { documentId: "x" },
    });
    const keyed = await run(db, id, [{ ...effect, key: "sigillo-provvedimento" }], 8);
    expect(keyed.queuedCalls).toBe(1);
    expect(
      await db
        .selectFrom("integration_calls")
        .select("id")
        .where("idempotency_key", "=", `seal:${id}:sigillo-provvedimento`)
        .execute(),
    ).toHaveLength(1);

    const remote = await run(db, id, [{ type: "document", kind: "provvedimento" }], 9, {
      protocolRegistry: "remote",
    });
    expect(remote.protocolEntries).toMatchObject([{ id: null, label: "", direction: "out" }]);
    const registration = await db
      .selectFrom("integration_calls")
      .selectAll()
      .where("pratica_id", "=", id)
      .where("kind", "=", "protocol")
      .executeTakeFirstOrThrow();
    expect(registration.payload).toMatchObject({
      direction: "out",
      documentId: remote.documents[0]!.id,
      forPratica: false,
    });
    expect(
      await db.selectFrom("protocol_entries").select("id").where("pratica_id", "=", id).execute(),
    ).toEqual([]);
  });
});
