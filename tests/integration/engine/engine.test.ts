import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChains } from "~/server/engine/audit.server";
import { sweepDeadlines } from "~/server/engine/deadlines.server";
import { dispatch, EngineError, type EngineServices } from "~/server/engine/engine.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica, userByEmail, workflowInput } from "../support/factories";

const services: EngineServices = {
  files: new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-engine-"))),
  publicUrl: "http://localhost:3000",
};

async function submitted(
  db: TestDatabase["handle"]["db"],
  regime: "scia" | "autorizzazione" = "scia",
  at = "2026-03-02",
) {
  const { id, owner } = await draftPratica(db, { regime });
  await dispatch(db, services, {
    praticaId: id,
    event: { type: "SUBMIT", at },
    actor: { kind: "user", userId: owner.id, principal: owner.principal },
    start: workflowInput(regime, regime === "scia" ? 60 : 60),
  });
  const out = await dispatch(db, services, {
    praticaId: id,
    event: { type: "PROTOCOL", at },
    actor: { kind: "system", name: "submission" },
  });
  return { id, owner, out };
}

describe.each(DATABASES)("the workflow engine on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
  });
  afterAll(async () => {
    await test.drop();
  });

  it("submits and protocols a SCIA: receipt, mail, deadline and audit in one go", async () => {
    const { db } = test.handle;
    const { id, out } = await submitted(db, "scia", "2026-03-02");
    const pratica = await db
      .selectFrom("pratiche")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(pratica.status).toBe("in_review");
    expect(pratica.protocol_number).toMatch(/^SUAP-AVC\/2026\/\d{7}$/);
    // 2 March 2026 + 60 days = 1 May 2026 (a holiday) -> Saturday 2 May.
    expect(pratica.due_date).toBe("2026-05-02");
    expect(out.documents.map((d) => d.kind)).toEqual(["ricevuta"]);
    const doc = await db
      .selectFrom("documents")
      .selectAll()
      .where("pratica_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(doc.sha256).toMatch(/^[a-f0-9]{64}$/);
    expect((await services.files.get(doc.storage_key)).subarray(0, 5).toString()).toBe("%PDF-");
    const mail = await db
      .selectFrom("outbox")
      .select(["recipient", "template", "attachments"])
      .where("pratica_id", "=", id)
      .execute();
    expect(mail.map((m) => m.template).sort()).toContain("ricevuta");
    expect(mail.map((m) => m.recipient)).toContain("impresa@demo.test");
    expect(mail.map((m) => m.recipient)).toContain("suap.altavaldicecina@pec.suap.test");
    const receipt = mail.find((m) => m.template === "ricevuta" && m.recipient === "impresa@demo.test")!;
    expect((receipt.attachments as { filename: string }[])[0]?.filename).toMatch(/\.pdf$/);
    const deadlines = await db
      .selectFrom("deadlines")
      .selectAll()
      .where("pratica_id", "=", id)
      .where("status", "=", "active")
      .execute();
    expect(deadlines.find((d) => d.name === "final")).toMatchObject({
      due: "2026-05-02",
      event: "SCIA_CHECK_PERIOD_ENDED",
    });
    const events = await db
      .selectFrom("events")
      .select(["seq", "type"])
      .where("pratica_id", "=", id)
      .orderBy("seq")
      .execute();
    expect(events).toEqual([
      { seq: 1, type: "SUBMIT" },
      { seq: 2, type: "PROTOCOL" },
    ]);
    expect((await verifyChains(db, id)).problems).toEqual([]);
  });

  it("refuses events by role and by desk, and states the application cannot accept", async () => {
    const { db } = test.handle;
    const { id, owner } = await submitted(db);
    const officer = await userByEmail(db, "operatore@demo.test");
    const asl = await userByEmail(db, "asl@demo.test");
    const conform = {
      type: "REQUEST_CONFORMATION" as const,
      at: "2026-03-10",
      termDays: 30,
      reasons: "Mancano i requisiti",
    };
    await expect(
      dispatch(db, services, {
        praticaId: id,
        event: conform,
        actor: { kind: "user", userId: owner.id, principal: owner.principal },
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    // Not forwarded to the ASL: the pratica is invisible to it.
    await expect(
      dispatch(db, services, {
        praticaId: id,
        event: conform,
        actor: { kind: "user", userId: asl.id, principal: asl.principal },
      }),
    ).rejects.toMatchObject({ code: "not_found" });
    // An officer of another desk sees nothing either.
    const otherDesk = { ...officer.principal, grants: [{ role: "officer" as const, entityId: 99999 }] };
    await expect(
      dispatch(db, services, {
        praticaId: id,
        event: conform,
        actor: { kind: "user", userId: officer.id, principal: otherDesk },
      }),
    ).rejects.toMatchObject({ code: "not_found" });
    // A person never sends a timer event.
    await expect(
      dispatch(db, services, {
        praticaId: id,
        event: { type: "SCIA_CHECK_PERIOD_ENDED", at: "2026-05-02" },
        actor: { kind: "user", userId: officer.id, principal: officer.principal },
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    // The state does not accept a grant on a SCIA: a conflict with an Italian sentence.
    const refused = await dispatch(db, services, {
      praticaId: id,
      event: { type: "INTEGRATION_RECEIVED", at: "2026-03-10" },
      actor: { kind: "user", userId: owner.id, principal: owner.principal },
    }).catch((e) => e);
    expect(refused).toBeInstanceOf(EngineError);
    expect(refused.code).toBe("conflict");
    expect(refused.status).toBe(409);
    expect(refused.messageIt).toMatch(/non è ammesso/);
    const after = await db.selectFrom("events").select("seq").where("pratica_id", "=", id).execute();
    expect(after).toHaveLength(2);
  });

  it("suspends once for integration: concurrent requests serialise, the second is refused", async () => {
    const { db } = test.handle;
    const { id } = await submitted(db, "scia", "2026-03-02");
    const officer = await userByEmail(db, "operatore@demo.test");
    const actor = { kind: "user" as const, userId: officer.id, principal: officer.principal };
    const request = (at: string) =>
      dispatch(db, services, {
        praticaId: id,
        event: { type: "SEND_INTEGRATION_REQUEST", at, answerDays: 20, items: ["Planimetria aggiornata"] },
        actor,
      });
    const results = await Promise.allSettled([request("2026-03-12"), request("2026-03-12")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: "conflict" });
    const p = await db
      .selectFrom("pratiche")
      .select(["status", "suspended"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(p).toEqual({ status: "integration_requested", suspended: true });
    const docs = await db.selectFrom("documents").select("kind").where("pratica_id", "=", id).execute();
    expect(docs.map((d) => d.kind).sort()).toEqual(["ricevuta", "richiesta_integrazione"]);
    const out = await db
      .selectFrom("protocol_entries")
      .select(["direction", "document_id"])
      .where("pratica_id", "=", id)
      .execute();
    expect(out.filter((e) => e.direction === "out")).toHaveLength(1);
    expect(out.find((e) => e.direction === "out")?.document_id).toBeTruthy();
  });

  it("fires a due deadline exactly once with two sweepers, and a late one after a restart", async () => {
    const { db } = test.handle;
    const { id } = await submitted(db, "scia", "2026-01-05");
    const others = [await submitted(db, "scia", "2026-01-07"), await submitted(db, "scia", "2026-01-08")];
    // The final deadline (60 days) came due while nothing was running: both sweepers run "later".
    const [a, b] = await Promise.all([
      sweepDeadlines(db, services, { today: "2026-06-30" }),
      sweepDeadlines(db, services, { today: "2026-06-30" }),
    ]);
    expect(a.fired + b.fired).toBeGreaterThanOrEqual(1);
    const fired = await db
      .selectFrom("events")
      .select(["type", "actor_kind"])
      .where("pratica_id", "=", id)
      .where("type", "=", "SCIA_CHECK_PERIOD_ENDED")
      .execute();
    expect(fired).toEqual([{ type: "SCIA_CHECK_PERIOD_ENDED", actor_kind: "system:deadline:final" }]);
    const p = await db
      .selectFrom("pratiche")
      .select(["status", "ended"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(p).toEqual({ status: "effective", ended: true });
    // Every deadline of the batch is closed as fired, and each pratica's outcome mail queued once per address.
    for (const pid of [id, ...others.map((o) => o.id)]) {
      const row = await db
        .selectFrom("deadlines")
        .select(["status", "fired_at"])
        .where("pratica_id", "=", pid)
        .where("name", "=", "final")
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      expect(row.status).toBe("fired");
      expect(row.fired_at).not.toBeNull();
      const mails = await db
        .selectFrom("outbox")
        .select("recipient")
        .where("pratica_id", "=", pid)
        .where("template", "=", "end_by_proceeding_time_expired")
        .execute();
      expect(mails.length).toBeGreaterThanOrEqual(2);
      expect(new Set(mails.map((m) => m.recipient.toLowerCase())).size).toBe(mails.length);
    }
    const again = await sweepDeadlines(db, services, { today: "2026-07-31" });
    const firedAgain = await db
      .selectFrom("events")
      .select("id")
      .where("pratica_id", "=", id)
      .where("type", "=", "SCIA_CHECK_PERIOD_ENDED")
      .execute();
    expect(firedAgain).toHaveLength(1);
    expect(again.failed).toBe(0);
  });

  it("detects a tampered audit entry and names it", async () => {
    const { db } = test.handle;
    const { id } = await submitted(db);
    expect((await verifyChains(db, id)).problems).toEqual([]);
    await db
      .updateTable("events")
      .set({ payload: JSON.stringify({ at: "2020-01-01" }) })
      .where("pratica_id", "=", id)
      .where("seq", "=", 1)
      .execute();
    const { problems } = await verifyChains(db, id);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ praticaId: id, seq: 1 });
    expect(problems[0]?.reason).toMatch(/alterata/);
  });

  it("leaves nothing half-written when an effect fails: no event, no protocol number used", async () => {
    const { db } = test.handle;
    const { id, owner } = await draftPratica(db);
    const counterBefore = await db
      .selectFrom("protocol_counters")
      .select("last_number")
      .where("counter", "=", "protocol")
      .executeTakeFirst();
    const broken: EngineServices = {
      ...services,
      files: {
        put: () => Promise.reject(new Error("disco pieno")),
        get: services.files.get,
        exists: services.files.exists,
      },
    };
    const actor = { kind: "user" as const, userId: owner.id, principal: owner.principal };
    await db
      .transaction()
      .execute(async (trx) => {
        const { dispatchInTransaction } = await import("~/server/engine/engine.server");
        await dispatchInTransaction(trx, broken, {
          praticaId: id,
          event: { type: "SUBMIT", at: "2026-03-02" },
          actor,
          start: workflowInput("scia", 60),
        });
        await dispatchInTransaction(trx, broken, {
          praticaId: id,
          event: { type: "PROTOCOL", at: "2026-03-02" },
          actor: { kind: "system", name: "t" },
        });
      })
      .catch(() => {});
    const p = await db
      .selectFrom("pratiche")
      .select(["status", "protocol_number", "snapshot"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(p).toEqual({ status: "draft", protocol_number: null, snapshot: null });
    expect(await db.selectFrom("events").select("id").where("pratica_id", "=", id).execute()).toEqual([]);
    const counterAfter = await db
      .selectFrom("protocol_counters")
      .select("last_number")
      .where("counter", "=", "protocol")
      .executeTakeFirst();
    expect(counterAfter?.last_number).toBe(counterBefore?.last_number);
  });
});
