import { randomUUID } from "node:crypto";
import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "../../db/schema.server";
import type { FileStore } from "../../storage.server";
import { enqueueCall } from "../queue.server";
import type { ResultDispatchFn } from "../types.server";
import { type CataloguePort, queueDescriptorLookup } from "./catalogue.server";
import type { SsuConfig, SsuKey } from "./config.server";
import { serveCatalogue } from "./catalogue-serve.server";
import { SSU_ERRORS, type SsuAnswer, type SsuErrorCode, SsuFault } from "./errors.server";
import {
  checkRequest,
  checkResponse,
  DESCRIPTOR_OPERATION,
  DOCUMENT_OPERATION,
  isCatalogueService,
  isSsuService,
  operationSpec,
  type SpecService,
} from "./openapi.server";
import {
  INSTANCE_RESOURCE,
  instanceResource,
  MODULO_RESOURCE_PREFIX,
  praticaOfCui,
  stepFromInbound,
} from "./flow.server";
import { storedModulo } from "../../modulo/modulo.server";
import { parseRange } from "./range.server";
import {
  digestOf,
  integrityToken,
  type KeyResolver,
  rememberToken,
  SIGNATURE_HEADER,
  type VoucherClaims,
  verifyIntegrity,
  verifyVoucher,
} from "./security.server";

/**
 * The SSU e-services this portal serves, under /api/ssu/<service>/<operation> (and
 * /api/ssu/<service>/instance/{cui_uuid}/document/{resource_id}). Every request goes through the same checks,
 * in the order of the spec's black-box tests: the e-service and operation exist and this portal's role serves
 * them (404), the service is available (503 ERROR_503_001), the PDND voucher is present (ERROR_401_001) and
 * valid for this e-service (ERROR_401_002), the Agid-JWT-Signature is present (ERROR_401_003) and valid for
 * this body, by the voucher's client, never seen before (ERROR_401_004), the body matches the official
 * OpenAPI (ERROR_400_001); then the operation. Every answer, errors included, is signed and checked against
 * the OpenAPI before it leaves.
 */

export interface InboundDeps {
  db: Kysely<Database>;
  config: SsuConfig;
  key: SsuKey;
  resolveKey: KeyResolver;
  files: FileStore;
  catalogue: CataloguePort;
  /** Records an event on a local pratica's audit chain (the engine's dispatchResult, injected). */
  record: ResultDispatchFn;
  /** Alerts the operator of a pratica (a mail to the desk); called inside the transaction. */
  alert: (
    trx: Transaction<Database>,
    info: { praticaId: string | null; text: string; template?: "ssu_ritrasmissione" | "ssu_richiesta_cdss" },
  ) => Promise<void>;
  available: () => boolean;
  now?: () => Date;
}

