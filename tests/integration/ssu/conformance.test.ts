import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { purposeFor } from "~/server/integrations/ssu/config.server";
import type { SSU_ERRORS } from "~/server/integrations/ssu/errors.server";
import {
  CATALOGUE_SERVICES,
  checkResponse,
  DESCRIPTOR_OPERATION,
  DOCUMENT_OPERATION,
  type SpecService,
  SSU_SERVICES,
  serviceSpec,
} from "~/server/integrations/ssu/openapi.server";
import { startPdndDouble } from "~/server/integrations/ssu/pdnd-double.server";
import { ssuRuntime } from "~/server/integrations/ssu/runtime.server";
import {
  digestOf,
  integrityToken,
  requestVoucher,
  SIGNATURE_HEADER,
  verifyIntegrity,
} from "~/server/integrations/ssu/security.server";
import { DATABASES } from "../support/databases";
import { type Peer, registerPurposes, startPeer } from "./support";

/**
 * Conformance of every operation this portal serves with the spec's error table (text/08_06, the "Tabella dei
 * codici di errore", copied in specs/ssu/text/08_06.md). Table-driven: the operations are read from the
 * official OpenAPI files of the e-services the portal serves (bo_to_fo, bo_to_et, fo_to_bo, et_to_bo as an
 * agency's system, and the development Catalogo's catalogo-ssu_to_{fo,bo,et}); for each one, every error of
 * the table for that operation whose HTTP status its OpenAPI lists is provoked, and the answer must carry the
 * table's code (where the OpenAPI gives the status a body), validate against the OpenAPI and carry a valid
 * Agid-JWT-Signature by the provider over exactly its body. A new operation in a served file is covered by
 * itself; one the table does not name fails the test.
 */

type Case = "400" | "401_001" | "401_002" | "401_003" | "401_004" | "404" | "412" | "416" | "428" | "503";

/** The table's rows: code, HTTP status, operation (the spec's names). */
function errorTable() {
  const text = readFileSync(path.resolve("specs/ssu/text/08_06.md"), "utf8");
  const rows: { code: string; status: number; operation: string }[] = [];
  for (const line of text.split("\n")) {
    const m = /^\|(ERROR_\d{3}_\d{3})\s*\|[^|]*\|\s*(\d{3})[^|]*\|\s*([a-z_]+)\s*\|/.exec(line);
    if (m) rows.push({ code: m[1]!, status: Number(m[2]), operation: m[3]! });
  }
  return rows;
}

/** Our operation names -> the table's. */
const TABLE_NAME: Record<string, string> = {
  [DOCUMENT_OPERATION]: "request_instance_document",
  [DESCRIPTOR_OPERATION]: "request_instance_descriptor",
  update_times: "request_update_times",
};

const CASE_OF: Record<string, Case> = {
  ERROR_400_001: "400",
  ERROR_401_001: "401_001",
  ERROR_401_002: "401_002",
  ERROR_401_003: "401_003",
  ERROR_401_004: "401_004",
  ERROR_404_001: "404",
  ERROR_412_001: "412",
  ERROR_416_001: "416",
  ERROR_428_001: "428",
  ERROR_503_001: "503",
};

const PDF = new TextEncoder().encode("%PDF-1.4\n% documento per la prova di conformità\n".repeat(30));
const PDF_HASH = createHash("sha256").update(PDF).digest("hex");
const SENT = randomUUID();
const FOREIGN = randomUUID();

