import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { migrateToLatest } from "~/server/db/db.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { documentHandler } from "~/server/integrations/document/handler.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES } from "../support/databases";
import { userByEmail } from "../support/factories";
import { sharedDatabase, spawnKillable } from "../support/spawn-killable";
import { completeDraft } from "./support";

const CHILD = path.resolve("tests/integration/filing/support/submit-child.ts");

/**
 * A server killed in the middle of submissions leaves, for every pratica, either nothing (still a draft, no
 * protocol number used, no receipt, no mail) or everything (CUI, protocol, deadline, audit, and the queued
 * rendering of the receipt, ADR 0032); once the worker has run, every submitted pratica has its receipt and
 * mail exactly once; and every submission that was acknowledged exists.
 */
describe.each(DATABASES)("a submitting process killed with SIGKILL on %s", (kind) => {
  it("leaves every pratica either untouched or complete", async () => {
    const filesDir = mkdtempSync(path.join(os.tmpdir(), "suap-crash-files-"));
    const files = new LocalFileStore(filesDir);
    const { target, open, drop } = await sharedDatabase(kind, "suap-crash-db-");
    // Prepare complete drafts, then hand the database to the child.
    let handle = await open();
    runtime.handle = handle;
    await migrateToLatest(handle.db);
    await seed(handle.db, { demo: true });
    await importBundledCatalogues(handle.db);
    const owner = await userByEmail(handle.db, "impresa@demo.test");
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await completeDraft(handle.db, files, owner));
    await handle.close();

    const submitter = spawnKillable(CHILD, [target, filesDir, ...ids]);
    const { child, exited } = submitter;
    const acknowledged: string[] = [];
    const started: string[] = [];
    let sawDone = false;
    let readyPid: number | null = null;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child never acknowledged: ${submitter.errors()}`)),
        60_000,
      );
      const stop = submitter.onLine((line) => {
        const ready = /^ready (\d+)/.exec(line);
        if (ready) readyPid = Number(ready[1]);
        const s = /^submitting (\S+)/.exec(line);
        if (s) started.push(s[1]!);
        if (line.startsWith("done")) sawDone = true;
        const m = /^acknowledged (\S+)/.exec(line);
        if (m) acknowledged.push(m[1]!);
        // Kill it in the middle: some submissions done, others in flight.
        if (acknowledged.length >= 3 || line.startsWith("done")) {
          stop();
          clearTimeout(timer);
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    // The process killed is the one that submitted, and it died of the signal.
    expect(readyPid).toBe(child.pid);
    expect(await exited).toBe("SIGKILL");
    // The kill must land while submissions are running: not after the child finished, and with at least one
    // submission started and not yet acknowledged (otherwise nothing was really interrupted).
    expect(sawDone).toBe(false);
    expect(started.filter((id) => !acknowledged.includes(id)).length).toBeGreaterThan(0);

    handle = await open();
    try {
      const { db } = handle;
      // The restarted worker renders the receipts whose process died between COMMIT and rendering.
      const services = { files, publicUrl: "http://localhost:3000" };
      const worker = integrationRunner(db, {
        handlers: new Map([["document", documentHandler()]]),
        services,
      });
      for (let pass = 0; pass < 5 && (await worker()).claimed > 0; pass++);
      const rows = await db
        .selectFrom("pratiche")
        .select(["id", "status", "cui", "protocol_number", "submission_key"])
        .where("id", "in", ids)
        .execute();
      let complete = 0;
      for (const p of rows) {
        const [events, docs, mail, deadlines] = await Promise.all([
          db.selectFrom("events").select("type").where("pratica_id", "=", p.id).orderBy("seq").execute(),
          db.selectFrom("documents").select("kind").where("pratica_id", "=", p.id).execute(),
          db.selectFrom("outbox").select("id").where("pratica_id", "=", p.id).execute(),
          db.selectFrom("deadlines").select("name").where("pratica_id", "=", p.id).execute(),
        ]);
        if (p.status === "draft") {
          expect({ events, docs, mail, deadlines, cui: p.cui, protocol: p.protocol_number }, p.id).toEqual({
            events: [],
            docs: [],
            mail: [],
            deadlines: [],
            cui: null,
            protocol: null,
          });
        } else {
          complete++;
          expect(p.cui).toMatch(/^SUAP-AVC-/);
          expect(p.protocol_number).toMatch(/^SUAP-AVC\/\d{4}\/\d{7}$/);
          expect(events.map((e) => e.type)).toEqual(["SUBMIT", "PROTOCOL", "INTEGRATION_RESULT"]);
          expect(docs.map((d) => d.kind)).toEqual(["ricevuta"]);
          expect(mail.length).toBeGreaterThan(0);
          expect(deadlines.map((d) => d.name)).toContain("final");
        }
      }
      for (const id of acknowledged) expect(rows.find((r) => r.id === id)?.status).not.toBe("draft");
      expect(complete).toBeGreaterThanOrEqual(acknowledged.length);
      // Protocol numbers of the submitted ones are consecutive: a killed transaction gave its number back.
      const numbers = (
        await db
          .selectFrom("protocol_entries")
          .select("number")
          .where("direction", "=", "in")
          .orderBy("number")
          .execute()
      ).map((r) => r.number);
      expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
      expect(numbers).toHaveLength(complete);
    } finally {
      await handle.close();
      await drop();
    }
  }, 120_000);
});