type Answer = SsuAnswer;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function handleSsuRequest(
  request: Request,
  service: string,
  subpath: string,
  deps: InboundDeps,
): Promise<Response> {
  let audienceOfReply = "sconosciuto";
  const route = routeOf(service, subpath, request.method, deps.config);
  try {
    if (!route) throw new SsuFault("ERROR_404_001", "e-service o operazione non forniti da questo portale");
    const audience = `${deps.config.audience}/${route.service}`;
    const auth = request.headers.get("authorization") ?? "";
    const bearer = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (!bearer) throw new SsuFault("ERROR_401_001");
    let voucher: VoucherClaims;
    try {
      voucher = await verifyVoucher(bearer, {
        jwksUrl: deps.config.pdnd.jwksUrl,
        issuer: deps.config.pdnd.issuer,
        audience,
      });
    } catch (error) {
      throw new SsuFault("ERROR_401_002", `voucher PDND non valido: ${(error as Error).message}`);
    }
    audienceOfReply = voucher.clientId;
    if (!deps.available() || !deps.config.enabled) throw new SsuFault("ERROR_503_001");
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > deps.config.requestMaxBytes)
      throw new SsuFault("ERROR_400_001", "corpo troppo grande");
    const signature = request.headers.get(SIGNATURE_HEADER);
    if (!signature) throw new SsuFault("ERROR_401_003");
    let integrity: Awaited<ReturnType<typeof verifyIntegrity>>;
    try {
      integrity = await verifyIntegrity(signature, {
        body: bytes,
        digestHeader: request.headers.get("digest"),
        contentType: request.headers.get("content-type"),
        audience,
        expectedIssuer: voucher.clientId,
        resolveKey: deps.resolveKey,
      });
    } catch (error) {
      throw new SsuFault("ERROR_401_004", `Agid-JWT-Signature non valido: ${(error as Error).message}`);
    }
    if (!(await rememberToken(deps.db, { jti: integrity.jti, issuer: integrity.iss, exp: integrity.exp })))
      throw new SsuFault("ERROR_401_004", "Agid-JWT-Signature già usato (jti ripetuto)");
    // A path parameter that cannot be a CUI's UUID is a malformed request (the GET operations' 400).
    if (route.params.cuiUuid !== undefined && !UUID_RE.test(route.params.cuiUuid))
      throw new SsuFault("ERROR_400_001", "cui_uuid non è un UUID");
    const answer = isCatalogueService(route.service)
      ? await serveCatalogue(
          { service: route.service, operation: route.operation, cuiUuid: route.params.cuiUuid },
          bytes,
          voucher,
          deps,
        )
      : route.operation === DOCUMENT_OPERATION
        ? await serveDocument(request, route, voucher, deps)
        : await serveOperation(route, bytes, voucher, integrity.jti, deps);
    return await signed(route, answer, audienceOfReply, deps);
  } catch (error) {
    const code: SsuErrorCode = error instanceof SsuFault ? error.code : "ERROR_500_007";
    if (!(error instanceof SsuFault)) console.error("[ssu] richiesta non elaborata:", error);
    const e = SSU_ERRORS[code];
    const detail = error instanceof SsuFault ? error.message : e.message;
    const withBody = route
      ? operationSpec(route.service, route.operation)?.responses.get(e.status)?.validate
      : true;
    return signed(
      route,
      {
        status: e.status,
        body: withBody
          ? { code, message: detail === e.message ? e.message : `${e.message}: ${detail}` }
          : undefined,
        headers:
          code === "ERROR_416_001" && error instanceof RangeFault
            ? { "Content-Range": `bytes */${error.size}` }
            : {},
      },
      audienceOfReply,
      deps,
    );
  }
}

interface Route {
  service: SpecService;
  operation: string;
  params: { cuiUuid?: string; resourceId?: string };
}

