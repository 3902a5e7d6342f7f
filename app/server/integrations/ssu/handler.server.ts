import { randomUUID } from "node:crypto";
import { sql, type Transaction } from "kysely";
import type { Database } from "../../db/schema.server";
import type { Env } from "../../env.server";
import {
  type CallOutcome,
  type IntegrationCall,
  type IntegrationHandler,
  type ResultContext,
  ssuRetryPolicy,
} from "../types.server";
import { type CataloguePort, recordCatalogueResult } from "./catalogue.server";
import { romeDate } from "~/domain/dates";
import { findPratica, lockPraticaColumns } from "../../pratiche/repository.server";
import { enqueueCall } from "../queue.server";
import { callSsu, type ClientDeps } from "./client.server";
import type { SsuConfig } from "./config.server";
import { documentArrived, lockInstance } from "./flow.server";
import {
  DESCRIPTOR_OPERATION,
  DOCUMENT_OPERATION,
  isCatalogueService,
  type SpecService,
  type SsuService,
} from "./openapi.server";
import { ssuRuntime } from "./runtime.server";

/** The payload of a queued SSU call (`operation` = `<service>.<operation>` of the peer's e-service). */
export interface SsuCallPayload {
  service: SpecService;
  operation: string;
  /** the peer's e-service address, from the catalogue */
  url: string | null;
  cuiUuid: string;
  body?: Record<string, unknown>;
  resource?: { id: string; hash: string; alg: string; code?: string; name?: string };
  retryOf?: string;
}

/**
 * The handler of "ssu" calls: each one through the client (voucher, integrity token, OpenAPI both ways)
 * with the SSU retry rule (timeout / 503 / 500 ERROR_500_007 at +2 h, +4 h, +8 h, then the desk is alerted).
 * A fetched document is stored by its SHA-256 and kept as a resource of the CUI; every sent message is traced
 * in ssu_messages, audited to the catalogue, and recorded on the local pratica's chain.
 */
export function ssuHandler(env: Env, overrides: Partial<ClientDeps> = {}): IntegrationHandler {
  const rt = ssuRuntime(env);
  return {
    kind: "ssu",
    retry: ssuRetryPolicy,
    target: (_operation, payload) => String((payload as { url?: string }).url ?? "nessuno"),
    async execute(call, ctx): Promise<CallOutcome> {
      const p = call.payload as unknown as SsuCallPayload;
      if (!p.url)
        return { ok: false, timeout: false, message: `Il catalogo non indica l'e-service ${p.service}.` };
      const deps: ClientDeps = {
        db: ctx.db,
        config: rt.config,
        key: await rt.key(),
        resolveKey: rt.resolveKey,
        ...overrides,
      };
      const outcome = await callSsu(
        deps,
        {
          service: p.service,
          operation: p.operation,
          url: p.url,
          body: p.body,
          document: p.resource
            ? { cuiUuid: p.cuiUuid, resourceId: p.resource.id, hash: p.resource.hash }
            : undefined,
          descriptorOf: p.operation === DESCRIPTOR_OPERATION ? p.cuiUuid : undefined,
          idempotencyKey: call.idempotency_key,
        },
        ctx.signal,
      );
      if (!outcome.ok)
        return {
          ok: false,
          timeout: outcome.timeout,
          message: outcome.message,
          httpStatus: outcome.httpStatus,
          bodyCode: outcome.bodyCode,
        };
      if (p.operation === DOCUMENT_OPERATION && outcome.reply) {
        const stored = await ctx.files.put(Buffer.from(outcome.reply.text, "base64"));
        return {
          ok: true,
          result: {
            status: outcome.reply.status,
            sha256: stored.sha256,
            storage_key: stored.key,
            size: stored.size,
          },
        };
      }
      return {
        ok: true,
        result: {
          status: outcome.reply?.status ?? 200,
          ...(outcome.reply?.peerClientId ? { peer_client_id: outcome.reply.peerClientId } : {}),
          ...(outcome.reply?.body && typeof outcome.reply.body === "object" && isCatalogueService(p.service)
            ? { answer: outcome.reply.body }
            : {}),
        },
      };
    },
    onResult: (trx, call, outcome, ctx) => recordSsuResult(trx, call, outcome, ctx, rt.catalogue, rt.config),
  };
}

/**
 * The pratica's row first, before any row referencing it (ssu_messages, the audit's trace): two results of one
 * pratica recorded at once (a notify to the front office and one to the agency) would otherwise each hold the
 * key-share lock of those inserts and wait for the other's to take the row for the chain (a deadlock on Postgres).
 */
async function lockPraticaRow(trx: Transaction<Database>, praticaId: string | null) {
  if (praticaId) await lockPraticaColumns(trx, praticaId, ["id"]);
}

