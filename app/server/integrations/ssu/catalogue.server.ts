import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Kysely, Transaction } from "kysely";
import { romeDateTime } from "../../../domain/dates";
import { formatCui, parseCui } from "../../../domain/filing/cui";
import type { Database } from "../../db/schema.server";
import { findPratica, findPraticaBySsuCuiUuid } from "../../pratiche/repository.server";
import { enqueueCall } from "../queue.server";
import type { CallOutcome, IntegrationCall, ResultContext } from "../types.server";
import { purposeFor, type SsuConfig } from "./config.server";
import { type CatalogueService, checkRequest, DESCRIPTOR_OPERATION, type SsuService } from "./openapi.server";

/**
 * The catalogue port: where the peers' e-services are (the Catalogo SSU's fo_system, bo_system and
 * third_party_system data: `e_service_to_bo`, `e_service_to_fo`, `e_service_to_et`) and where audit messages
 * go (`audit(cui, event)`: instance_retrived, end_by_*, retry_requested_for_*, ...).
 *
 * The development adapter is this portal's own catalogue: peers come from SSU_CATALOGUE_FILE (the same data
 * the national catalogue returns, keyed by SUAP and by agency office) or, without it, this portal itself for
 * every role; audit messages are kept in ssu_messages (service `catalogo`, operation `audit`), the local trace.
 *
 * The Catalogo SSU's own e-services (ADR 0026, catalogo-ssu_to_{fo,bo,et}.yaml) are called through the queue,
 * after COMMIT, with the SSU retry rule, exactly as every SSU call: `request_cui` when a pratica is filed,
 * `audit` for the spec's audit messages, `update_times` when the clock changes. Their address is the national
 * catalogue's (SSU_CATALOGUE_ENDPOINTS) or, in development, this portal's own catalogue on loopback
 * (catalogue-serve.server.ts), which speaks the same protocol: the client is the same.
 */

export interface PeerSystems {
  /** per SUAP (the CUI context, e.g. SUAP-AVC; "*" for any) */
  suap?: Record<
    string,
    {
      fo_system?: { e_service_to_bo?: string };
      bo_system?: { e_service_to_fo?: string; e_service_to_et?: string };
    }
  >;
  /** per agency office (`ipacode/officecode`, or "*") */
  third_party_system?: Record<string, { e_service_to_bo?: string }>;
}

export interface CataloguePort {
  /** The address of the e-service `service` for this SUAP (or agency office); null when the catalogue has none. */
  endpoint(service: SsuService, opts: { suap: string; office?: string }): string | null;
  audit(
    trx: Transaction<Database>,
    entry: { cuiUuid: string; event: string; praticaId?: string | null; at?: Date },
  ): Promise<void>;
}

/** The Catalogo e-service this portal calls for an operation (request_cui is the front office's). */
export function catalogueServiceFor(config: SsuConfig, operation: string): CatalogueService {
  if (operation === "request_cui") return "catalogo_ssu_to_fo";
  if (operation === "update_times") return "catalogo_ssu_to_bo";
  return config.roles.includes("back_office")
    ? "catalogo_ssu_to_bo"
    : config.roles.includes("front_office")
      ? "catalogo_ssu_to_fo"
      : "catalogo_ssu_to_et";
}

/**
 * The address of a Catalogo e-service, or null when this configuration cannot call it (no address, or no
 * PDND purpose for it): then nothing is queued for the Catalogo.
 */
export function catalogueUrl(config: SsuConfig, service: CatalogueService): string | null {
  if (!purposeFor(config, service)) return null;
  const url =
    config.catalogue.endpoints[service] ??
    (config.catalogue.development ? `${config.audience}/${service}` : null);
  return url ? url.replace(/\/$/, "") : null;
}