function routeOf(service: string, subpath: string, method: string, config: SsuConfig): Route | null {
  if (isCatalogueService(service)) {
    // The development Catalogo SSU (ADR 0026): served only when no national catalogue is configured.
    if (!config.catalogue.served.includes(service)) return null;
    const d = /^\/instance_descriptor\/([^/]+)$/.exec(subpath);
    const operation = d ? DESCRIPTOR_OPERATION : subpath.replace(/^\//, "");
    const spec = operationSpec(service, operation);
    if (!spec || spec.method !== method.toLowerCase()) return null;
    return { service, operation, params: d ? { cuiUuid: decodeURIComponent(d[1]!) } : {} };
  }
  if (!isSsuService(service) || !config.served.includes(service)) return null;
  const doc = /^\/instance\/([^/]+)\/document\/([^/]+)$/.exec(subpath);
  const operation = doc ? DOCUMENT_OPERATION : subpath.replace(/^\//, "");
  const spec = operationSpec(service, operation);
  if (!spec || spec.method !== method.toLowerCase()) return null;
  return {
    service,
    operation,
    params: doc ? { cuiUuid: decodeURIComponent(doc[1]!), resourceId: decodeURIComponent(doc[2]!) } : {},
  };
}

async function signed(route: Route | null, answer: Answer, audience: string, deps: InboundDeps) {
  let text = answer.text ?? (answer.body === undefined ? "" : JSON.stringify(answer.body));
  let status = answer.status;
  let contentType =
    answer.text !== undefined ? "text/plain" : answer.body === undefined ? null : "application/json";
  if (route) {
    const problems = checkResponse(
      route.service,
      route.operation,
      status,
      answer.text !== undefined ? answer.text : answer.body,
    );
    if (problems.length) {
      // Never send a message the spec does not allow: the fault is ours.
      console.error(
        `[ssu] risposta non conforme per ${route.service}/${route.operation}: ${problems.join("; ")}`,
      );
      status = 500;
      text = JSON.stringify({ code: "ERROR_500_007", message: SSU_ERRORS.ERROR_500_007.message });
      contentType = "application/json";
    }
  }
  const digest = digestOf(text);
  const token = await integrityToken({
    key: deps.key,
    issuer: deps.config.clientId,
    audience,
    digest,
    contentType,
  });
  const headers: Record<string, string> = {
    ...(answer.headers ?? {}),
    Digest: digest,
    [SIGNATURE_HEADER]: token,
    "Cache-Control": "no-store",
  };
  if (contentType) headers["Content-Type"] = contentType;
  return new Response(text === "" ? null : text, { status, headers });
}

// ---------------------------------------------------------------------------------------------- operations

interface CuiBody {
  cui?: { uuid?: string; context?: string };
  operation?: string;
  event?: string;
  [k: string]: unknown;
}

/** What each served operation needs: a known CUI (else ERROR_500_002), or none (a new instance). */
const NEEDS_KNOWN_CUI = new Set([
  "bo_to_fo/notify_receipt",
  "bo_to_fo/cancel_instance",
  "bo_to_fo/retry",
  "fo_to_bo/request_correction",
  "fo_to_bo/request_integration",
  "fo_to_bo/notify",
  "fo_to_bo/retry",
  "bo_to_et/send_conclusions",
  "bo_to_et/request_cdss",
  "bo_to_et/request_integration",
  "bo_to_et/retry",
  "et_to_bo/notify",
  "et_to_bo/retry",
]);

async function serveOperation(
  route: Route,
  bytes: Uint8Array,
  voucher: VoucherClaims,
  jti: string,
  deps: InboundDeps,
): Promise<Answer> {
  let body: CuiBody;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as CuiBody;
  } catch {
    throw new SsuFault("ERROR_400_001", "il corpo non è JSON");
  }
  const problems = checkRequest(route.service, route.operation, body);
  if (problems.length) throw new SsuFault("ERROR_400_001", problems.slice(0, 5).join("; "));
  // cancel_instance's body is the CUI itself (the spec's `cui` schema).
  const cuiUuid =
    body.cui?.uuid ?? (route.operation === "cancel_instance" ? (body.uuid as string | undefined) : undefined);
  if (!cuiUuid && route.operation !== "retry") throw new SsuFault("ERROR_400_001", "cui.uuid mancante");
  const key = `${route.service}/${route.operation}`;
  const now = deps.now?.() ?? new Date();
  await deps.db.transaction().execute(async (trx) => {
    const pratica = cuiUuid ? await localPratica(trx, cuiUuid) : null;
    const known =
      pratica ||
      (cuiUuid
        ? await trx
            .selectFrom("ssu_messages")
            .select("id")
            .where("cui_uuid", "=", cuiUuid)
            .where("service", "!=", "catalogo")
            .executeTakeFirst()
        : null);
    if (NEEDS_KNOWN_CUI.has(key) && !known)
      throw new SsuFault("ERROR_500_002", "CUI sconosciuto a questo portale");
    await trx
      .insertInto("ssu_messages")
      .values({
        id: randomUUID(),
        direction: "in",
        service: route.service,
        operation: route.operation,
        cui_uuid: cuiUuid ?? null,
        pratica_id: pratica?.id ?? null,
        peer: voucher.clientId,
        body: JSON.stringify(body),
        http_status: 200,
        message_key: `in:${jti}`,
      })
      .execute();
    if (pratica) {
      await deps.record(trx, {
        praticaId: pratica.id,
        event: {
          type: "INTEGRATION_RESULT",
          at: now.toISOString(),
          kind: "ssu",
          operation: `ricevuto:${key}`,
          callId: jti,
          ok: true,
          result: { event: body.event ?? null, from: voucher.clientId },
        },
      });
      // The message steps the pratica through the engine (ADR 0025); a refused step is the peer's problem
      // to know about (ERROR_500_002-like), never a half-applied change.
      const service = route.service;
      // serveOperation never sees the Catalogo's services (handleSsuRequest routes them to serveCatalogue)
      if (isCatalogueService(service)) throw new SsuFault("ERROR_500_002", "operazione non disponibile");
      try {
        await stepFromInbound(
          trx,
          {
            service,
            operation: route.operation,
            body,
            peer: voucher.clientId,
            praticaId: pratica.id,
            now,
          },
          deps.record,
        );
      } catch (error) {
        if ((error as Error).name !== "EngineError") throw error;
        throw new SsuFault(
          "ERROR_500_009",
          `l'operazione non è ammessa nello stato della pratica: ${(error as Error).message}`,
        );
      }
    }
    if (key === "bo_to_et/request_cdss" && pratica) {
      // An agency asks for a synchronous conferenza (art. 14-ter): the desk decides; it is told at once.
      const who = body.requester_administration as { description?: string; officecode?: string } | undefined;
      await deps.alert(trx, {
        praticaId: pratica.id,
        template: "ssu_richiesta_cdss",
        text: `L'ente ${who?.description ?? who?.officecode ?? "terzo"} chiede di convocare la conferenza di servizi in forma simultanea e sincrona sulla pratica ${pratica.cui ?? pratica.id}: valuta la richiesta e, se la accogli, indici la conferenza.`,
      });
    }
    if (route.operation === "send_instance" && cuiUuid) {
      // The receiver fetches every resource of the index from the sender (document operation), after COMMIT.
      const sender = route.service === "bo_to_fo" ? "fo_to_bo" : "bo_to_et";
      type Item = { resource_id: string; hash: string; alg_hash: string; code?: string; ref?: string };
      const items = [...((body.instance_index as Item[]) ?? []), ...((body.general_index as Item[]) ?? [])];
      const suap = body.cui?.context ?? "*";
      const url = deps.catalogue.endpoint(sender, { suap, office: "*" });
      // A new instance: its regime and times come from the Catalogo's descriptor (ADR 0031), asked first; the
      // instance itself is fetched after the answer (same order key), its attachments meanwhile.
      const arrival = `ssu-arrival:${cuiUuid}`;
      const lookup = !pratica && (await queueDescriptorLookup(trx, deps.config, cuiUuid, arrival, now));
      for (const item of items) {
        await enqueueCall(trx, {
          kind: "ssu",
          operation: `${sender}.document`,
          target: url ?? "nessuno",
          idempotencyKey: `ssu-doc:${jti}:${item.resource_id}`,
          praticaId: pratica?.id ?? null,
          notBefore: now,
          ...(lookup && item.resource_id === INSTANCE_RESOURCE ? { orderKey: arrival } : {}),
          payload: {
            service: sender,
            operation: DOCUMENT_OPERATION,
            url,
            cuiUuid,
            resource: {
              id: item.resource_id,
              hash: item.hash,
              alg: item.alg_hash,
              code: item.code,
              name: item.ref,
            },
          },
        });
      }
      await deps.catalogue.audit(trx, { cuiUuid, event: "instance_received", praticaId: pratica?.id });
    }
    if (route.operation === "retry") await serveRetry(trx, route, body, pratica?.id ?? null, jti, deps);
  });
  return { status: 200 };
}

/**
 * An inbound retry: the peer found our message inconsistent. The last call of that operation for the CUI is
 * made again (a new queued call, same payload, new key) and the operator is alerted to check it.
 */
async function serveRetry(
  trx: Transaction<Database>,
  route: Route,
  body: CuiBody,
  praticaId: string | null,
  jti: string,
  deps: InboundDeps,
) {
  const cuiUuid = body.cui?.uuid;
  const operation = body.operation;
  if (!cuiUuid || !operation) throw new SsuFault("ERROR_400_001", "retry senza cui o operation");
  // The e-service the original call went to: the one of the peer asking (bo_to_fo retry is about fo_to_bo calls).
  const calledService = (
    { bo_to_fo: "fo_to_bo", fo_to_bo: "bo_to_fo", bo_to_et: "et_to_bo", et_to_bo: "bo_to_et" } as Record<
      string,
      string
    >
  )[route.service];
  const last = await trx
    .selectFrom("integration_calls")
    .selectAll()
    .where("kind", "=", "ssu")
    .where("operation", "=", `${calledService}.${operation}`)
    .where(sql<string>`payload->>'cuiUuid'`, "=", cuiUuid)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!last) throw new SsuFault("ERROR_500_009", `nessun invio di ${operation} per questo CUI`);
  await enqueueCall(trx, {
    kind: "ssu",
    operation: last.operation,
    target: last.target,
    idempotencyKey: `ssu-retry:${jti}`,
    praticaId: last.pratica_id,
    payload: { ...(last.payload as Record<string, unknown>), retryOf: last.id },
  });
  await deps.alert(trx, {
    praticaId: praticaId ?? last.pratica_id,
    text: `Il sistema SSU destinatario ha chiesto la ritrasmissione di ${operation} (${body.error && typeof body.error === "object" ? JSON.stringify(body.error) : "senza dettaglio"}): l'invio è stato ripetuto, verifica i dati inviati.`,
  });
}

