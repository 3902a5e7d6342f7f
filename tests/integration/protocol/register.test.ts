import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { Database } from "~/server/db/schema.server";
import { verifyChains } from "~/server/engine/audit.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { parseEnv } from "~/server/env.server";
import {
  type PreservationDouble,
  startPreservationDouble,
} from "~/server/integrations/preservation/double.server";
import { preservationHandler } from "~/server/integrations/preservation/handler.server";
import { type ProtocolDouble, startProtocolDouble } from "~/server/integrations/protocol/double.server";
import { protocolHandler } from "~/server/integrations/protocol/handler.server";
import { loadSealer } from "~/server/integrations/seal/registry.server";
import { loadVerifier } from "~/server/integrations/signature/registry.server";
import { integrationRunner } from "~/server/jobs/integrations.server";
import { annulRegistration } from "~/server/protocol/annul.server";
import { produceDailyRegisters, romeDayStart } from "~/server/protocol/daily-register.server";
import { runtime } from "~/server/runtime.server";
import {
  action as annulAction,
  loader as annulLoader,
} from "~/routes/scrivania.pratiche.$id_.protocollo.$entry.annulla";
import { loader as deskPraticaLoader } from "~/routes/scrivania.pratiche.$id";
import { loader as businessPraticaLoader } from "~/routes/pratiche.$id._index";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { actAs, cookieFor, get, post, submittedPratica, useTestEnv } from "../desk/support";

async function status(fn: () => Promise<unknown>): Promise<number> {
  try {
    const r = await fn();
    return r instanceof Response ? r.status : 200;
  } catch (e) {
    if (e instanceof Response) return e.status;
    throw e;
  }
}