/** The CUI object of a CUI uuid, as the messages carry it (both spellings of the progressive). */
export async function cuiObject(db: Kysely<Database> | Transaction<Database>, cuiUuid: string) {
  if (/^[0-9a-f-]{36}$/i.test(cuiUuid)) {
    const p = (await findPratica(db, cuiUuid.toLowerCase())) ?? (await findPraticaBySsuCuiUuid(db, cuiUuid));
    // The CUI the Catalogo registered, once it answered request_cui; until then the pratica's own.
    const parsed = p?.ssu_cui ? parseCui(p.ssu_cui) : p?.cui ? parseCui(p.cui) : null;
    if (parsed) return { ...parsed, progressivo: parsed.progressive };
  }
  const m = await db
    .selectFrom("ssu_messages")
    .select("body")
    .where("cui_uuid", "=", cuiUuid)
    .where("direction", "=", "in")
    .where("operation", "!=", "document")
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  const c = (m?.body as { cui?: Record<string, string> } | undefined)?.cui;
  return c?.uuid ? c : null;
}

/**
 * Queues a call to the Catalogo (after COMMIT, SSU retry rule). Returns false when nothing was queued: the
 * configuration has no Catalogo to call, or the message does not conform to the Catalogo's OpenAPI (e.g. an
 * event that is not one of the spec's audit messages).
 */
export async function queueCatalogueCall(
  trx: Transaction<Database>,
  config: SsuConfig,
  call: {
    operation: "request_cui" | "audit" | "update_times";
    cuiUuid: string;
    praticaId: string | null;
    body: Record<string, unknown>;
    idempotencyKey: string;
  },
): Promise<boolean> {
  const service = catalogueServiceFor(config, call.operation);
  const url = catalogueUrl(config, service);
  if (!url) return false;
  if (checkRequest(service, call.operation, call.body).length) return false;
  await enqueueCall(trx, {
    kind: "ssu",
    operation: `${service}.${call.operation}`,
    target: url,
    idempotencyKey: call.idempotencyKey,
    praticaId: call.praticaId,
    payload: { service, operation: call.operation, url, cuiUuid: call.cuiUuid, body: call.body },
    // The Catalogo's messages of one CUI are made one at a time, in the order they were queued (0027).
    orderKey: `catalogo:${call.praticaId ?? call.cuiUuid}`,
  });
  return true;
}

/**
 * Queues the Catalogo's `instance_descriptor` look-up of a CUI received from a peer (ADR 0031): its answer is
 * kept in ssu_messages and gives the receiving copy its regime and times (flow.server.ts `catalogueTerms`).
 * `orderKey` puts it before the instance's own fetch. False when this configuration has no Catalogo to ask.
 */
export async function queueDescriptorLookup(
  trx: Transaction<Database>,
  config: SsuConfig,
  cuiUuid: string,
  orderKey: string,
  now: Date,
): Promise<boolean> {
  const service = catalogueServiceFor(config, DESCRIPTOR_OPERATION);
  const url = catalogueUrl(config, service);
  if (!url) return false;
  await enqueueCall(trx, {
    kind: "ssu",
    operation: `${service}.${DESCRIPTOR_OPERATION}`,
    target: url,
    idempotencyKey: `ssu-descriptor:${cuiUuid}`,
    praticaId: null,
    payload: { service, operation: DESCRIPTOR_OPERATION, url, cuiUuid },
    orderKey,
    notBefore: now,
  });
  return true;
}

/** The descriptor the Catalogo answered for a CUI (the latest look-up), or null. */
export async function catalogueDescriptorOf(db: Kysely<Database> | Transaction<Database>, cuiUuid: string) {
  const row = await db
    .selectFrom("ssu_messages")
    .select("body")
    .where("cui_uuid", "=", cuiUuid)
    .where("direction", "=", "out")
    .where("operation", "=", DESCRIPTOR_OPERATION)
    .where("service", "in", ["catalogo_ssu_to_bo", "catalogo_ssu_to_fo", "catalogo_ssu_to_et"])
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  const answer = (row?.body as { answer?: unknown } | undefined)?.answer;
  return answer && typeof answer === "object" ? (answer as Record<string, unknown>) : null;
}