async function localPratica(trx: Transaction<Database> | Kysely<Database>, cuiUuid: string) {
  // The CUI's uuid is the pratica's id (app/domain/filing/cui.ts), or the national CUI's (pratiche.ssu_cui).
  const p = await praticaOfCui(trx, cuiUuid);
  return p?.cui ? p : null;
}

// ---------------------------------------------------------------------------------------------- document

class RangeFault extends SsuFault {
  constructor(readonly size: number) {
    super("ERROR_416_001");
  }
}

/**
 * The document operation: `If-Match` carrying the resource's hash is required (428), must match (412); a
 * single-part `Range` over the resource's bytes answers 206 with `Content-Range` (416 when it cannot be
 * satisfied, or asks for several parts); the body is the bytes (or the part) in base64, `text/plain`.
 */
async function serveDocument(
  request: Request,
  route: Route,
  voucher: VoucherClaims,
  deps: InboundDeps,
): Promise<Answer> {
  const { cuiUuid = "", resourceId = "" } = route.params;
  const ifMatch = request.headers.get("if-match");
  if (!ifMatch) throw new SsuFault("ERROR_428_001");
  // Bound to the peer (ADR 0026): only the component the instance was sent to or received from may fetch its
  // documents; to any other PDND client the resource does not exist (404 ERROR_404_001, the spec's answer
  // for this operation: a valid voucher is not a 401 case).
  const resource = (await boundToPeer(deps.db, cuiUuid, voucher.clientId))
    ? await findResource(deps.db, cuiUuid, resourceId)
    : null;
  if (!resource) throw new SsuFault("ERROR_404_001");
  const wanted = ifMatch
    .split(",")
    .map((t) => t.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase());
  if (!wanted.includes(resource.sha256.toLowerCase()) && !wanted.includes("*"))
    throw new SsuFault("ERROR_412_001");
  const bytes = await resource.read(deps.files);
  const rangeHeader = request.headers.get("range");
  const etag = `"${resource.sha256}"`;
  if (!rangeHeader)
    return { status: 200, text: Buffer.from(bytes).toString("base64"), headers: { ETag: etag } };
  const range = parseRange(rangeHeader, bytes.byteLength);
  if (!range) throw new RangeFault(bytes.byteLength);
  return {
    status: 206,
    text: Buffer.from(bytes.subarray(range.start, range.end + 1)).toString("base64"),
    headers: { "Content-Range": `bytes ${range.start}-${range.end}/${bytes.byteLength}`, ETag: etag },
  };
}

