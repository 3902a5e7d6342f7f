import { createHash, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "~/server/db/schema.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { parseEnv } from "~/server/env.server";
import { registerAlone } from "~/server/integrations/pec/inbox.server";
import { type ProtocolDouble, startProtocolDouble } from "~/server/integrations/protocol/double.server";
import { protocolHandler } from "~/server/integrations/protocol/handler.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { produceDailyRegisters } from "~/server/protocol/daily-register.server";
import { runtime } from "~/server/runtime.server";
import { submittedPratica, useTestEnv } from "../desk/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";

/**
 * Issue 17 / ADR 0028: a certified message registered without a pratica goes through the configured register
 * (the Comune's, remote, too), with the message's SHA-256; and a remote registration answered after its day's
 * register was produced is listed in a supplementary register of that day, once.
 */
describe.each(DATABASES)("registration without a pratica and late registrations, on %s", (kind) => {
  let test: TestDatabase;
  let db: Kysely<Database>;
  let services: EngineServices;
  let protocol: ProtocolDouble;
  // The Comune's register clock: it numbers the message on 1 June, its answer reaches us on 2 June.
  let comuneNow = new Date("2026-06-01T16:00:00Z");

  const env = (token: string) =>
    parseEnv({
      NODE_ENV: "test",
      DATA_DIR: runtime.env.DATA_DIR,
      PROTOCOL_REGISTRY: "remote",
      PROTOCOL_URL: protocol.url,
      PROTOCOL_TOKEN: token,
    });
  const runner = (now: Date, token = protocol.token) =>
    integrationRunner(db, {
      handlers: new Map([["protocol", protocolHandler(env(token))]]),
      services: { ...services, protocolRegistry: "remote" },
      now: () => now,
    });

  async function waitingMessage(subject: string) {
    const raw = Buffer.from(
      `Message-ID: <${randomUUID()}@pec.comuni.test>\r\nSubject: ${subject}\r\n\r\ntesto`,
    );
    const stored = await services.files.put(raw);
    const id = randomUUID();
    await db
      .insertInto("pec_messages")
      .values({
        id,
        message_id: `<${id}@pec.comuni.test>`,
        sender: "comune.altrove@pec.comuni.test",
        subject,
        storage_key: stored.key,
        status: "inbox",
      })
      .execute();
    return { id, sha256: createHash("sha256").update(raw).digest("hex") };
  }

  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    db = test.handle.db;
    services = useTestEnv();
    protocol = await startProtocolDouble({ token: "p".repeat(24), now: () => comuneNow });
  }, 180_000);
  afterAll(async () => {
    await protocol?.close();
    await test?.drop();
  });

  it("with the internal register the message is numbered at once, with its SHA-256", async () => {
    const officer = await userByEmail(db, "operatore@demo.test");
    const desk = await db
      .selectFrom("entities")
      .select("id")
      .where("code", "=", "SUAP-AVC")
      .executeTakeFirstOrThrow();
    const message = await waitingMessage("Comunicazione interna");
    const outcome = await registerAlone(
      db,
      { files: services.files, publicUrl: "http://localhost:3000", protocolRegistry: "internal" },
      { messageId: message.id, deskId: desk.id, userId: officer.id, now: new Date("2026-05-31T10:00:00Z") },
    );
    expect(outcome).toMatchObject({
      ok: true,
      queued: false,
      label: expect.stringMatching(/^SUAP-AVC\/2026\/\d{7}$/),
    });
    const entry = await db
      .selectFrom("protocol_entries")
      .selectAll()
      .where("label", "=", outcome.ok ? outcome.label! : "")
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ registry: "internal", pratica_id: null, document_sha256: message.sha256 });
  });

  it("with the remote register it is a queued call; the number, the conferma and a supplementary register follow", async () => {
    const officer = await userByEmail(db, "operatore@demo.test");
    const desk = await db
      .selectFrom("entities")
      .select("id")
      .where("code", "=", "SUAP-AVC")
      .executeTakeFirstOrThrow();
    const deps = { files: services.files, sealer: undefined, publicUrl: "http://localhost:3000" };
    // A pratica filed on 1 June (its registrations are the day's own).
    await submittedPratica(
      db,
      { ...services, now: () => new Date("2026-06-01T09:00:00Z") },
      { at: "2026-06-01" },
    );
    const message = await waitingMessage("Comunicazione del Comune");
    const outcome = await registerAlone(
      db,
      { files: services.files, publicUrl: "http://localhost:3000", protocolRegistry: "remote" },
      { messageId: message.id, deskId: desk.id, userId: officer.id, now: new Date("2026-06-01T15:59:00Z") },
    );
    expect(outcome).toEqual({ ok: true, label: null, queued: true });
    expect(protocol.registrations).toHaveLength(0);
    const row = await db
      .selectFrom("pec_messages")
      .selectAll()
      .where("id", "=", message.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "registered", protocol_label: null });

    // The day's register is produced before the Comune answers: it lists the pratica's entries only.
    const first = await produceDailyRegisters(db, { ...deps, now: new Date("2026-06-02T04:00:00Z") });
    const june1 = first.produced.filter((p) => p.day === "2026-06-01");
    expect(june1).toHaveLength(1);
    expect(june1[0]).toMatchObject({ supplement: 0 });
    const listedBefore = june1[0]!.entries;
    expect(listedBefore).toBeGreaterThan(0);

    // The Comune's answer arrives on 2 June: numbered on 1 June 16:00 UTC, with the message's SHA-256.
    const done = await runner(new Date("2026-06-02T05:00:00Z"))();
    expect(done.done).toBe(1);
    expect(protocol.registrations).toHaveLength(1);
    expect(protocol.registrations[0]!.request).toMatchObject({
      verso: "entrata",
      riferimento: null,
      documento: { impronta: message.sha256, algoritmo: "SHA-256" },
    });
    const label = protocol.registrations[0]!.segnatura;
    const entry = await db
      .selectFrom("protocol_entries")
      .selectAll()
      .where("label", "=", label)
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ registry: "remote", pratica_id: null, document_sha256: message.sha256 });
    expect(new Date(entry.registered_at).toISOString()).toBe("2026-06-01T16:00:00.000Z");
    expect(entry.daily_register_id).toBeNull();
    const registered = await db
      .selectFrom("pec_messages")
      .select(["status", "protocol_label"])
      .where("id", "=", message.id)
      .executeTakeFirstOrThrow();
    expect(registered).toEqual({ status: "registered", protocol_label: label });
    const conferma = await db
      .selectFrom("outbox")
      .select(["recipient", "channel"])
      .where("template", "=", "pec_conferma_ricezione")
      .where("recipient", "=", "comune.altrove@pec.comuni.test")
      .execute();
    expect(conferma.length).toBeGreaterThan(0);

    // The next run lists it in a supplement of 1 June, and only it; a further run adds nothing.
    const late = await produceDailyRegisters(db, { ...deps, now: new Date("2026-06-02T06:00:00Z") });
    expect(late.produced).toEqual([
      expect.objectContaining({ day: "2026-06-01", supplement: 1, entries: 1, annulments: 0 }),
    ]);
    const supplement = await db
      .selectFrom("protocol_daily_registers")
      .selectAll()
      .where("day", "=", "2026-06-01")
      .where("supplement", "=", 1)
      .executeTakeFirstOrThrow();
    expect(supplement.filename).toMatch(/_2026-06-01_integrazione-1\.pdf$/);
    const listed = await db
      .selectFrom("protocol_entries")
      .select("daily_register_id")
      .where("id", "=", entry.id)
      .executeTakeFirstOrThrow();
    expect(listed.daily_register_id).toBe(supplement.id);
    expect(
      (await produceDailyRegisters(db, { ...deps, now: new Date("2026-06-02T07:00:00Z") })).produced,
    ).toEqual([]);
    // Its deposit is queued under its own key.
    const deposits = await db
      .selectFrom("integration_calls")
      .select("idempotency_key")
      .where("kind", "=", "preservation")
      .execute();
    expect(deposits.map((d) => d.idempotency_key)).toContain("preservation:registro:SUAP-AVC:2026-06-01:1");
  });

  it("a remote registration that fails for good puts the message back in the inbox with the reason", async () => {
    const officer = await userByEmail(db, "operatore@demo.test");
    const desk = await db
      .selectFrom("entities")
      .select("id")
      .where("code", "=", "SUAP-AVC")
      .executeTakeFirstOrThrow();
    const message = await waitingMessage("Comunicazione rifiutata");
    comuneNow = new Date("2026-06-03T10:00:00Z");
    await registerAlone(
      db,
      { files: services.files, publicUrl: "http://localhost:3000", protocolRegistry: "remote" },
      { messageId: message.id, deskId: desk.id, userId: officer.id, now: comuneNow },
    );
    // A wrong token (401) is not retried: the call ends at once.
    await runner(new Date("2026-06-03T10:01:00Z"), "x".repeat(24))();
    const row = await db
      .selectFrom("pec_messages")
      .selectAll()
      .where("id", "=", message.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("inbox");
    expect(row.reason).toMatch(/protocollo del Comune non è riuscita/);
  });
});