export function developmentCatalogue(config: SsuConfig): CataloguePort {
  // Read at each look-up: the catalogue's data change (REQ_11-12: no stale cache), and the file is small.
  const read = (): PeerSystems | null => {
    if (!config.catalogueFile) return null;
    try {
      return JSON.parse(readFileSync(config.catalogueFile, "utf8")) as PeerSystems;
    } catch (error) {
      throw new Error(
        `SSU_CATALOGUE_FILE non è leggibile o non è JSON (${(error as Error).message}): indica il file con i sistemi FO, BO ed enti terzi.`,
      );
    }
  };
  return {
    endpoint(service, { suap, office }) {
      const systems = read();
      if (!systems) return `${config.audience}/${service}`;
      const s = systems.suap?.[suap] ?? systems.suap?.["*"];
      const t = office
        ? (systems.third_party_system?.[office] ?? systems.third_party_system?.["*"])
        : undefined;
      const url =
        service === "fo_to_bo"
          ? s?.fo_system?.e_service_to_bo
          : service === "bo_to_fo"
            ? s?.bo_system?.e_service_to_fo
            : service === "bo_to_et"
              ? s?.bo_system?.e_service_to_et
              : t?.e_service_to_bo;
      return url ? url.replace(/\/$/, "") : null;
    },
    async audit(trx, entry) {
      // The Catalogo's audit e-service, for the messages its spec knows (instance_retrived, end_by_*, ...).
      const cui = await cuiObject(trx, entry.cuiUuid);
      const at = entry.at ?? new Date();
      if (cui)
        await queueCatalogueCall(trx, config, {
          operation: "audit",
          cuiUuid: entry.cuiUuid,
          praticaId: entry.praticaId ?? null,
          body: { cui, message: entry.event, event_time: romeDateTime(at) },
          idempotencyKey: `ssu-audit:${entry.cuiUuid}:${entry.event}:${at.toISOString()}:${randomUUID()}`,
        });
      await trx
        .insertInto("ssu_messages")
        .values({
          id: randomUUID(),
          direction: "out",
          service: "catalogo",
          operation: "audit",
          cui_uuid: entry.cuiUuid,
          pratica_id: entry.praticaId ?? null,
          peer: "catalogo-sviluppo",
          body: JSON.stringify({ cui_uuid: entry.cuiUuid, event: entry.event }),
          http_status: 200,
          message_key: `audit:${randomUUID()}`,
        })
        .execute();
    },
  };
}

/**
 * The result of a call to the Catalogo: traced in ssu_messages; request_cui's answer gives the pratica the CUI
 * the Catalogo registered (`ssu_cui`), recorded on its chain as the result of the call (the engine's path).
 * A failure is the queue's business (SSU retry rule, then the desk is alerted).
 */
export async function recordCatalogueResult(
  trx: Transaction<Database>,
  call: IntegrationCall,
  outcome: CallOutcome,
  ctx: ResultContext,
) {
  if (!outcome.ok) return;
  const p = call.payload as {
    service: string;
    operation: string;
    url: string;
    cuiUuid: string;
    body?: unknown;
  };
  const answer = outcome.result.answer as { cui?: Record<string, string> } | undefined;
  await trx
    .insertInto("ssu_messages")
    .values({
      id: randomUUID(),
      direction: "out",
      service: p.service,
      operation: p.operation,
      cui_uuid: p.cuiUuid,
      pratica_id: call.pratica_id,
      peer: p.url,
      peer_client_id: (outcome.result.peer_client_id as string | undefined) ?? null,
      body: JSON.stringify({ request: p.body ?? null, answer: answer ?? null }),
      http_status: Number(outcome.result.status ?? 200),
      message_key: `call:${call.idempotency_key}`,
    })
    .onConflict((oc) => oc.column("message_key").doNothing())
    .execute();
  if (p.operation === "request_cui" && call.pratica_id && answer?.cui?.uuid) {
    const c = answer.cui;
    const cui = formatCui({
      context: String(c.context),
      data: String(c.data),
      progressive: String(c.progressive ?? c.progressivo ?? ""),
      uuid: String(c.uuid),
    });
    await trx.updateTable("pratiche").set({ ssu_cui: cui }).where("id", "=", call.pratica_id).execute();
    await ctx.dispatch(trx, {
      praticaId: call.pratica_id,
      event: {
        type: "INTEGRATION_RESULT",
        at: ctx.now.toISOString(),
        kind: "ssu",
        operation: call.operation,
        callId: call.id,
        ok: true,
        result: { status: outcome.result.status ?? 200, cui },
      },
    });
  }
}
