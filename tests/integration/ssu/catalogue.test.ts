import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { dispatch, dispatchResult, type EngineServices } from "~/server/engine/engine.server";
import { type Env, parseEnv } from "~/server/env.server";
import { submitPratica } from "~/server/filing/submit.server";
import { runDueCalls } from "~/server/integrations/queue.server";
import { ssuCatalogueHook } from "~/server/integrations/ssu/catalogue-hook.server";
import { callSsu } from "~/server/integrations/ssu/client.server";
import { ssuConfig } from "~/server/integrations/ssu/config.server";
import { catalogueDescriptorOf, queueDescriptorLookup } from "~/server/integrations/ssu/catalogue.server";
import { catalogueTerms } from "~/server/integrations/ssu/flow.server";
import { descriptorProblems } from "~/server/integrations/ssu/descriptor-schema.server";
import { ssuHandler } from "~/server/integrations/ssu/handler.server";
import {
  CATALOGUE_SERVICES,
  checkRequest,
  DESCRIPTOR_OPERATION,
} from "~/server/integrations/ssu/openapi.server";
import { startPdndDouble } from "~/server/integrations/ssu/pdnd-double.server";
import { ssuRuntime } from "~/server/integrations/ssu/runtime.server";
import { actAs, useTestEnv } from "../desk/support";
import { completeDraft } from "../filing/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail, workflowInput } from "../support/factories";
import { type Peer, startPeer } from "./support";

/**
 * The Catalogo SSU port (ADR 0026) end to end: a portal (its own database, key and PDND client) files pratiche
 * and tells the Catalogo through its queue, after COMMIT, over PDND with signed messages; the Catalogo is the
 * development one, another portal on loopback serving catalogo-ssu_to_{fo,bo,et} exactly as the national one
 * is specified (the portal reaches it by SSU_CATALOGUE_ENDPOINTS, as it would the national one). Checked:
 * request_cui with the whole descriptor (valid against the SSU JSON schema and the Catalogo's OpenAPI) and the
 * CUI it answers; the audit message of each change of state (the refusal of an inadmissible pratica included)
 * and the descriptor the Catalogo then serves (instance_descriptor, its version raised); update_times when an
 * integration request's suspension ends and the term moves.
 */