describe.each(DATABASES)("SSU conformance of every served operation on %s", (kind) => {
  let pdnd: Awaited<ReturnType<typeof startPdndDouble>>;
  let provider: Peer;
  let caller: Peer;
  const served: SpecService[] = [...SSU_SERVICES, ...CATALOGUE_SERVICES];

  beforeAll(async () => {
    pdnd = await startPdndDouble();
    provider = await startPeer({
      name: `conf-p-${kind}`,
      kind,
      roles: "front_office,back_office,third_party",
      pdnd,
      catalogue: () => ({}),
    });
    caller = await startPeer({
      name: `conf-c-${kind}`,
      kind,
      roles: "front_office",
      pdnd,
      catalogue: () => ({}),
      purposes: served,
    });
    registerPurposes(pdnd.double, caller, provider, served);
    // Two resources held by the provider: one of an instance sent to the caller, one sent to another client.
    const stored = await provider.files.put(PDF);
    for (const [cuiUuid, peerClient] of [
      [SENT, caller.env.PDND_CLIENT_ID!],
      [FOREIGN, "client-di-un-altro-sportello"],
    ] as const) {
      await provider.db.handle.db
        .insertInto("ssu_messages")
        .values([
          {
            id: randomUUID(),
            direction: "in",
            service: "fo_to_bo",
            operation: "document",
            cui_uuid: cuiUuid,
            pratica_id: null,
            peer: "presentatore",
            body: JSON.stringify({ resource_id: "istanza", sha256: stored.sha256, storage_key: stored.key }),
            http_status: 200,
            message_key: `seed-doc:${cuiUuid}`,
          },
          {
            id: randomUUID(),
            direction: "out",
            service: "bo_to_et",
            operation: "send_instance",
            cui_uuid: cuiUuid,
            pratica_id: null,
            peer: "https://ente.example.it/api/ssu/bo_to_et",
            peer_client_id: peerClient,
            body: "{}",
            http_status: 200,
            message_key: `seed-sent:${cuiUuid}`,
          },
        ])
        .execute();
    }
  }, 180_000);

  afterAll(async () => {
    await caller?.close();
    await provider?.close();
    await pdnd?.close();
  });

  async function send(service: SpecService, op: { path: string; method: "get" | "post" }, c: Case) {
    const rt = ssuRuntime(caller.env);
    const key = await rt.key();
    const audience = `${provider.url}/api/ssu/${service}`;
    const isGet = op.method === "get";
    const cuiUuid =
      c === "400" ? "non-un-uuid" : c === "404" && op.path.includes("document") ? FOREIGN : SENT;
    const target =
      audience +
      op.path
        .replace("{cui_uuid}", cuiUuid)
        .replace("{resource_id}", c === "404" && !op.path.includes("document") ? "x" : "istanza");
    // The 400 case of a POST: a body that is not JSON (the GETs': a cui_uuid that is not a UUID).
    const text = isGet ? "" : c === "400" ? "non è JSON" : "{}";
    const headers: Record<string, string> = {};
    if (!isGet) headers["content-type"] = "application/json";
    if (op.path.includes("document")) {
      if (c !== "428") headers["if-match"] = `"${c === "412" ? "0".repeat(64) : PDF_HASH}"`;
      if (c === "416") headers.range = `bytes=${PDF.byteLength + 10}-`;
    }
    if (c !== "401_001") {
      const voucher = await requestVoucher({
        tokenUrl: rt.config.pdnd.tokenUrl,
        key,
        clientId: rt.config.clientId,
        assertionAudience: rt.config.pdnd.assertionAudience,
        purposeId: purposeFor(rt.config, service)!,
      });
      headers.authorization = `Bearer ${c === "401_002" ? `${voucher.token.slice(0, -4)}AAAA` : voucher.token}`;
    }
    if (c !== "401_003") {
      const digest = digestOf(c === "401_004" ? `${text} ` : text);
      headers[SIGNATURE_HEADER] = await integrityToken({
        key,
        issuer: rt.config.clientId,
        audience,
        digest,
        contentType: isGet ? null : "application/json",
      });
      headers.digest = digest;
    }
    if (c === "503") provider.available = false;
    try {
      const response = await fetch(target, {
        method: op.method.toUpperCase(),
        headers,
        body: isGet ? undefined : text,
      });
      const raw = new Uint8Array(await response.arrayBuffer());
      const claims = await verifyIntegrity(response.headers.get(SIGNATURE_HEADER) ?? "", {
        body: raw,
        digestHeader: response.headers.get("digest"),
        audience: c === "401_001" || c === "401_002" ? "sconosciuto" : rt.config.clientId,
        resolveKey: rt.resolveKey,
      });
      const out = new TextDecoder().decode(raw);
      const json = (response.headers.get("content-type") ?? "").includes("json")
        ? JSON.parse(out)
        : undefined;
      return { status: response.status, body: json as { code?: string } | undefined, iss: claims.iss };
    } finally {
      provider.available = true;
    }
  }

  it("answers every error of the spec's table for every served operation, with its code, signed and conformant", async () => {
    const table = errorTable();
    expect(table.length).toBeGreaterThan(100);
    let ran = 0;
    let operations = 0;
    for (const service of served) {
      const spec = serviceSpec(service);
      expect(spec.operations.size, service).toBeGreaterThan(0);
      for (const [name, op] of spec.operations) {
        operations++;
        const tableName = TABLE_NAME[name] ?? name;
        const cases = table
          .filter((r) => r.operation === tableName && CASE_OF[r.code] && op.responses.has(r.status))
          .map((r) => ({ code: r.code as keyof typeof SSU_ERRORS, status: r.status }));
        // Every served operation is in the table with at least the security and availability errors.
        expect(
          cases.map((x) => x.code),
          `${service}/${name}`,
        ).toEqual(
          expect.arrayContaining(["ERROR_401_001", "ERROR_401_002", "ERROR_401_003", "ERROR_401_004"]),
        );
        for (const { code, status } of cases) {
          const got = await send(service, { path: op.path, method: op.method }, CASE_OF[code]!);
          const label = `${service}/${name} ${code}`;
          expect(got.status, label).toBe(status);
          expect(got.iss, label).toBe(provider.env.PDND_CLIENT_ID);
          expect(checkResponse(service, name, got.status, got.body), label).toEqual([]);
          // Where the OpenAPI gives this status a body, it is the table's code.
          if (op.responses.get(status)?.validate) expect(got.body?.code, label).toBe(code);
          ran++;
        }
      }
    }
    // Each served operation ran at least its four 401 cases (a regression that skipped them fails here).
    expect(operations).toBeGreaterThan(20);
    expect(ran).toBeGreaterThanOrEqual(operations * 4);
  }, 900_000);

  it("serves a document only to the peer the instance was sent to (others: 404 ERROR_404_001)", async () => {
    const op = { path: "/instance/{cui_uuid}/document/{resource_id}", method: "get" as const };
    // The caller is the peer of SENT: the document comes (whole), with the right hash.
    const rt = ssuRuntime(caller.env);
    const key = await rt.key();
    const fetchAs = async (cuiUuid: string) => {
      const audience = `${provider.url}/api/ssu/bo_to_et`;
      const voucher = await requestVoucher({
        tokenUrl: rt.config.pdnd.tokenUrl,
        key,
        clientId: rt.config.clientId,
        assertionAudience: rt.config.pdnd.assertionAudience,
        purposeId: purposeFor(rt.config, "bo_to_et")!,
      });
      const digest = digestOf("");
      const r = await fetch(
        `${audience}${op.path.replace("{cui_uuid}", cuiUuid).replace("{resource_id}", "istanza")}`,
        {
          headers: {
            authorization: `Bearer ${voucher.token}`,
            [SIGNATURE_HEADER]: await integrityToken({
              key,
              issuer: rt.config.clientId,
              audience,
              digest,
              contentType: null,
            }),
            digest,
            "if-match": `"${PDF_HASH}"`,
          },
        },
      );
      const text = await r.text();
      const json = (r.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : undefined;
      expect(checkResponse("bo_to_et", DOCUMENT_OPERATION, r.status, json ?? (text || undefined))).toEqual(
        [],
      );
      return { status: r.status, text, json: json as { code?: string } | undefined };
    };
    const mine = await fetchAs(SENT);
    expect(mine.status).toBe(200);
    expect(Buffer.from(mine.text, "base64")).toEqual(Buffer.from(PDF));
    // The same resource, same hash, for an instance sent to another client: it does not exist for the caller.
    const theirs = await fetchAs(FOREIGN);
    expect(theirs.status).toBe(404);
    // bo_to_et gives its 404 no body; where an e-service gives one it is ERROR_404_001 (the table above).
    if (theirs.json) expect(theirs.json.code).toBe("ERROR_404_001");
  }, 120_000);
});
