import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.server";
import type { CallOutcome } from "../types.server";
import { purposeFor, type SsuConfig, type SsuKey } from "./config.server";
import {
  checkRequest,
  checkResponse,
  DESCRIPTOR_OPERATION,
  DOCUMENT_OPERATION,
  type SpecService,
} from "./openapi.server";
import {
  digestOf,
  integrityToken,
  type KeyResolver,
  rememberToken,
  requestVoucher,
  SIGNATURE_HEADER,
  type Voucher,
  verifyIntegrity,
} from "./security.server";

/**
 * The SSU client: calls an operation of a peer's e-service with a PDND voucher for the purpose this portal
 * holds for it and an Agid-JWT-Signature over the body; checks the request against the official OpenAPI
 * before sending and the response (its signature, digest, jti never seen, and its schema) before believing it.
 * Failures are described for the queue's SSU retry rule: no answer (timeout, connection refused: the peer is
 * down), 503, or 500 with the body's code.
 */

export interface ClientDeps {
  db: Kysely<Database>;
  config: SsuConfig;
  key: SsuKey;
  resolveKey: KeyResolver;
  timeoutMs?: number;
}

const vouchers = new Map<string, Voucher>();

async function voucherFor(deps: ClientDeps, service: SpecService, signal?: AbortSignal) {
  const purposeId = purposeFor(deps.config, service);
  if (!purposeId) throw new Error(`nessuna finalità PDND configurata per ${service} (SSU_PURPOSES)`);
  const cacheKey = `${deps.config.pdnd.tokenUrl}|${deps.config.clientId}|${purposeId}`;
  const cached = vouchers.get(cacheKey);
  if (cached && cached.expiresAt > Date.now() + 30_000) return cached.token;
  const fresh = await requestVoucher({
    tokenUrl: deps.config.pdnd.tokenUrl,
    key: deps.key,
    clientId: deps.config.clientId,
    assertionAudience: deps.config.pdnd.assertionAudience,
    purposeId,
    signal,
  });
  vouchers.set(cacheKey, fresh);
  return fresh.token;
}

export interface SsuRequest {
  service: SpecService;
  operation: string;
  /** the peer's e-service address, e.g. https://bo.example.it/api/ssu/bo_to_fo */
  url: string;
  body?: Record<string, unknown>;
  document?: { cuiUuid: string; resourceId: string; hash: string; range?: string };
  /** the Catalogo's instance_descriptor look-up (GET …/instance_descriptor/{cui_uuid}) */
  descriptorOf?: string;
  idempotencyKey?: string;
}

export interface SsuReply {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
  /** the PDND client that signed the answer (its Agid-JWT-Signature `iss`): the peer's identity */
  peerClientId?: string;
}

function failure(message: string, extra: Partial<Extract<CallOutcome, { ok: false }>> = {}): CallOutcome {
  return { ok: false, timeout: false, message, ...extra };
}

