import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { migrateToLatest } from "~/server/db/db.server";
import { verifyChains } from "~/server/engine/audit.server";
import { submitPratica } from "~/server/filing/submit.server";
import { startProtocolDouble } from "~/server/integrations/protocol/double.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { LocalFileStore } from "~/server/storage.server";
import { completeDraft } from "../filing/support";
import { DATABASES } from "../support/databases";
import { userByEmail } from "../support/factories";
import { sharedDatabase, spawnKillable } from "../support/spawn-killable";

const CHILD = path.resolve("tests/integration/integrations/support/worker-child.ts");
const LEASE_MS = 3000;

const startChild = (args: string[]) => spawnKillable(CHILD, args);

/**
 * The worker dies (SIGKILL) after the remote register received the registration and before its answer came
 * back. Restarted, the worker makes the call again when the lease expires, with the SAME idempotency key; the
 * register answers with the first registration, and the result is recorded once.
 */
describe.each(DATABASES)("a worker killed with SIGKILL during an external call on %s", (kind) => {
  it("makes the call again with the same key and records its result once", async () => {
    const filesDir = mkdtempSync(path.join(os.tmpdir(), "suap-crash2-files-"));
    const files = new LocalFileStore(filesDir);
    const { target, open, drop } = await sharedDatabase(kind, "suap-crash2-db-");
    const double = await startProtocolDouble({ token: "k".repeat(24) });
    let handle = await open();
    runtime.handle = handle;
    let praticaId: string;
    try {
      await migrateToLatest(handle.db);
      await seed(handle.db, { demo: true });
      await importBundledCatalogues(handle.db);
      const owner = await userByEmail(handle.db, "impresa@demo.test");
      praticaId = await completeDraft(handle.db, files, owner);
      const submitted = await submitPratica(
        handle.db,
        { files, publicUrl: "http://localhost:3000", protocolRegistry: "remote" },
        owner,
        { praticaId, submissionKey: `crash-remote-${praticaId}`, declared: true },
      );
      expect(submitted.ok).toBe(true);
    } finally {
      await handle.close();
    }

    const args = [target, filesDir, double.url, double.token, String(LEASE_MS)];
    // 1. The double registers, then holds its answer; the worker is killed while waiting for it.
    const release = double.hold();
    const first = startChild(args);
    const firstRequest = double.nextRequest();
    await first.waitFor(/^ready (\d+)/m);
    const received = await firstRequest;
    expect(received.status).toBe(201);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    expect(first.output()).not.toMatch(/report/);
    release();

    // 2. Restarted: after the lease the call is made again with the same key, and recorded.
    const second = startChild(args);
    try {
      await second.waitFor(/report .*"done":1/, 90_000);
    } finally {
      second.child.kill("SIGKILL");
      await second.exited;
    }
    try {
      expect(double.requests.map((r) => [r.idempotencyKey, r.status])).toEqual([
        [received.idempotencyKey, 201],
        [received.idempotencyKey, 200],
      ]);
      expect(double.registrations).toHaveLength(1);

      handle = await open();
      const { db } = handle;
      const calls = await db
        .selectFrom("integration_calls")
        .selectAll()
        .where("pratica_id", "=", praticaId)
        .execute();
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        status: "done",
        attempts: 2,
        idempotency_key: received.idempotencyKey,
      });
      const entries = await db
        .selectFrom("protocol_entries")
        .selectAll()
        .where("pratica_id", "=", praticaId)
        .execute();
      expect(entries).toHaveLength(1);
      expect(entries[0]!.label).toBe(double.registrations[0]!.segnatura);
      const pratica = await db
        .selectFrom("pratiche")
        .select("protocol_number")
        .where("id", "=", praticaId)
        .executeTakeFirstOrThrow();
      expect(pratica.protocol_number).toBe(double.registrations[0]!.segnatura);
      const events = await db
        .selectFrom("events")
        .select("type")
        .where("pratica_id", "=", praticaId)
        .orderBy("seq")
        .execute();
      expect(events.map((e) => e.type)).toEqual(["SUBMIT", "PROTOCOL", "INTEGRATION_RESULT"]);
      expect((await verifyChains(db, praticaId)).problems).toEqual([]);
    } finally {
      await handle.close();
      await double.close();
      await drop();
    }
  }, 180_000);
});
