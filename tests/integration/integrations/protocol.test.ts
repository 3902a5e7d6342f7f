import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { Database } from "~/server/db/schema.server";
import { verifyChains } from "~/server/engine/audit.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { ConfigError, parseEnv } from "~/server/env.server";
import { submitPratica } from "~/server/filing/submit.server";
import { type ProtocolDouble, startProtocolDouble } from "~/server/integrations/protocol/double.server";
import { protocolHandler } from "~/server/integrations/protocol/handler.server";
import { protocolYear, registerInternal } from "~/server/integrations/protocol/internal.server";
import { remoteProtocolRegistry } from "~/server/integrations/protocol/remote.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { entityId, userByEmail } from "../support/factories";
import { completeDraft } from "../filing/support";

const files = new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-protocol-")));
const internal: EngineServices = { files, publicUrl: "http://localhost:3000" };
const remote: EngineServices = { ...internal, protocolRegistry: "remote" };

async function submit(db: Kysely<Database>, services: EngineServices, now: Date) {
  const owner = await userByEmail(db, "impresa@demo.test");
  const id = await completeDraft(db, files, owner);
  const result = await submitPratica(db, services, owner, {
    praticaId: id,
    submissionKey: `key-${id}`,
    declared: true,
    now,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.pratica;
}

const mails = (db: Kysely<Database>, praticaId: string, template: string) =>
  db
    .selectFrom("outbox")
    .selectAll()
    .where("pratica_id", "=", praticaId)
    .where("template", "=", template)
    .execute();

describe.each(DATABASES)("the protocol registry port on %s", (kind) => {
  let test: TestDatabase;
  let double: ProtocolDouble;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    double = await startProtocolDouble({ token: "t".repeat(24) });
  });
  afterAll(async () => {
    await double.close();
    await test.drop();
  });

  const env = () =>
    parseEnv({
      NODE_ENV: "test",
      PROTOCOL_REGISTRY: "remote",
      PROTOCOL_URL: double.url,
      PROTOCOL_TOKEN: double.token,
    });
  const runner = (db: Kysely<Database>, now: () => Date) =>
    integrationRunner(db, {
      handlers: new Map([["protocol", protocolHandler(env())]]),
      services: remote,
      now,
    });

  it("takes the protocol year in Rome time, across midnight of 31 December", async () => {
    const { db } = test.handle;
    expect(protocolYear(new Date("2026-12-31T22:59:59Z"))).toBe(2026);
    expect(protocolYear(new Date("2026-12-31T23:00:00Z"))).toBe(2027);
    // A pratica filed at 00:30 on 1 January in Rome (23:30 UTC on 31 December) gets the new year's number.
    const late = await submit(db, internal, new Date("2026-12-31T22:30:00Z"));
    const early = await submit(db, internal, new Date("2026-12-31T23:30:00Z"));
    expect(late.protocolNumber).toMatch(/^SUAP-AVC\/2026\/\d{7}$/);
    expect(early.protocolNumber).toBe("SUAP-AVC/2027/0000001");
    const desk = await entityId(db, "SUAP-AVC");
    const next = await db.transaction().execute((trx) =>
      registerInternal(trx, {
        entityId: desk,
        entityCode: "SUAP-AVC",
        direction: "out",
        subject: "prova",
        praticaId: null,
        at: new Date("2027-01-01T08:00:00Z"),
      }),
    );
    expect(next.label).toBe("SUAP-AVC/2027/0000002");
  });

  it("internal register: the receipt carries the number in the same request, the entry the document's SHA-256", async () => {
    const { db } = test.handle;
    const p = await submit(db, internal, new Date("2026-03-02T09:30:00Z"));
    expect(p.protocolNumber).toMatch(/^SUAP-AVC\/2026\/\d{7}$/);
    const entry = await db
      .selectFrom("protocol_entries")
      .innerJoin("documents", "documents.id", "protocol_entries.document_id")
      .select([
        "protocol_entries.registry",
        "protocol_entries.document_sha256",
        "documents.sha256",
        "documents.kind",
      ])
      .where("protocol_entries.label", "=", p.protocolNumber)
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ registry: "internal", kind: "ricevuta" });
    expect(entry.document_sha256).toBe(entry.sha256);
    // Nothing for a remote register; only the receipt's rendering, done by the request itself (ADR 0032).
    expect(
      await db
        .selectFrom("integration_calls")
        .select(["kind", "status"])
        .where("pratica_id", "=", p.praticaId)
        .execute(),
    ).toEqual([{ kind: "document", status: "done" }]);
  });

  it("remote register: the receipt is immediate with the CUI, the number follows in a second notification", async () => {
    const { db } = test.handle;
    const now = new Date("2026-03-03T10:00:00Z");
    const p = await submit(db, remote, now);
    // Committed at once: CUI, receipt, receipt mail; no protocol number yet.
    expect(p.cui).toMatch(/^SUAP-AVC-2026-03-03-/);
    expect(p.protocolNumber).toBe("");
    const receipt = await db
      .selectFrom("documents")
      .selectAll()
      .where("pratica_id", "=", p.praticaId)
      .where("kind", "=", "ricevuta")
      .executeTakeFirstOrThrow();
    const [receiptMail] = await mails(db, p.praticaId, "ricevuta");
    expect(receiptMail!.body_text).toMatch(/numero di protocollo ti arriverà con un messaggio successivo/);
    expect(receiptMail!.attachments).toHaveLength(1);
    const [call] = await db
      .selectFrom("integration_calls")
      .selectAll()
      .where("pratica_id", "=", p.praticaId)
      .execute();
    expect(call).toMatchObject({ kind: "protocol", operation: "register", status: "queued", attempts: 0 });
    expect(call!.payload).toMatchObject({ forPratica: true, documentId: receipt.id, direction: "in" });
    expect(double.requests).toHaveLength(0);

    // The worker makes the call after COMMIT: the register receives the document's fingerprint and the key.
    const report = await runner(db, () => new Date(now.getTime() + 1000))();
    expect(report.done).toBe(1);
    const received = double.registrations.at(-1)!;
    expect(received.key).toBe(call!.idempotency_key);
    expect(received.request).toMatchObject({
      aoo: "SUAP-AVC",
      verso: "entrata",
      riferimento: p.cui,
      documento: { nome: receipt.filename, impronta: receipt.sha256, algoritmo: "SHA-256" },
    });
    const pratica = await db
      .selectFrom("pratiche")
      .select(["protocol_number", "status"])
      .where("id", "=", p.praticaId)
      .executeTakeFirstOrThrow();
    expect(pratica.protocol_number).toBe(received.segnatura);
    const entry = await db
      .selectFrom("protocol_entries")
      .selectAll()
      .where("pratica_id", "=", p.praticaId)
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({
      registry: "remote",
      label: received.segnatura,
      number: received.numero,
      document_id: receipt.id,
      document_sha256: receipt.sha256,
      external_id: received.id,
    });
    // The second notification carries the number, to the applicant and the desk; the result is audited.
    const second = await mails(db, p.praticaId, "protocollo_assegnato");
    expect(second.length).toBeGreaterThan(0);
    expect(second[0]!.subject).toContain(received.segnatura);
    const events = await db
      .selectFrom("events")
      .select(["type", "state_before", "state_after"])
      .where("pratica_id", "=", p.praticaId)
      .orderBy("seq")
      .execute();
    expect(events.map((e) => e.type)).toEqual(["SUBMIT", "PROTOCOL", "INTEGRATION_RESULT"]);
    expect(events[2]!.state_after).toBe(pratica.status);
    expect((await verifyChains(db, p.praticaId)).problems).toEqual([]);
    // Run again: nothing more to do, nothing registered twice.
    expect((await runner(db, () => new Date(now.getTime() + 5000))()).claimed).toBe(0);
    expect(double.registrations.filter((r) => r.key === call!.idempotency_key)).toHaveLength(1);
  });

  it("remote register down: the receipt is still immediate, and the number arrives when it comes back", async () => {
    const { db } = test.handle;
    const now = new Date("2026-03-04T10:00:00Z");
    double.setDown(503);
    const p = await submit(db, remote, now);
    expect(p.cui).toBeTruthy();
    expect(await mails(db, p.praticaId, "ricevuta")).not.toHaveLength(0);
    const first = await runner(db, () => new Date(now.getTime() + 1000))();
    expect(first.retry).toBe(1);
    const [waiting] = await db
      .selectFrom("integration_calls")
      .selectAll()
      .where("pratica_id", "=", p.praticaId)
      .execute();
    expect(waiting).toMatchObject({ status: "queued", attempts: 1, last_http_status: 503 });
    expect(waiting!.last_error).toMatch(/503/);
    expect(
      (
        await db
          .selectFrom("pratiche")
          .select("protocol_number")
          .where("id", "=", p.praticaId)
          .executeTakeFirstOrThrow()
      ).protocol_number,
    ).toBeNull();
    // Back up; the retry is due a minute later.
    double.setDown(null);
    expect((await runner(db, () => new Date(now.getTime() + 30_000))()).claimed).toBe(0);
    expect((await runner(db, () => new Date(now.getTime() + 62_000))()).done).toBe(1);
    const pratica = await db
      .selectFrom("pratiche")
      .select("protocol_number")
      .where("id", "=", p.praticaId)
      .executeTakeFirstOrThrow();
    expect(pratica.protocol_number).toMatch(/^SUAP-AVC-PG\/2026\/\d{7}$/);
    expect(await mails(db, p.praticaId, "protocollo_assegnato")).not.toHaveLength(0);
  });
});