/**
 * Whether `clientId` is a peer of this CUI: it sent us a message about it (inbound, `peer` is the voucher's
 * client), or we sent it one (outbound, `peer_client_id` is the signer of its answer).
 */
export async function boundToPeer(db: Kysely<Database>, cuiUuid: string, clientId: string) {
  const row = await db
    .selectFrom("ssu_messages")
    .select("id")
    .where("cui_uuid", "=", cuiUuid)
    .where("service", "in", ["bo_to_fo", "fo_to_bo", "bo_to_et", "et_to_bo"])
    .where("operation", "!=", DOCUMENT_OPERATION)
    .where((eb) =>
      eb.or([
        eb.and([eb("direction", "=", "in"), eb("peer", "=", clientId)]),
        eb.and([eb("direction", "=", "out"), eb("peer_client_id", "=", clientId)]),
      ]),
    )
    .executeTakeFirst();
  return !!row;
}

interface Resource {
  sha256: string;
  read(files: FileStore): Promise<Uint8Array>;
}

/**
 * A resource of a local pratica: an attachment or an issued document by id, the instance's canonical JSON of a
 * usecase (`istanza-<usecase>`), or a document fetched from a peer (`ssu_messages` of the document operation).
 */
export async function findResource(
  db: Kysely<Database>,
  cuiUuid: string,
  resourceId: string,
): Promise<Resource | null> {
  const pratica = await localPratica(db, cuiUuid);
  if (pratica && resourceId === INSTANCE_RESOURCE) {
    const instance = await instanceResource(db, pratica.id);
    if (instance) return { sha256: instance.sha256, read: async () => instance.bytes };
  }
  if (pratica && resourceId.startsWith(MODULO_RESOURCE_PREFIX)) {
    const modulo = await storedModulo(db, pratica.id, resourceId.slice(MODULO_RESOURCE_PREFIX.length));
    if (modulo) {
      const bytes = Buffer.from(modulo.xml, "utf8");
      return { sha256: modulo.sha256, read: async () => bytes };
    }
  }
  if (pratica && /^[0-9a-f-]{36}$/i.test(resourceId)) {
    const attachment = await db
      .selectFrom("attachments")
      .select(["sha256", "storage_key"])
      .where("id", "=", resourceId)
      .where("pratica_id", "=", pratica.id)
      .executeTakeFirst();
    const doc =
      attachment ??
      (await db
        .selectFrom("documents")
        .select(["sha256", "storage_key"])
        .where("id", "=", resourceId)
        .where("pratica_id", "=", pratica.id)
        .executeTakeFirst());
    if (doc) return { sha256: doc.sha256, read: (files) => files.get(doc.storage_key) };
  }
  // Resources this portal holds for a CUI it received (forwarding to an agency serves them on).
  const held = await db
    .selectFrom("ssu_messages")
    .select(["body"])
    .where("cui_uuid", "=", cuiUuid)
    .where("direction", "=", "in")
    .where("operation", "=", "document")
    .where(sql<string>`body->>'resource_id'`, "=", resourceId)
    .executeTakeFirst();
  if (held) {
    const b = held.body as { sha256: string; storage_key: string };
    return { sha256: b.sha256, read: (files) => files.get(b.storage_key) };
  }
  return null;
}