describe.each(DATABASES)("the protocol register on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let protocol: ProtocolDouble;
  let preservation: PreservationDouble;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    services = useTestEnv();
    services.sealer = await loadSealer(runtime.env);
    protocol = await startProtocolDouble({ token: "p".repeat(24) });
    preservation = await startPreservationDouble({ token: "c".repeat(24) });
  });
  afterAll(async () => {
    await protocol.close();
    await preservation.close();
    await test.drop();
  });

  /** The engine's clock on a day (09:00 UTC), so registrations fall on known Rome days. */
  const on = (day: string): EngineServices => ({ ...services, now: () => new Date(`${day}T09:00:00Z`) });
  const env = () =>
    parseEnv({
      NODE_ENV: "test",
      DATA_DIR: runtime.env.DATA_DIR,
      PROTOCOL_REGISTRY: "remote",
      PROTOCOL_URL: protocol.url,
      PROTOCOL_TOKEN: protocol.token,
      PRESERVATION_URL: preservation.url,
      PRESERVATION_TOKEN: preservation.token,
    });
  const runner = (db: Kysely<Database>, now: () => Date) =>
    integrationRunner(db, {
      handlers: new Map([
        ["protocol", protocolHandler(env())],
        ["preservation", preservationHandler(env())],
      ]),
      services: { ...services, protocolRegistry: "remote" },
      now,
    });

  it("every registration carries a fingerprint: the document's, or the record's when it has none", async () => {
    const { db } = test.handle;
    const { id } = await submittedPratica(db, on("2026-05-04"), { at: "2026-05-04" });
    // An incoming registration without a document of its own (the business withdraws).
    await actAs(db, on("2026-05-05"), "impresa@demo.test", id, { type: "CANCEL", at: "2026-05-05" });
    const entries = await db
      .selectFrom("protocol_entries")
      .leftJoin("documents", "documents.id", "protocol_entries.document_id")
      .select(["protocol_entries.document_sha256", "documents.sha256", "protocol_entries.document_id"])
      .where("protocol_entries.pratica_id", "=", id)
      .execute();
    expect(entries.length).toBeGreaterThan(1);
    expect(entries.some((e) => e.document_id === null)).toBe(true);
    for (const e of entries) {
      expect(e.document_sha256).toMatch(/^[a-f0-9]{64}$/);
      if (e.document_id) expect(e.document_sha256).toBe(e.sha256);
    }
    // The pratica's own registration is the istanza's receipt, with its SHA-256.
    const own = await db
      .selectFrom("protocol_entries")
      .innerJoin("documents", "documents.id", "protocol_entries.document_id")
      .innerJoin("pratiche", "pratiche.protocol_number", "protocol_entries.label")
      .select(["documents.kind", "documents.sha256", "protocol_entries.document_sha256"])
      .where("pratiche.id", "=", id)
      .executeTakeFirstOrThrow();
    expect(own.kind).toBe("ricevuta");
    expect(own.document_sha256).toBe(own.sha256);
  });

  it("a manager annuls a registration with a reason; an officer gets 403; shown on both pages and audited", async () => {
    const { db } = test.handle;
    const { id } = await submittedPratica(db, on("2026-05-06"), { at: "2026-05-06" });
    const entry = await db
      .selectFrom("protocol_entries")
      .selectAll()
      .where("pratica_id", "=", id)
      .orderBy("id")
      .executeTakeFirstOrThrow();
    const url = `/scrivania/pratiche/${id}/protocollo/${entry.id}/annulla`;
    const params = { id, entry: String(entry.id) };
    const officer = await cookieFor(db, "operatore@demo.test");
    const manager = await cookieFor(db, "responsabile@demo.test");
    const business = await cookieFor(db, "impresa@demo.test");
    expect(await status(() => annulLoader({ request: get(url, officer), params, context: {} }))).toBe(403);
    expect(
      await status(() =>
        annulAction({ request: post(url, officer, { reason: "x", confirm: "1" }), params, context: {} }),
      ),
    ).toBe(403);
    expect(await status(() => annulLoader({ request: get(url, business), params, context: {} }))).toBe(404);
    // A reason is required: 400 with a sentence, nothing written.
    const empty = (await annulAction({
      request: post(url, manager, { reason: "  ", confirm: "1" }),
      params,
      context: {},
    })) as Response;
    expect(empty.status).toBe(400);
    expect(JSON.stringify(await empty.json())).toMatch(/motivo/);
    // First POST: the confirmation, nothing annulled yet.
    const ask = (await annulAction({
      request: post(url, manager, {
        reason: "Registrata due volte per errore",
        authorisation: "Ordine n. 3/2026",
      }),
      params,
      context: {},
    })) as Response;
    expect(((await ask.json()) as { confirm?: unknown }).confirm).toBeTruthy();
    expect(
      (
        await db
          .selectFrom("protocol_entries")
          .select("annulled_at")
          .where("id", "=", entry.id)
          .executeTakeFirstOrThrow()
      ).annulled_at,
    ).toBeNull();
    const done = (await annulAction({
      request: post(url, manager, {
        reason: "Registrata due volte per errore",
        authorisation: "Ordine n. 3/2026",
        confirm: "1",
      }),
      params,
      context: {},
    })) as Response;
    expect(done.status).toBe(302);
    const annulled = await db
      .selectFrom("protocol_entries")
      .selectAll()
      .where("id", "=", entry.id)
      .executeTakeFirstOrThrow();
    const responsabile = await userByEmail(db, "responsabile@demo.test");
    expect(annulled).toMatchObject({
      annulled_by: responsabile.id,
      annulment_reason: "Registrata due volte per errore",
      annulment_authorisation: "Ordine n. 3/2026",
      number: entry.number,
    });
    expect(annulled.annulled_at).toBeTruthy();
    const events = await db.selectFrom("events").select("type").where("pratica_id", "=", id).execute();
    expect(events.map((e) => e.type)).toContain("PROTOCOL_ANNUL");
    expect((await verifyChains(db, id)).problems).toEqual([]);
    // Twice: refused.
    const again = await annulRegistration(db, {
      entryId: Number(entry.id),
      actor: { userId: responsabile.id, principal: responsabile.principal },
      reason: "ancora",
      authorisation: "",
    });
    expect(again).toMatchObject({ ok: false, status: 409 });
    // Shown on the desk's page and the business's page.
    const desk = (await deskPraticaLoader({
      request: get(`/scrivania/pratiche/${id}`, manager),
      params: { id },
      context: {},
    })) as {
      protocolEntries: { id: number; annulled: { reason: string } | null }[];
    };
    expect(desk.protocolEntries.find((e) => e.id === Number(entry.id))?.annulled?.reason).toBe(
      "Registrata due volte per errore",
    );
    const mine = (await businessPraticaLoader({
      request: get(`/pratiche/${id}`, business),
      params: { id },
      context: {},
    })) as {
      protocolEntries?: { id: number; annulled: { reason: string } | null }[];
    };
    expect(mine.protocolEntries?.find((e) => e.id === Number(entry.id))?.annulled?.reason).toBe(
      "Registrata due volte per errore",
    );
    // The number is never reused: the next registration takes the next number.
    const next = await submittedPratica(db, on("2026-05-06"), { at: "2026-05-06" });
    const nextEntry = await db
      .selectFrom("protocol_entries")
      .select(["number", "year"])
      .where("pratica_id", "=", next.id)
      .orderBy("id")
      .executeTakeFirstOrThrow();
    expect(nextEntry.number).toBeGreaterThan(entry.number);
  });

  it("remote register: the annulment is a queued call to the Comune's service, confirmed once", async () => {
    const { db } = test.handle;
    const { id } = await submittedPratica(db, on("2026-05-07"), { at: "2026-05-07" });
    const entry = await db
      .selectFrom("protocol_entries")
      .selectAll()
      .where("pratica_id", "=", id)
      .orderBy("id")
      .executeTakeFirstOrThrow();
    // Registered at the remote register first (as its handler would record it).
    const reg = await fetch(`${protocol.url}/registrazioni`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${protocol.token}`,
        "idempotency-key": `test-${entry.id}-remote`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        aoo: "SUAP-AVC",
        verso: "entrata",
        oggetto: entry.subject,
        riferimento: id,
        data: new Date().toISOString(),
        documento: { nome: "x.pdf", impronta: entry.document_sha256, algoritmo: "SHA-256" },
      }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    await db
      .updateTable("protocol_entries")
      .set({ registry: "remote", external_id: reg.id })
      .where("id", "=", entry.id)
      .execute();
    const manager = await userByEmail(db, "responsabile@demo.test");
    const now = new Date("2026-05-07T10:00:00Z");
    const outcome = await annulRegistration(db, {
      entryId: Number(entry.id),
      actor: { userId: manager.id, principal: manager.principal },
      reason: "Oggetto errato",
      authorisation: "",
      now,
    });
    expect(outcome).toMatchObject({ ok: true, queued: true });
    expect(protocol.annulments).toHaveLength(0);
    protocol.setDown(503);
    expect((await runner(db, () => new Date(now.getTime() + 1000))()).retry).toBe(1);
    protocol.setDown(null);
    expect((await runner(db, () => new Date(now.getTime() + 62_000))()).done).toBe(1);
    expect(protocol.annulments.filter((a) => a.id === reg.id)).toHaveLength(1);
    expect(protocol.annulments[0]!.request).toMatchObject({
      motivo: "Oggetto errato",
      operatore: expect.any(String),
    });
    const row = await db
      .selectFrom("protocol_entries")
      .select("annulment_remote_status")
      .where("id", "=", entry.id)
      .executeTakeFirstOrThrow();
    expect(row.annulment_remote_status).toBe("confirmed");
    expect((await verifyChains(db, id)).problems).toEqual([]);
  });

  it("the daily register: once per desk and day, catching up missed days; sealed; deposited once after a failure", async () => {
    const { db } = test.handle;
    const deps = { files: services.files, sealer: services.sealer, publicUrl: "http://localhost:3000" };
    // The desk's first registration is on 4 May (the first test); the job runs on 9 May, after a downtime.
    const first = await produceDailyRegisters(db, { ...deps, now: new Date("2026-05-09T06:00:00Z") });
    const days = first.produced.map((p) => p.day);
    expect(days[0]).toBe("2026-05-04");
    expect(days.at(-1)).toBe("2026-05-08");
    expect(new Set(days).size).toBe(days.length);
    // The job runs twice (and concurrently): nothing more.
    const [again, twice] = await Promise.all([
      produceDailyRegisters(db, { ...deps, now: new Date("2026-05-09T07:00:00Z") }),
      produceDailyRegisters(db, { ...deps, now: new Date("2026-05-09T07:00:00Z") }),
    ]);
    expect(again.produced.length + twice.produced.length).toBe(0);
    const rows = await db.selectFrom("protocol_daily_registers").selectAll().orderBy("day").execute();
    expect(rows.map((r) => String(r.day))).toEqual(days);
    // The day of the annulment lists it.
    const annulDay = rows.find((r) => String(r.day) === "2026-05-06" || r.annulments > 0);
    expect(rows.some((r) => r.annulments > 0)).toBe(true);
    expect(annulDay).toBeTruthy();
    const may6 = rows.find((r) => String(r.day) === "2026-05-06")!;
    const entriesOn6 = await db
      .selectFrom("protocol_entries")
      .select("id")
      .where("registered_at", ">=", romeDayStart("2026-05-06"))
      .where("registered_at", "<", romeDayStart("2026-05-07"))
      .execute();
    expect(may6.entries).toBe(entriesOn6.length);
    // The sealed PDF verifies.
    const bytes = new Uint8Array(await services.files.get(may6.storage_key));
    const report = await (await loadVerifier(runtime.env)).verify({ filename: may6.filename, bytes });
    expect(report.format).toBe("pades");
    expect(report.outcome).toBe("valid");
    // Deposit: the service is down at first, retried, recorded once with its rapporto di versamento.
    preservation.setDown(503);
    const at = new Date("2026-05-09T06:00:00Z");
    const failed = await runner(db, () => new Date(at.getTime() + 1000))();
    expect(failed.retry).toBe(days.length);
    expect(
      (await db.selectFrom("protocol_daily_registers").select("deposit_status").execute()).every(
        (r) => r.deposit_status === "queued",
      ),
    ).toBe(true);
    preservation.setDown(null);
    const ok = await runner(db, () => new Date(at.getTime() + 62_000))();
    expect(ok.done).toBe(days.length);
    expect((await runner(db, () => new Date(at.getTime() + 3_600_000))()).claimed).toBe(0);
    const deposited = await db.selectFrom("protocol_daily_registers").selectAll().execute();
    for (const r of deposited) {
      expect(r.deposit_status).toBe("deposited");
      expect(r.deposit_report).toMatch(/<RapportoDiVersamento>/);
      expect(preservation.deposits.filter((d) => d.id === r.deposit_id)).toHaveLength(1);
    }
    expect(preservation.deposits).toHaveLength(days.length);
    // The package's index names the PDF with its SHA-256.
    const pkg = preservation.deposits.find((d) => d.pkg.file[0]!.nome === may6.filename)!.pkg;
    expect(pkg.indice).toContain("sincro:IdC");
    expect(pkg.indice).toContain(Buffer.from(may6.sha256, "hex").toString("base64"));
  });

  it("the preservation double refuses a package whose index does not match its files", async () => {
    const res = await fetch(`${preservation.url}/versamenti`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${preservation.token}`,
        "idempotency-key": "test-bad-package",
        "content-type": "application/json",
      },
      body: JSON.stringify({
        indice: `<sincro:IdC xmlns:sincro="http://www.uni.com/U3011/sincro-v2/"><sincro:SelfDescription/><sincro:PVolume/><sincro:FileGroup><sincro:File><sincro:Path>a.pdf</sincro:Path><sincro:Hash sincro:function="SHA-256">AAAA</sincro:Hash></sincro:File></sincro:FileGroup><sincro:Process/></sincro:IdC>`,
        file: [{ nome: "a.pdf", contenuto: Buffer.from("x").toString("base64") }],
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { codice: string }).codice).toBe("PACCHETTO_NON_VALIDO");
  });
});