describe("the protocol web service double and configuration", () => {
  it("speaks the documented protocol: token, key, validation, same answer to a repeated key", async () => {
    const double = await startProtocolDouble({ token: "x".repeat(20) });
    try {
      const good = remoteProtocolRegistry({ baseUrl: double.url, token: double.token });
      const body = {
        aoo: "SUAP-AVC",
        verso: "uscita" as const,
        oggetto: "Provvedimento",
        riferimento: "CUI-1",
        data: "2026-03-02T09:30:00Z",
        documento: { nome: "a.pdf", impronta: "a".repeat(64), algoritmo: "SHA-256" as const },
      };
      const a = await good.register(body, "chiave-0001");
      const b = await good.register(body, "chiave-0001");
      expect(a.ok && b.ok).toBe(true);
      expect(b).toEqual(a);
      expect(double.requests.map((r) => r.status)).toEqual([201, 200]);
      const reused = await good.register({ ...body, oggetto: "Altro" }, "chiave-0001");
      expect(reused).toMatchObject({ ok: false, httpStatus: 422, bodyCode: "CHIAVE_RIUSATA" });
      const bad = await good.register(
        { ...body, documento: { ...body.documento, impronta: "xyz" } },
        "chiave-0002",
      );
      expect(bad).toMatchObject({ ok: false, httpStatus: 400, bodyCode: "RICHIESTA_NON_VALIDA" });
      const wrongToken = await remoteProtocolRegistry({
        baseUrl: double.url,
        token: "y".repeat(20),
      }).register(body, "chiave-0003");
      expect(wrongToken).toMatchObject({ ok: false, httpStatus: 401 });
      const c = await good.register(body, "chiave-0004");
      expect(c.ok && a.ok && (c.result.numero as number) - (a.result.numero as number)).toBe(1);
    } finally {
      await double.close();
    }
    const closed = await remoteProtocolRegistry({ baseUrl: double.url, token: "z".repeat(20) }).register(
      {
        aoo: "A",
        verso: "entrata",
        oggetto: "x",
        riferimento: null,
        data: "2026-03-02T09:30:00Z",
        documento: null,
      },
      "chiave-0005",
    );
    expect(closed).toMatchObject({ ok: false });
    expect(closed.ok ? "" : closed.message).toMatch(/non è raggiungibile/);
  });

  it("refuses to start in production; production needs an address and a token for the remote register", async () => {
    await expect(startProtocolDouble({ nodeEnv: "production" })).rejects.toThrow(/NODE_ENV=production/);
    expect(() =>
      parseEnv({ NODE_ENV: "production", SESSION_SECRET: "s".repeat(40), PROTOCOL_REGISTRY: "remote" }),
    ).toThrow(ConfigError);
    expect(() => parseEnv({ PROTOCOL_REGISTRY: "esterno" })).toThrow(
      /PROTOCOL_REGISTRY deve essere internal oppure remote/,
    );
    expect(parseEnv({}).PROTOCOL_REGISTRY).toBe("internal");
  });
});