describe.each(DATABASES)("Catalogo SSU port on %s", (kind) => {
  let pdnd: Awaited<ReturnType<typeof startPdndDouble>>;
  let catalogue: Peer;
  let test: TestDatabase;
  let services: EngineServices;
  let env: Env;

  beforeAll(async () => {
    pdnd = await startPdndDouble();
    catalogue = await startPeer({
      name: `catalogo${kind}`,
      kind,
      roles: "back_office",
      pdnd,
      catalogue: () => ({}),
    });
    const base = useTestEnv();
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    const clientId = `portale-${kind}-${randomUUID().slice(0, 8)}`;
    const endpoint = (s: string) => `${catalogue.url}/api/ssu/${s}`;
    env = parseEnv({
      NODE_ENV: "test",
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "ssu-portale-")),
      PUBLIC_URL: "http://127.0.0.1:9",
      SSU_ROLES: "front_office,back_office",
      PDND_CLIENT_ID: clientId,
      PDND_TOKEN_URL: `${pdnd.url}/token.oauth2`,
      PDND_JWKS_URL: `${pdnd.url}/.well-known/jwks.json`,
      PDND_KEYS_URL: `${pdnd.url}/keys`,
      PDND_ISSUER: pdnd.url,
      PDND_ASSERTION_AUDIENCE: `${pdnd.url}/token.oauth2`,
      SSU_PURPOSES: CATALOGUE_SERVICES.map((s) => `${s}=purpose-${clientId}-${s}`).join(","),
      SSU_CATALOGUE_ENDPOINTS: CATALOGUE_SERVICES.map((s) => `${s}=${endpoint(s)}`).join(","),
    });
    const key = await ssuRuntime(env).key();
    pdnd.double.registerClient(clientId, key.publicJwk);
    for (const s of CATALOGUE_SERVICES)
      pdnd.double.registerPurpose(`purpose-${clientId}-${s}`, clientId, endpoint(s));
    services = { ...base, ssuCatalogue: ssuCatalogueHook(ssuConfig(env)) };
  }, 180_000);

  afterAll(async () => {
    await catalogue?.close();
    await pdnd?.close();
    await test?.drop();
  });

  const run = (now = new Date(), limit = 20) =>
    runDueCalls(test.handle.db, {
      handlers: new Map([["ssu", ssuHandler(env)]]),
      kinds: ["ssu"],
      limit,
      execute: { db: test.handle.db, files: services.files, now: () => now },
      resultContext: (at) => ({
        now: at,
        files: services.files,
        publicUrl: services.publicUrl,
        dispatch: (trx, request) => dispatchResult(trx, services, request),
      }),
      alert: async () => {},
      timeoutMs: 60_000,
    });

  const queued = (praticaId: string) =>
    test.handle.db
      .selectFrom("integration_calls")
      .select(["operation", "payload", "status"])
      .where("pratica_id", "=", praticaId)
      .where("kind", "=", "ssu")
      .orderBy("created_at")
      .orderBy("order_seq")
      .execute();

  /** The descriptor the Catalogo serves, read through the port's client (PDND voucher, signed both ways). */
  async function catalogueDescriptor(cuiUuid: string) {
    const rt = ssuRuntime(env);
    const outcome = await callSsu(
      { db: test.handle.db, config: rt.config, key: await rt.key(), resolveKey: rt.resolveKey },
      {
        service: "catalogo_ssu_to_bo",
        operation: DESCRIPTOR_OPERATION,
        url: `${catalogue.url}/api/ssu/catalogo_ssu_to_bo`,
        descriptorOf: cuiUuid,
      },
    );
    return outcome;
  }

  async function file(at: string) {
    const owner = await userByEmail(test.handle.db, "impresa@demo.test");
    const id = await completeDraft(test.handle.db, services.files, owner);
    const r = await submitPratica(test.handle.db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: new Date(at),
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return { id, cui: r.pratica.cui };
  }

  it("asks the Catalogo for the CUI when a pratica is filed, after COMMIT, and keeps the CUI it answers", async () => {
    const { id, cui } = await file("2026-03-02T09:00:00Z");
    const calls = await queued(id);
    expect(calls.map((c) => c.operation)).toEqual(["catalogo_ssu_to_fo.request_cui"]);
    const body = (calls[0]!.payload as { body: Record<string, unknown> }).body;
    // The descriptor sent is the whole one, valid for the SSU JSON schema and the Catalogo's OpenAPI.
    expect(descriptorProblems(body)).toEqual([]);
    expect(checkRequest("catalogo_ssu_to_fo", "request_cui", body)).toEqual([]);
    expect((body.instance_status as { state: string }[]).map((s) => s.state)).toEqual([
      "started",
      "presented",
    ]);
    // Nothing reached the Catalogo yet: the call waits for the worker.
    expect((await catalogueDescriptor(id)).ok).toBe(false);
    const report = await run();
    expect(report.done).toBe(1);
    const pratica = await test.handle.db
      .selectFrom("pratiche")
      .select(["ssu_cui"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(pratica.ssu_cui).toBe(cui);
    const registered = await catalogue.db.handle.db
      .selectFrom("ssu_catalogue_instances")
      .selectAll()
      .where("cui_uuid", "=", id)
      .executeTakeFirstOrThrow();
    expect(registered.client_id).toBe(env.PDND_CLIENT_ID);
    const got = await catalogueDescriptor(id);
    expect(got.ok).toBe(true);
    expect((got.reply!.body as { cui: { uuid: string } }).cui.uuid).toBe(id);
    // The answer is recorded on the pratica's chain, through the engine.
    const events = await test.handle.db
      .selectFrom("events")
      .select(["type", "payload"])
      .where("pratica_id", "=", id)
      .where("type", "=", "INTEGRATION_RESULT")
      .execute();
    // (the other INTEGRATION_RESULT is the receipt's rendering after COMMIT, ADR 0032)
    expect(events.filter((e) => (e.payload as { kind?: string }).kind === "ssu")).toHaveLength(1);
  }, 180_000);

  it("audits the refusal of an inadmissible pratica: the Catalogo's descriptor ends in `refused`, version raised", async () => {
    const { id } = await file("2026-03-02T10:00:00Z");
    expect((await run()).done).toBe(1);
    const before = await catalogueDescriptor(id);
    const v0 = (before.reply!.body as { version: number }).version;
    await actAs(test.handle.db, services, "operatore@demo.test", id, {
      type: "REFUSE_INADMISSIBLE",
      at: "2026-03-06",
      reasons: "Requisiti soggettivi assenti",
    } as never);
    const calls = await queued(id);
    const audit = calls.find((c) => c.operation === "catalogo_ssu_to_bo.audit");
    expect(audit).toBeDefined();
    const message = (audit!.payload as { body: { message: string; event_time: string } }).body;
    expect(message.message).toBe("end_by_instance_refused");
    // Rome time: an RFC 3339 date-time with Italy's offset.
    expect(message.event_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$/);
    expect(audit!.status).toBe("queued");
    expect((await run()).done).toBe(1);
    const after = await catalogueDescriptor(id);
    const d = after.reply!.body as { version: number; instance_status: { state: string }[] };
    expect(d.instance_status.map((s) => s.state)).toEqual(["started", "presented", "refused"]);
    expect(d.version).toBe(v0 + 1);
    // The local descriptor agrees: refused, not still presented.
    const pratica = await test.handle.db
      .selectFrom("pratiche")
      .select("ssu_status")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(pratica.ssu_status).not.toBe("presented");
  }, 180_000);

  it("pushes update_times when the integration suspension ends and the term moves", async () => {
    const { id } = await file("2026-03-02T11:00:00Z");
    expect((await run()).done).toBe(1);
    await actAs(test.handle.db, services, "operatore@demo.test", id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: "2026-03-03",
      items: ["Planimetria quotata"],
    } as never);
    await actAs(test.handle.db, services, "impresa@demo.test", id, {
      type: "INTEGRATION_RECEIVED",
      at: "2026-03-10",
    } as never);
    const calls = await queued(id);
    const ops = calls.map((c) => c.operation);
    expect(ops).toContain("catalogo_ssu_to_bo.update_times");
    const times = calls.find((c) => c.operation === "catalogo_ssu_to_bo.update_times")!.payload as {
      body: { times: { start: string; max_gg_proc: number } };
    };
    const filed = calls.find((c) => c.operation === "catalogo_ssu_to_fo.request_cui")!.payload as {
      body: { times: { start: string; max_gg_proc: number } };
    };
    expect(times.body.times.start).toBe(filed.body.times.start);
    expect(times.body.times.max_gg_proc).toBeGreaterThan(filed.body.times.max_gg_proc);
    const audits = calls
      .filter((c) => c.operation === "catalogo_ssu_to_bo.audit")
      .map((c) => (c.payload as { body: { message: string } }).body.message);
    expect(audits).toEqual(["integration_requested", "instance_integrated_retrived"]);
    // One at a time, in the order they were queued (the Catalogo learns the states in order).
    for (let i = 0; i < 3; i++) expect((await run(new Date(), 1)).done).toBe(1);
    const d = (await catalogueDescriptor(id)).reply!.body as {
      times: { max_gg_proc: number };
      instance_status: { state: string }[];
    };
    expect(d.times.max_gg_proc).toBe(times.body.times.max_gg_proc);
    expect(d.instance_status.map((s) => s.state)).toEqual([
      "started",
      "presented",
      "integration_requested",
      "integrated",
    ]);
  }, 180_000);

  it("delivers the Catalogo's messages of one pratica in order when several are due at once (per-CUI order)", async () => {
    // Two pratiche filed and moved before the worker runs: each has request_cui then its audits queued, all due.
    const a = await file("2026-03-03T09:00:00Z");
    const b = await file("2026-03-03T09:05:00Z");
    for (const id of [a.id, b.id]) {
      await actAs(test.handle.db, services, "operatore@demo.test", id, {
        type: "SEND_INTEGRATION_REQUEST",
        at: "2026-03-04",
        items: ["Planimetria quotata"],
      } as never);
      await actAs(test.handle.db, services, "impresa@demo.test", id, {
        type: "INTEGRATION_RECEIVED",
        at: "2026-03-09",
      } as never);
    }
    const ops = (id: string) => queued(id).then((c) => c.map((x) => x.operation));
    expect(await ops(a.id)).toEqual([
      "catalogo_ssu_to_fo.request_cui",
      "catalogo_ssu_to_bo.audit",
      "catalogo_ssu_to_bo.audit",
      "catalogo_ssu_to_bo.update_times",
    ]);
    // Every call is due and the worker takes up to 20 at once; only the head of each pratica's line is taken.
    const first = await run(new Date(), 20);
    expect(first.claimed).toBe(2);
    expect(first.done).toBe(2);
    let passes = 1;
    while ((await run(new Date(), 20)).claimed > 0) passes++;
    expect(passes).toBe(4);
    for (const { id } of [a, b]) {
      expect((await queued(id)).map((c) => c.status)).toEqual(["done", "done", "done", "done"]);
      const registered = await catalogue.db.handle.db
        .selectFrom("ssu_catalogue_instances")
        .select(["audit", "descriptor"])
        .where("cui_uuid", "=", id)
        .executeTakeFirstOrThrow();
      expect((registered.audit as { message: string }[]).map((m) => m.message)).toEqual([
        "integration_requested",
        "instance_integrated_retrived",
      ]);
      const d = (await catalogueDescriptor(id)).reply!.body as { instance_status: { state: string }[] };
      expect(d.instance_status.map((x) => x.state)).toEqual([
        "started",
        "presented",
        "integration_requested",
        "integrated",
      ]);
    }
  }, 180_000);

  it("tells the Catalogo that the integration term expired and the procedure ended by it, in this order", async () => {
    const { id } = await file("2026-03-04T09:00:00Z");
    await actAs(test.handle.db, services, "operatore@demo.test", id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: "2026-03-05",
      items: ["Planimetria quotata"],
    } as never);
    // No answer: the term (30 days) passes and the worker's deadline fires the expiry as the system.
    await dispatch(test.handle.db, services, {
      praticaId: id,
      event: { type: "INTEGRATION_TERM_EXPIRED", at: "2026-05-05" },
      actor: { kind: "system", name: "scadenze" },
    });
    const expired = await test.handle.db
      .selectFrom("pratiche")
      .select("ssu_status")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(expired.ssu_status).toBe("ended_by_integration_times_expired");
    const audits = (await queued(id))
      .filter((c) => c.operation === "catalogo_ssu_to_bo.audit")
      .map((c) => (c.payload as { body: { message: string } }).body.message);
    expect(audits).toEqual([
      "integration_requested",
      "integration_request_time_expired",
      "end_by_integration_request_time_expired",
    ]);
    while ((await run()).claimed > 0);
    expect((await queued(id)).every((c) => c.status === "done")).toBe(true);
    const registered = await catalogue.db.handle.db
      .selectFrom("ssu_catalogue_instances")
      .select("audit")
      .where("cui_uuid", "=", id)
      .executeTakeFirstOrThrow();
    expect((registered.audit as { message: string }[]).map((m) => m.message)).toEqual(audits);
    const d = (await catalogueDescriptor(id)).reply!.body as { instance_status: { state: string }[] };
    expect(d.instance_status.map((x) => x.state).at(-1)).toBe("ended_by_integration_times_expired");
  }, 180_000);

  it("takes a received pratica's regime and times from the Catalogo's descriptor, through the port, else the istanza's with the reason", async () => {
    const { id } = await file("2026-03-05T09:00:00Z");
    while ((await run()).claimed > 0);
    const config = ssuConfig(env);
    expect(
      await test.handle.db
        .transaction()
        .execute((trx) => queueDescriptorLookup(trx, config, id, `k:${id}`, new Date())),
    ).toBe(true);
    expect((await run()).done).toBe(1);
    const descriptor = await catalogueDescriptorOf(test.handle.db, id);
    const served = (await catalogueDescriptor(id)).reply!.body as { times: Record<string, number> };
    expect(descriptor?.times).toEqual(served.times);
    // An istanza that says otherwise: the Catalogo's terms win, the istanza's finer regime of the family stays.
    const input = {
      ...workflowInput("scia_condizionata", 999),
      times: { ...workflowInput("scia", 1).times, max_gg_int_resp: 99 },
    };
    const fromCatalogue = catalogueTerms(descriptor, "scia_condizionata", input);
    expect(fromCatalogue.reason).toBeNull();
    expect(fromCatalogue.regime).toBe("scia_condizionata");
    expect(fromCatalogue.input.termDays).toBe(served.times.max_gg_proc);
    expect(fromCatalogue.input.times.max_gg_int_resp).toBe(served.times.max_gg_int_resp);
    expect(fromCatalogue.input.times.observations_days).toBe(input.times.observations_days);
    // A regime of another family: the Catalogo's family is taken.
    const other = catalogueTerms(descriptor, "autorizzazione", { ...input, regime: "autorizzazione" });
    expect([other.regime, other.input.regime, other.reason]).toEqual(["scia", "scia", null]);
    // No descriptor, or one that is not the schema's: the istanza's, and why.
    const none = catalogueTerms(null, "scia", input);
    expect(none.input).toBe(input);
    expect(none.reason).toMatch(/non ha risposto/);
    const bad = catalogueTerms({ ...descriptor, times: { start: "ieri" } }, "scia", input);
    expect(bad.input).toBe(input);
    expect(bad.reason).toMatch(/non è conforme/);
  }, 180_000);

  it("is refused by the Catalogo for a CUI it does not know (ERROR_500_002), signed and conformant", async () => {
    const outcome = await catalogueDescriptor(randomUUID());
    expect(outcome.ok).toBe(false);
    expect(outcome.reply?.status).toBe(500);
    expect((outcome.reply!.body as { code: string }).code).toBe("ERROR_500_002");
  }, 60_000);
});
