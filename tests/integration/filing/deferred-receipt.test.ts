// ADR 0032: the submission takes its CUI and protocol number in its transaction and renders the receipt after
// COMMIT (the request right away, the worker when the request's process died first). What must hold: every
// acknowledged submission exists once, CUI and protocol numbers are gapless and unique under 16 parallel
// submissions, and each receipt is rendered, sealed and registered exactly once whoever renders it.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCui } from "~/domain/filing/cui";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { Database } from "~/server/db/schema.server";
import { completeDeferredDocuments } from "~/server/engine/deferred.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { parseEnv } from "~/server/env.server";
import { receiptView } from "~/server/filing/queries.server";
import { submitPratica } from "~/server/filing/submit.server";
import { documentHandler } from "~/server/integrations/document/handler.server";
import { loadSealer } from "~/server/integrations/seal/registry.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { completeDraft } from "./support";

const root = mkdtempSync(path.join(os.tmpdir(), "suap-deferred-receipt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(DATABASES)("the receipt rendered after COMMIT on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  const files = new LocalFileStore(path.join(root, kind, "files"));

  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    // A sealer with a local key: the receipt is sealed when it is rendered (ADR 0014/0016).
    const sealer = await loadSealer(parseEnv({ DATA_DIR: path.join(root, kind), NODE_ENV: "test" }));
    services = { files, publicUrl: "http://localhost:3000", sealer };
  }, 120_000);
  afterAll(async () => {
    await test?.drop();
  });

  /** The worker's queue of this process, with only the rendering handler (what `npm run worker` runs). */
  const worker = (db: Kysely<Database>) =>
    integrationRunner(db, { handlers: new Map([["document", documentHandler()]]), services });

  /** Everything one pratica's submission left, for the checks below. */
  async function filed(db: Kysely<Database>, id: string) {
    const [pratica, events, docs, entries, mail, calls] = await Promise.all([
      db
        .selectFrom("pratiche")
        .select(["status", "cui", "protocol_number"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom("events")
        .select(["type", "payload"])
        .where("pratica_id", "=", id)
        .orderBy("seq")
        .execute(),
      db
        .selectFrom("documents")
        .select(["id", "kind", "sha256", "storage_key", "seal", "seal_status"])
        .where("pratica_id", "=", id)
        .execute(),
      db
        .selectFrom("protocol_entries")
        .select(["label", "document_id", "document_sha256"])
        .where("pratica_id", "=", id)
        .execute(),
      db
        .selectFrom("outbox")
        .select(["template", "recipient", "attachments"])
        .where("pratica_id", "=", id)
        .execute(),
      db
        .selectFrom("integration_calls")
        .select(["status", "attempts"])
        .where("pratica_id", "=", id)
        .where("kind", "=", "document")
        .execute(),
    ]);
    return { pratica, events, docs, entries, mail, calls };
  }

  /** One receipt, sealed once, registered under the pratica's own protocol entry, mailed once. */
  async function expectReceiptOnce(db: Kysely<Database>, id: string) {
    const f = await filed(db, id);
    expect(f.events.map((e) => e.type)).toEqual(["SUBMIT", "PROTOCOL", "INTEGRATION_RESULT"]);
    expect(f.events[2]!.payload).toMatchObject({ kind: "document", operation: "render", ok: true });
    expect(f.docs.map((d) => d.kind)).toEqual(["ricevuta"]);
    const receipt = f.docs[0]!;
    expect(receipt.seal).not.toBeNull();
    const bytes = Buffer.from(await files.get(receipt.storage_key));
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    // Sealed exactly once: one signature dictionary in the file.
    expect(bytes.toString("latin1").match(/\/ByteRange/g)).toHaveLength(1);
    // The receipt carries the committed numbers.
    expect(bytes.toString("latin1")).not.toContain("in corso di assegnazione");
    expect(f.entries).toHaveLength(1);
    expect(f.entries[0]).toMatchObject({
      label: f.pratica.protocol_number,
      document_id: receipt.id,
      document_sha256: receipt.sha256,
    });
    // The applicant's message, once per address, carrying this receipt.
    const mailed = f.mail.filter((m) => m.template === "ricevuta");
    expect(mailed.length).toBeGreaterThan(0);
    expect(new Set(mailed.map((m) => m.recipient)).size).toBe(mailed.length);
    for (const m of mailed) expect(JSON.stringify(m.attachments)).toContain(receipt.storage_key);
    expect(f.calls).toEqual([expect.objectContaining({ status: "done" })]);
    return f;
  }

  it("16 parallel submissions: each exists once, numbers gapless and unique, each receipt rendered once", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) ids.push(await completeDraft(db, files, owner));
    const before = await db.selectFrom("protocol_entries").select("number").execute();
    const results = await Promise.all(
      ids.map((praticaId) =>
        submitPratica(db, services, owner, {
          praticaId,
          submissionKey: `parallel-key-${praticaId}`,
          declared: true,
        }),
      ),
    );
    for (const r of results) expect(r.ok && r.pratica.created).toBe(true);
    const acknowledged = results.map((r) => (r.ok ? r.pratica : null));
    // Each acknowledged submission exists once, with the numbers it was acknowledged with.
    const rows = await db
      .selectFrom("pratiche")
      .select(["id", "status", "cui", "protocol_number"])
      .where("id", "in", ids)
      .execute();
    expect(rows).toHaveLength(16);
    for (const a of acknowledged) {
      const row = rows.find((r) => r.id === a!.praticaId)!;
      expect(row.status).not.toBe("draft");
      expect(row.cui).toBe(a!.cui);
      expect(row.protocol_number).toBe(a!.protocolNumber);
    }
    // The CUI progressives and the protocol numbers of this run: unique and consecutive.
    const progressives = rows.map((r) => Number(parseCui(r.cui!)!.progressive)).sort((a, b) => a - b);
    expect(progressives).toEqual(Array.from({ length: 16 }, (_, i) => progressives[0]! + i));
    const numbers = (
      await db
        .selectFrom("protocol_entries")
        .select("number")
        .where("pratica_id", "in", ids)
        .orderBy("number")
        .execute()
    ).map((e) => e.number);
    expect(numbers).toEqual(Array.from({ length: 16 }, (_, i) => before.length + 1 + i));
    for (const id of ids) await expectReceiptOnce(db, id);
    // Nothing left for the worker: the requests rendered every receipt.
    expect(await worker(db)()).toMatchObject({ claimed: 0 });
  }, 240_000);

  it("a process killed between COMMIT and the receipt: the page says it is being prepared, the worker renders it once", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, files, owner);
    const r = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: `killed-key-${id}`,
      declared: true,
      killedBeforeReceipt: true,
    });
    expect(r.ok && r.pratica.created).toBe(true);
    // Committed: numbered, protocolled, no receipt yet, no mail to the applicant yet, one queued rendering.
    const pending = await filed(db, id);
    expect(pending.pratica.cui).toMatch(/^SUAP-AVC-/);
    expect(pending.pratica.protocol_number).toMatch(/^SUAP-AVC\/\d{4}\/\d{7}$/);
    expect(pending.events.map((e) => e.type)).toEqual(["SUBMIT", "PROTOCOL"]);
    expect(pending.docs).toEqual([]);
    expect(pending.mail).toEqual([]);
    expect(pending.calls).toEqual([{ status: "queued", attempts: 0 }]);
    const page = await receiptView(db, owner.principal, id);
    expect(page?.cui).toBe(pending.pratica.cui);
    expect(page?.protocolNumber).toBe(pending.pratica.protocol_number);
    expect(page?.receipt).toBeUndefined();

    // The restarted worker renders it; a second pass, and a late request, find nothing to do.
    expect(await worker(db)()).toMatchObject({ claimed: 1, done: 1 });
    const done = await expectReceiptOnce(db, id);
    expect(done.calls).toEqual([{ status: "done", attempts: 1 }]);
    expect(await worker(db)()).toMatchObject({ claimed: 0 });
    expect(await completeDeferredDocuments(db, services, id)).toBe(0);
    await expectReceiptOnce(db, id);
    expect((await receiptView(db, owner.principal, id))?.receipt?.id).toBe(done.docs[0]!.id);
  }, 120_000);

  it("the worker and the request racing for the same receipt render it once", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await completeDraft(db, files, owner));
    for (const praticaId of ids) {
      const r = await submitPratica(db, services, owner, {
        praticaId,
        submissionKey: `race-key-${praticaId}`,
        declared: true,
        killedBeforeReceipt: true,
      });
      expect(r.ok).toBe(true);
    }
    const run = worker(db);
    const [reports, ...inline] = await Promise.all([
      Promise.all([run(), run()]),
      ...ids.flatMap((id) => [
        completeDeferredDocuments(db, services, id),
        completeDeferredDocuments(db, services, id),
      ]),
    ]);
    const byWorker = reports.reduce((n, r) => n + r.done, 0);
    const byRequest = inline.reduce((n: number, c) => n + (c as number), 0);
    expect(byWorker + byRequest).toBe(ids.length);
    for (const id of ids) await expectReceiptOnce(db, id);
  }, 120_000);
});