/** One call, answered as the queue wants it. `ok` carries the reply's status and body. */
export async function callSsu(
  deps: ClientDeps,
  req: SsuRequest,
  signal?: AbortSignal,
): Promise<CallOutcome & { reply?: SsuReply }> {
  const isDocument = req.operation === DOCUMENT_OPERATION;
  const isGet = isDocument || req.operation === DESCRIPTOR_OPERATION;
  if (!isGet) {
    const problems = checkRequest(req.service, req.operation, req.body);
    if (problems.length)
      return failure(
        `Messaggio ${req.operation} non conforme all'OpenAPI di ${req.service}: ${problems.join("; ")}`,
      );
  }
  const signals = [AbortSignal.timeout(deps.timeoutMs ?? 30_000), ...(signal ? [signal] : [])];
  const any = AbortSignal.any(signals);
  let response: Response;
  try {
    const voucher = await voucherFor(deps, req.service, any);
    const text = isGet ? "" : JSON.stringify(req.body);
    const contentType = isGet ? null : "application/json";
    const digest = digestOf(text);
    const headers: Record<string, string> = {
      authorization: `Bearer ${voucher}`,
      [SIGNATURE_HEADER]: await integrityToken({
        key: deps.key,
        issuer: deps.config.clientId,
        audience: req.url,
        digest,
        contentType,
      }),
      digest,
      accept: isDocument ? "text/plain" : "application/json",
    };
    if (contentType) headers["content-type"] = contentType;
    if (req.idempotencyKey) headers["idempotency-key"] = req.idempotencyKey;
    let target = `${req.url}/${req.operation}`;
    if (isDocument && req.document) {
      headers["if-match"] = `"${req.document.hash}"`;
      if (req.document.range) headers.range = req.document.range;
      target = `${req.url}/instance/${encodeURIComponent(req.document.cuiUuid)}/document/${encodeURIComponent(req.document.resourceId)}`;
    }
    if (req.operation === DESCRIPTOR_OPERATION)
      target = `${req.url}/instance_descriptor/${encodeURIComponent(req.descriptorOf ?? "")}`;
    response = await fetch(target, {
      method: isGet ? "GET" : "POST",
      headers,
      body: isGet ? undefined : text,
      signal: any,
    });
  } catch (error) {
    const e = error as Error;
    const cause = (e.cause as Error | undefined)?.message ?? e.message;
    // No answer at all (timeout, refused, reset): the spec's timeout case, retried by the SSU rule.
    if (e.name === "VoucherError")
      return failure(e.message, { httpStatus: (e as { httpStatus?: number }).httpStatus });
    return {
      ok: false,
      timeout: true,
      message: `Il sistema SSU ${req.url} non ha risposto (${cause}).`,
    };
  }
  const buffer = new Uint8Array(await response.arrayBuffer());
  if (buffer.byteLength > deps.config.documentMaxBytes)
    return failure(`La risposta supera ${deps.config.documentMaxBytes} byte.`, {
      httpStatus: response.status,
    });
  const text = new TextDecoder().decode(buffer);
  // The answer must be signed by the peer, for us, over exactly this body, once.
  const token = response.headers.get(SIGNATURE_HEADER);
  let peerClientId: string | undefined;
  if (!token)
    return failure(`La risposta di ${req.url} non ha Agid-JWT-Signature.`, { httpStatus: response.status });
  try {
    const claims = await verifyIntegrity(token, {
      body: buffer,
      digestHeader: response.headers.get("digest"),
      contentType: response.headers.get("content-type")?.split(";")[0] ?? null,
      audience: deps.config.clientId,
      resolveKey: deps.resolveKey,
    });
    peerClientId = claims.iss;
    if (!(await rememberToken(deps.db, { jti: claims.jti, issuer: claims.iss, exp: claims.exp })))
      return failure(`La risposta di ${req.url} ripete un Agid-JWT-Signature già visto.`, {
        httpStatus: response.status,
      });
  } catch (error) {
    return failure(`La firma della risposta di ${req.url} non è valida: ${(error as Error).message}.`, {
      httpStatus: response.status,
    });
  }
  const isJson = (response.headers.get("content-type") ?? "").includes("json");
  let body: unknown = text === "" ? undefined : text;
  if (isJson) {
    try {
      body = JSON.parse(text);
    } catch {
      return failure(`La risposta di ${req.url} non è JSON valido.`, { httpStatus: response.status });
    }
  }
  const problems = checkResponse(req.service, req.operation, response.status, body);
  const reply: SsuReply = { status: response.status, body, text, headers: response.headers, peerClientId };
  const code = body && typeof body === "object" ? String((body as { code?: unknown }).code ?? "") : undefined;
  if (response.status === 200 || response.status === 206) {
    if (problems.length)
      return {
        ...failure(`Risposta non conforme all'OpenAPI: ${problems.join("; ")}`, {
          httpStatus: response.status,
        }),
        reply,
      };
    if (isDocument && req.document) {
      const bytes = Buffer.from(text, "base64");
      if (
        response.status === 200 &&
        createHash("sha256").update(bytes).digest("hex") !== req.document.hash.toLowerCase()
      )
        return {
          ...failure("Il documento ricevuto non corrisponde all'impronta attesa.", { httpStatus: 200 }),
          reply,
        };
    }
    return { ok: true, result: { status: response.status }, reply };
  }
  const message =
    body && typeof body === "object"
      ? String((body as { message?: unknown }).message ?? "")
      : text.slice(0, 200);
  return {
    ...failure(`Il sistema SSU ha risposto ${response.status}${code ? ` ${code}` : ""}: ${message}`, {
      httpStatus: response.status,
      bodyCode: code || undefined,
    }),
    reply,
  };
}