async function recordSsuResult(
  trx: Transaction<Database>,
  call: IntegrationCall,
  outcome: CallOutcome,
  ctx: ResultContext,
  catalogue: CataloguePort,
  config: SsuConfig,
) {
  const p = call.payload as unknown as SsuCallPayload;
  const isDocument = p.operation === DOCUMENT_OPERATION;
  // A call to the Catalogo SSU: traced, its answer kept (request_cui's CUI), never audited to itself.
  if (isCatalogueService(p.service)) {
    await lockPraticaRow(trx, call.pratica_id);
    return recordCatalogueResult(trx, call, outcome, ctx);
  }
  if (isDocument && outcome.ok) await lockInstance(trx, p.cuiUuid);
  await lockPraticaRow(trx, call.pratica_id);
  if (outcome.ok) {
    await trx
      .insertInto("ssu_messages")
      .values({
        id: randomUUID(),
        direction: isDocument ? "in" : "out",
        service: p.service,
        operation: p.operation,
        cui_uuid: p.cuiUuid,
        pratica_id: call.pratica_id,
        peer: p.url ?? "nessuno",
        body: JSON.stringify(
          isDocument
            ? {
                resource_id: p.resource?.id,
                code: p.resource?.code,
                name: p.resource?.name,
                ...outcome.result,
              }
            : (p.body ?? {}),
        ),
        http_status: Number(outcome.result.status ?? 200),
        peer_client_id: (outcome.result.peer_client_id as string | undefined) ?? null,
        message_key: `call:${call.idempotency_key}`,
      })
      .onConflict((oc) => oc.column("message_key").doNothing())
      .execute();
    const event = isDocument
      ? "instance_retrived"
      : p.operation === "notify"
        ? String(p.body?.event ?? "notify")
        : p.operation === "retry"
          ? `retry_requested_for_${String(p.body?.operation ?? "")}`
          : p.operation;
    const already =
      isDocument &&
      (await trx
        .selectFrom("ssu_messages")
        .select("id")
        .where("service", "=", "catalogo")
        .where("cui_uuid", "=", p.cuiUuid)
        .where(sql<string>`body->>'event'`, "=", "instance_retrived")
        .executeTakeFirst());
    if (!already) await catalogue.audit(trx, { cuiUuid: p.cuiUuid, event, praticaId: call.pratica_id });
  }
  let praticaId = call.pratica_id;
  if (outcome.ok && isDocument && p.resource) {
    // The resource becomes the pratica's attachment; the instance itself opens the local copy (ADR 0025).
    await documentArrived(
      trx,
      {
        cuiUuid: p.cuiUuid,
        resourceId: p.resource.id,
        code: p.resource.code,
        name: p.resource.name,
        sha256: String(outcome.result.sha256),
        storageKey: String(outcome.result.storage_key),
        size: Number(outcome.result.size),
        now: ctx.now,
      },
      { config, catalogue, files: ctx.files, dispatch: ctx.dispatch },
    );
    if (!praticaId) {
      const opened = await findPratica(trx, p.cuiUuid);
      praticaId = opened?.id ?? null;
    }
  }
  if (outcome.ok && p.service === "bo_to_fo" && p.operation === "send_instance" && call.pratica_id) {
    // The front office issued the receipt on filing: once the back office has the instance, it is told the
    // receipt's date (bo_to_fo notify_receipt), from which it counts the terms.
    const pratica = await findPratica(trx, call.pratica_id);
    const body = p.body as { cui?: unknown; instance_descriptor_version?: string } | undefined;
    if (pratica && body?.instance_descriptor_version === "1")
      await enqueueCall(trx, {
        kind: "ssu",
        operation: "bo_to_fo.notify_receipt",
        target: p.url ?? "nessuno",
        idempotencyKey: `ssu:${call.pratica_id}:notify_receipt`,
        praticaId: call.pratica_id,
        payload: {
          service: "bo_to_fo",
          operation: "notify_receipt",
          url: p.url,
          cuiUuid: p.cuiUuid,
          body: { cui: body.cui, date: romeDate(new Date(pratica.submitted_at ?? ctx.now)) },
        },
        notBefore: ctx.now,
      });
  }
  if (praticaId) {
    await ctx.dispatch(trx, {
      praticaId,
      event: {
        type: "INTEGRATION_RESULT",
        at: ctx.now.toISOString(),
        kind: "ssu",
        operation: call.operation,
        callId: call.id,
        ok: outcome.ok,
        ...(outcome.ok ? { result: { status: outcome.result.status ?? 200 } } : { error: outcome.message }),
      },
    });
  }
}
