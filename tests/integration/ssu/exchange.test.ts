import { createHash, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purposeFor } from "~/server/integrations/ssu/config.server";
import { checkResponse, type SsuService } from "~/server/integrations/ssu/openapi.server";
import { startPdndDouble } from "~/server/integrations/ssu/pdnd-double.server";
import {
  digestOf,
  integrityToken,
  requestVoucher,
  SIGNATURE_HEADER,
  verifyIntegrity,
} from "~/server/integrations/ssu/security.server";
import { ssuRuntime } from "~/server/integrations/ssu/runtime.server";
import { enqueueCall } from "~/server/integrations/queue.server";
import { DATABASES } from "../support/databases";
import { type Peer, registerPurposes, startPeer } from "./support";

/**
 * Two portals on loopback, each with its own database, sharing one development PDND: a front office and a back
 * office. The conformance part runs the spec's error cases (text/08_06) against every operation they serve;
 * the exchange part sends an instance, fetches its document, asks for an integration, survives the back
 * office being stopped (SSU retry rule) and answers a retry request. Every answer is checked for its
 * Agid-JWT-Signature and against the official OpenAPI.
 */

const CUI_UUID = randomUUID();
const cui = {
  context: "SUAP-AVC",
  data: "2026-03-02",
  progressive: "000123",
  progressivo: "000123",
  uuid: CUI_UUID,
};
const PDF = new TextEncoder().encode("%PDF-1.4\n% istanza di prova per lo scambio SSU\n".repeat(40));
const PDF_HASH = createHash("sha256").update(PDF).digest("hex");
const RESOURCE = "istanza-principale";
const admin = {
  ipacode: "c_m126",
  officecode: "SUAP",
  version: "01.00.00",
  description: "SUAP Alta Val di Cecina",
};

const VALID: Record<string, Record<string, unknown>> = {
  "bo_to_fo/send_instance": {
    cui,
    instance_descriptor_version: "1",
    instance_index: [
      {
        code: "UC1",
        ref: "istanza/UC1.json",
        description: "istanza",
        resource_id: RESOURCE,
        hash: PDF_HASH,
        alg_hash: "S256",
      },
    ],
    general_index: [],
  },
  "bo_to_fo/notify_receipt": { cui, date: "2026-03-02" },
  "bo_to_fo/cancel_instance": cui,
  "bo_to_fo/retry": {
    cui,
    operation: "request_integration",
    error: { code: "ERROR_500_005", message: "lista incoerente" },
  },
  "bo_to_et/send_conclusions": {
    cui,
    instance_descriptor_version: "1",
    conclusions_type: "positive_outcome",
    positive_outcome: "parere favorevole",
    requester_administration: admin,
  },
  "bo_to_et/request_cdss": { cui, requester_administration: admin },
  "bo_to_et/request_integration": {
    cui,
    instance_descriptor_version: "1",
    integration_list: [
      {
        code: "UC1",
        ref: "istanza",
        integration_request: [{ request: "planimetria", requester_administration: admin }],
      },
    ],
  },
  "bo_to_et/retry": { cui, operation: "notify", requester_administration: admin },
  "fo_to_bo/request_correction": {
    cui,
    instance_descriptor_version: "1",
    correction_list: [
      { code: "UC1", ref: "istanza", correction_requested: "firma", correction_request: "firma" },
    ],
  },
  "fo_to_bo/request_integration": {
    cui,
    instance_descriptor_version: "1",
    integration_list: [
      {
        code: "UC1",
        ref: "istanza",
        integration_request: [{ request: "planimetria", requester_administration: admin }],
      },
    ],
  },
  "fo_to_bo/notify": { cui, instance_descriptor_version: "1", event: "end_by_positive_outcome" },
  "fo_to_bo/retry": { cui, operation: "send_instance" },
};
const INVALID: Record<string, unknown> = {
  "bo_to_fo/send_instance": { cui, instance_index: [] },
  "bo_to_fo/notify_receipt": { cui },
  "bo_to_fo/cancel_instance": { context: "x" },
  "bo_to_fo/retry": { cui, operation: "send_instance" },
  "bo_to_et/send_conclusions": { cui, conclusions_type: "positive_outcome" },
  "bo_to_et/request_cdss": { cui },
  "bo_to_et/request_integration": { cui, integration_list: "no" },
  "bo_to_et/retry": { cui, operation: "request_cdss", requester_administration: admin },
  "fo_to_bo/request_correction": { cui, instance_descriptor_version: "1" },
  "fo_to_bo/request_integration": { cui, instance_descriptor_version: "1", integration_list: [{}] },
  "fo_to_bo/notify": { cui, instance_descriptor_version: "1", event: "not_an_event" },
  "fo_to_bo/retry": { cui, operation: "notify" },
};

