import type { Transaction } from "kysely";
import type { Database } from "../../db/schema.server";
import type { Env } from "../../env.server";
import { singleton } from "../../singleton.server";
import {
  type CallOutcome,
  defaultRetryPolicy,
  type IntegrationCall,
  type IntegrationHandler,
  type ResultContext,
} from "../types.server";
import { type PecRegistrationPayload, recordPecRegistration } from "../pec/inbox.server";
import { startProtocolDouble } from "./double.server";
import { type RemoteProtocolRegistry, type RemoteRegistration, versoOf } from "./port.server";
import { remoteProtocolRegistry } from "./remote.server";

/** The payload the engine's protocol executor queues (engine/effects/protocol.server.ts). */
interface RegisterPayload {
  entityId: number;
  entityCode: string;
  direction: "in" | "out";
  subject: string;
  praticaId: string;
  cui: string | null;
  at: string;
  forPratica: boolean;
  documentId: string | null;
  /** the step's record fingerprint, sent when the registration has no document (engine/effects/protocol) */
  fingerprint?: string;
}

/** The payload of an annulment at the remote register (queued by protocol/annul.server.ts). */
export interface AnnulPayload {
  entryId: number;
  externalId: string;
  label: string;
  praticaId: string | null;
  motivo: string;
  autorizzazione: string | null;
  data: string;
  operatore: string;
}

/**
 * The remote register of this configuration: PROTOCOL_URL, or (development and tests, when no address is
 * given) the double started on loopback in this process, which refuses to start in production.
 */
export function remoteRegistryFor(env: Env): () => Promise<RemoteProtocolRegistry> {
  if (env.PROTOCOL_URL) {
    const registry = remoteProtocolRegistry({
      baseUrl: env.PROTOCOL_URL,
      token: env.PROTOCOL_TOKEN ?? "sviluppo",
    });
    return async () => registry;
  }
  return async () => {
    const double = await singleton("protocol-double", () => startProtocolDouble({ token: "sviluppo" }));
    return remoteProtocolRegistry({ baseUrl: double.url, token: double.token });
  };
}

/**
 * The handler of "protocol" calls: registers at the remote register, and on the answer records the entry
 * (number, date, the document's SHA-256), makes it the pratica's protocol number when it is the pratica's own
 * registration, and sends the applicant the number through an audited result event.
 */
export function protocolHandler(env: Env): IntegrationHandler {
  const remote = remoteRegistryFor(env);
  return {
    kind: "protocol",
    retry: defaultRetryPolicy,
    target: () =>
      env.PROTOCOL_REGISTRY === "remote" ? `remote:${env.PROTOCOL_URL ?? "doppio"}` : "internal",
    async execute(call, ctx): Promise<CallOutcome> {
      if (call.operation === "annul") {
        const a = call.payload as unknown as AnnulPayload;
        const registry = await remote();
        return registry.annul(
          a.externalId,
          { motivo: a.motivo, autorizzazione: a.autorizzazione, data: a.data, operatore: a.operatore },
          call.idempotency_key,
          ctx.signal,
        );
      }
      if (call.operation !== "register") {
        return {
          ok: false,
          timeout: false,
          message: `Operazione di protocollo sconosciuta: ${call.operation}.`,
        };
      }
      const p = call.payload as unknown as RegisterPayload;
      const document = p.documentId
        ? await ctx.db
            .selectFrom("documents")
            .select(["filename", "sha256"])
            .where("id", "=", p.documentId)
            .executeTakeFirst()
        : undefined;
      const registry = await remote();
      return registry.register(
        {
          aoo: p.entityCode,
          verso: versoOf(p.direction),
          oggetto: p.subject,
          riferimento: p.cui ?? p.praticaId ?? null,
          data: p.at,
          // Every registration carries a fingerprint (DPR 445/2000 art. 53): its document's, or the record's.
          documento: document
            ? { nome: document.filename, impronta: document.sha256, algoritmo: "SHA-256" }
            : p.fingerprint
              ? { nome: `evento-${call.idempotency_key}.json`, impronta: p.fingerprint, algoritmo: "SHA-256" }
              : null,
        },
        call.idempotency_key,
        ctx.signal,
      );
    },
    onResult: (trx, call, outcome, ctx) =>
      call.operation === "annul"
        ? recordAnnulment(trx, call, outcome, ctx)
        : recordRegistration(trx, call, outcome, ctx),
  };
}

async function recordRegistration(
  trx: Transaction<Database>,
  call: IntegrationCall,
  outcome: CallOutcome,
  ctx: ResultContext,
) {
  const p = call.payload as unknown as RegisterPayload;
  if ("pecMessageId" in p) {
    // A certified message registered without a pratica (pec/inbox.server.ts): no pratica, no engine event.
    const r = outcome.ok ? (outcome.result as unknown as RemoteRegistration) : null;
    await recordPecRegistration(
      trx,
      ctx,
      p as unknown as PecRegistrationPayload,
      r ? { ok: true, ...r } : { ok: false, message: outcome.ok ? "" : outcome.message },
      ctx.now,
    );
    return;
  }
  if (!outcome.ok) {
    await ctx.dispatch(trx, {
      praticaId: p.praticaId,
      event: {
        type: "INTEGRATION_RESULT",
        at: ctx.now.toISOString(),
        kind: "protocol",
        operation: call.operation,
        callId: call.id,
        ok: false,
        error: outcome.message,
      },
    });
    return;
  }
  const r = outcome.result as unknown as RemoteRegistration;
  const document = p.documentId
    ? await trx
        .selectFrom("documents")
        .select(["id", "sha256"])
        .where("id", "=", p.documentId)
        .executeTakeFirst()
    : undefined;
  await trx
    .insertInto("protocol_entries")
    .values({
      entity_id: p.entityId,
      year: r.anno,
      number: r.numero,
      label: r.segnatura,
      direction: p.direction,
      subject: p.subject,
      pratica_id: p.praticaId,
      document_id: document?.id ?? null,
      document_sha256: document?.sha256 ?? p.fingerprint ?? null,
      registered_at: r.data ? new Date(r.data) : ctx.now,
      registry: "remote",
      external_id: r.id ?? null,
    })
    .execute();
  let own = false;
  if (p.forPratica) {
    const updated = await trx
      .updateTable("pratiche")
      .set({ protocol_number: r.segnatura })
      .where("id", "=", p.praticaId)
      .where("protocol_number", "is", null)
      .returning("id")
      .executeTakeFirst();
    own = !!updated;
  }
  await ctx.dispatch(trx, {
    praticaId: p.praticaId,
    event: {
      type: "INTEGRATION_RESULT",
      at: ctx.now.toISOString(),
      kind: "protocol",
      operation: call.operation,
      callId: call.id,
      ok: true,
      result: { segnatura: r.segnatura, numero: r.numero, anno: r.anno, data: r.data },
    },
    // The second notification of a filing: the receipt went out at once, the number follows here.
    effects: own ? [{ type: "notify", template: "protocollo_assegnato", to: ["applicant", "desk"] }] : [],
  });
}

/** The Comune's answer to an annulment: the entry says it was confirmed (or not), the pratica's chain too. */
async function recordAnnulment(
  trx: Transaction<Database>,
  call: IntegrationCall,
  outcome: CallOutcome,
  ctx: ResultContext,
) {
  const a = call.payload as unknown as AnnulPayload;
  await trx
    .updateTable("protocol_entries")
    .set({ annulment_remote_status: outcome.ok ? "confirmed" : "failed" })
    .where("id", "=", a.entryId)
    .execute();
  if (!a.praticaId) return;
  await ctx.dispatch(trx, {
    praticaId: a.praticaId,
    event: {
      type: "INTEGRATION_RESULT",
      at: ctx.now.toISOString(),
      kind: "protocol",
      operation: call.operation,
      callId: call.id,
      ok: outcome.ok,
      ...(outcome.ok ? { result: { segnatura: a.label, annullata: true } } : { error: outcome.message }),
    },
  });
}