describe.each(DATABASES)("SSU exchange over PDND on %s", (kind) => {
  let pdnd: Awaited<ReturnType<typeof startPdndDouble>>;
  let fo: Peer;
  let bo: Peer;

  beforeAll(async () => {
    pdnd = await startPdndDouble();
    const peers: { fo?: Peer; bo?: Peer } = {};
    const systems = () => ({
      suap: {
        "*": {
          fo_system: { e_service_to_bo: peers.fo?.serviceUrl("fo_to_bo") },
          bo_system: {
            e_service_to_fo: peers.bo?.serviceUrl("bo_to_fo"),
            e_service_to_et: peers.bo?.serviceUrl("bo_to_et"),
          },
        },
      },
    });
    fo = await startPeer({ name: `fo${kind}`, kind, roles: "front_office", pdnd, catalogue: systems });
    peers.fo = fo;
    bo = await startPeer({ name: `bo${kind}`, kind, roles: "back_office", pdnd, catalogue: systems });
    peers.bo = bo;
    // Both catalogues now know both systems.
    for (const p of [fo, bo]) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(p.env.SSU_CATALOGUE_FILE!, JSON.stringify(systems()));
    }
    registerPurposes(pdnd.double, fo, bo, ["bo_to_fo", "bo_to_et"]);
    registerPurposes(pdnd.double, bo, fo, ["fo_to_bo"]);
    // The front office holds the instance's resource (what the back office will fetch by hash).
    const stored = await fo.files.put(PDF);
    await fo.db.handle.db
      .insertInto("ssu_messages")
      .values({
        id: randomUUID(),
        direction: "in",
        service: "fo_to_bo",
        operation: "document",
        cui_uuid: CUI_UUID,
        pratica_id: null,
        peer: "presentatore",
        body: JSON.stringify({ resource_id: RESOURCE, sha256: stored.sha256, storage_key: stored.key }),
        http_status: 200,
        message_key: `seed:${CUI_UUID}`,
      })
      .execute();
    // The instance was sent to the back office (the document operation serves only that peer, ADR 0026).
    await fo.db.handle.db
      .insertInto("ssu_messages")
      .values({
        id: randomUUID(),
        direction: "out",
        service: "bo_to_fo",
        operation: "send_instance",
        cui_uuid: CUI_UUID,
        pratica_id: null,
        peer: bo.serviceUrl("bo_to_fo"),
        peer_client_id: bo.env.PDND_CLIENT_ID!,
        body: JSON.stringify(VALID["bo_to_fo/send_instance"]),
        http_status: 200,
        message_key: `seed-sent:${CUI_UUID}`,
      })
      .execute();
  }, 120_000);

  afterAll(async () => {
    await fo?.close();
    await bo?.close();
    await pdnd?.close();
  });

  /** A request as `caller` sends it to `provider`'s e-service, with tweaks for the error cases. */
  async function send(
    caller: Peer,
    provider: Peer,
    service: SsuService,
    op: string,
    body: unknown,
    tweak: {
      noVoucher?: boolean;
      badVoucher?: boolean;
      noSignature?: boolean;
      badSignature?: boolean;
      headers?: Record<string, string>;
      get?: string;
      repeat?: boolean;
    } = {},
  ) {
    const rt = ssuRuntime(caller.env);
    const key = await rt.key();
    const audience = provider.serviceUrl(service);
    const text = tweak.get !== undefined ? "" : JSON.stringify(body);
    const headers: Record<string, string> = { ...(tweak.headers ?? {}) };
    if (tweak.get === undefined) headers["content-type"] = "application/json";
    if (!tweak.noVoucher) {
      const voucher = await requestVoucher({
        tokenUrl: rt.config.pdnd.tokenUrl,
        key,
        clientId: rt.config.clientId,
        assertionAudience: rt.config.pdnd.assertionAudience,
        purposeId: purposeFor(rt.config, service)!,
      });
      headers.authorization = `Bearer ${tweak.badVoucher ? `${voucher.token.slice(0, -4)}AAAA` : voucher.token}`;
    }
    if (!tweak.noSignature) {
      const digest = digestOf(tweak.badSignature ? `${text} ` : text);
      headers[SIGNATURE_HEADER] = await integrityToken({
        key,
        issuer: rt.config.clientId,
        audience,
        digest,
        contentType: tweak.get === undefined ? "application/json" : null,
      });
      headers.digest = digest;
    }
    const go = () =>
      fetch(tweak.get !== undefined ? `${audience}${tweak.get}` : `${audience}/${op}`, {
        method: tweak.get !== undefined ? "GET" : "POST",
        headers,
        body: tweak.get !== undefined ? undefined : text,
      });
    if (tweak.repeat) await (await go()).arrayBuffer();
    const response = await go();
    const raw = new Uint8Array(await response.arrayBuffer());
    const textOut = new TextDecoder().decode(raw);
    // Every answer, errors included, is signed by the provider for the caller over exactly its body.
    const claims = await verifyIntegrity(response.headers.get(SIGNATURE_HEADER) ?? "", {
      body: raw,
      digestHeader: response.headers.get("digest"),
      audience:
        response.status === 401 && (tweak.noVoucher || tweak.badVoucher) ? "sconosciuto" : rt.config.clientId,
      resolveKey: rt.resolveKey,
    });
    expect(claims.iss).toBe(provider.env.PDND_CLIENT_ID);
    const json = (response.headers.get("content-type") ?? "").includes("json")
      ? JSON.parse(textOut)
      : textOut || undefined;
    expect(checkResponse(service, op, response.status, json)).toEqual([]);
    return {
      status: response.status,
      body: json as { code?: string; message?: string } | string | undefined,
      headers: response.headers,
    };
  }

  it("refuses every served operation with the spec's error codes (400, 401, 503), signed and conformant", async () => {
    for (const [name, body] of Object.entries(VALID)) {
      const [service, op] = name.split("/") as [SsuService, string];
      const provider = service === "fo_to_bo" ? fo : bo;
      const caller = service === "fo_to_bo" ? bo : fo;
      const code = async (t: Parameters<typeof send>[5], b: unknown = body) =>
        ((await send(caller, provider, service, op, b, t)).body as { code: string }).code;
      expect(await code({ noVoucher: true }), name).toBe("ERROR_401_001");
      expect(await code({ badVoucher: true }), name).toBe("ERROR_401_002");
      expect(await code({ noSignature: true }), name).toBe("ERROR_401_003");
      expect(await code({ badSignature: true }), name).toBe("ERROR_401_004");
      expect(await code({}, INVALID[name]), name).toBe("ERROR_400_001");
      provider.available = false;
      expect(await code({}), name).toBe("ERROR_503_001");
      provider.available = true;
    }
    // A voucher for another e-service (its audience) is not valid here.
    const rt = ssuRuntime(fo.env);
    const other = await requestVoucher({
      tokenUrl: rt.config.pdnd.tokenUrl,
      key: await rt.key(),
      clientId: rt.config.clientId,
      assertionAudience: rt.config.pdnd.assertionAudience,
      purposeId: purposeFor(rt.config, "bo_to_et")!,
    });
    const wrong = await fetch(`${bo.serviceUrl("bo_to_fo")}/notify_receipt`, {
      method: "POST",
      headers: { authorization: `Bearer ${other.token}`, "content-type": "application/json" },
      body: JSON.stringify(VALID["bo_to_fo/notify_receipt"]),
    });
    expect(((await wrong.json()) as { code: string }).code).toBe("ERROR_401_002");
  }, 300_000);

  it("serves the document operation: 428, 404, 412, 200 base64, 206 single range, 416", async () => {
    const path = `/instance/${CUI_UUID}/document/${RESOURCE}`;
    const get = (headers: Record<string, string>, p = path) =>
      send(bo, fo, "fo_to_bo", "document", undefined, { get: p, headers });
    expect((await get({})).status).toBe(428);
    expect((await get({ "if-match": `"${PDF_HASH}"` }, `/instance/${CUI_UUID}/document/altro`)).status).toBe(
      404,
    );
    expect((await get({ "if-match": `"${"0".repeat(64)}"` })).status).toBe(412);
    const whole = await get({ "if-match": `"${PDF_HASH}"` });
    expect(whole.status).toBe(200);
    expect(Buffer.from(whole.body as string, "base64")).toEqual(Buffer.from(PDF));
    const part = await get({ "if-match": `"${PDF_HASH}"`, range: "bytes=10-99" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 10-99/${PDF.byteLength}`);
    expect(Buffer.from(part.body as string, "base64")).toEqual(Buffer.from(PDF.subarray(10, 100)));
    const beyond = await get({ "if-match": `"${PDF_HASH}"`, range: `bytes=${PDF.byteLength + 5}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${PDF.byteLength}`);
    expect((await get({ "if-match": `"${PDF_HASH}"`, range: "bytes=0-1,5-9" })).status).toBe(416);
    // The same request again (same Agid-JWT-Signature, same jti) is a replay.
    const replay = await send(bo, fo, "fo_to_bo", "document", undefined, {
      get: path,
      headers: { "if-match": `"${PDF_HASH}"` },
      repeat: true,
    });
    expect(replay.status).toBe(401);
    expect((replay.body as { code: string }).code).toBe("ERROR_401_004");
  }, 120_000);

  it("exchanges an instance through the queue: send_instance, document fetch, integration request, back office down, retry", async () => {
    const ts = (
      p: Peer,
      op: string,
      service: SsuService,
      body: Record<string, unknown>,
      extra: Record<string, unknown> = {},
    ) =>
      p.db.handle.db.transaction().execute((trx) =>
        enqueueCall(trx, {
          kind: "ssu",
          operation: `${service}.${op}`,
          idempotencyKey: `${p.name}:${service}.${op}:${randomUUID()}`,
          praticaId: null,
          payload: {
            service,
            operation: op,
            url: (p === fo ? bo : fo).serviceUrl(service),
            cuiUuid: CUI_UUID,
            body,
            ...extra,
          },
        }),
      );
    // 1. The front office sends the instance; the back office records it and queues the document fetch.
    await ts(fo, "send_instance", "bo_to_fo", VALID["bo_to_fo/send_instance"]!);
    expect((await fo.run()).done).toBe(1);
    const fetches = await bo.db.handle.db
      .selectFrom("integration_calls")
      .selectAll()
      .where("operation", "=", "fo_to_bo.document")
      .execute();
    expect(fetches).toHaveLength(1);
    // 2. The back office fetches the document by hash from the front office and keeps it.
    expect((await bo.run()).done).toBe(1);
    const held = await bo.db.handle.db
      .selectFrom("ssu_messages")
      .select("body")
      .where("operation", "=", "document")
      .where("cui_uuid", "=", CUI_UUID)
      .executeTakeFirstOrThrow();
    expect((held.body as { sha256: string }).sha256).toBe(PDF_HASH);
    const audits = await bo.db.handle.db
      .selectFrom("ssu_messages")
      .select(sql<string>`body->>'event'`.as("event"))
      .where("service", "=", "catalogo")
      .execute();
    expect(audits.map((a) => a.event)).toEqual(
      expect.arrayContaining(["instance_received", "instance_retrived"]),
    );
    // 3. The back office asks the front office for an integration.
    await ts(bo, "request_integration", "fo_to_bo", VALID["fo_to_bo/request_integration"]!);
    expect((await bo.run()).done).toBe(1);
    // 4. The back office goes down; the receipt waits per the SSU rule (+2 h) and goes through when it is back.
    await bo.stop();
    await ts(fo, "notify_receipt", "bo_to_fo", VALID["bo_to_fo/notify_receipt"]!);
    const t0 = new Date();
    expect((await fo.run(t0)).retry).toBe(1);
    const waiting = await fo.db.handle.db
      .selectFrom("integration_calls")
      .selectAll()
      .where("operation", "=", "bo_to_fo.notify_receipt")
      .executeTakeFirstOrThrow();
    expect(waiting.status).toBe("queued");
    expect(new Date(waiting.next_attempt_at).getTime() - t0.getTime()).toBe(2 * 3600_000);
    expect((await fo.run(new Date(t0.getTime() + 3600_000))).claimed).toBe(0);
    await bo.start();
    expect((await fo.run(new Date(t0.getTime() + 2 * 3600_000 + 1000))).done).toBe(1);
    const received = await bo.db.handle.db
      .selectFrom("ssu_messages")
      .select("operation")
      .where("direction", "=", "in")
      .where("service", "=", "bo_to_fo")
      .execute();
    expect(received.map((r) => r.operation).sort()).toEqual(["notify_receipt", "send_instance"]);
    // 5. The front office finds the integration request inconsistent and asks for it again (retry): the back
    //    office queues the same request again and alerts its operator; the front office audits the request.
    await ts(fo, "retry", "bo_to_fo", VALID["bo_to_fo/retry"]!);
    expect((await fo.run(new Date(t0.getTime() + 3 * 3600_000))).done).toBe(1);
    const again = await bo.db.handle.db
      .selectFrom("integration_calls")
      .selectAll()
      .where("operation", "=", "fo_to_bo.request_integration")
      .orderBy("created_at")
      .execute();
    expect(again).toHaveLength(2);
    expect(again[1]!.idempotency_key).toMatch(/^ssu-retry:/);
    expect((await bo.run()).done).toBe(1);
    const foAudit = await fo.db.handle.db
      .selectFrom("ssu_messages")
      .select(sql<string>`body->>'event'`.as("event"))
      .where("service", "=", "catalogo")
      .execute();
    expect(foAudit.map((a) => a.event)).toContain("retry_requested_for_request_integration");
    const foIn = await fo.db.handle.db
      .selectFrom("ssu_messages")
      .select("operation")
      .where("direction", "=", "in")
      .where("service", "=", "fo_to_bo")
      .execute();
    expect(foIn.filter((r) => r.operation === "request_integration")).toHaveLength(2);
  }, 300_000);
});
