import type { Transaction } from "kysely";
import type { Database } from "../../db/schema";
import type { Env } from "../../env.server";
import { singleton } from "../../singleton.server";
import {
  type CallOutcome,
  defaultRetryPolicy,
  type IntegrationCall,
  type IntegrationHandler,
  type ResultContext,
} from "../types.server";
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
          riferimento: p.cui ?? p.praticaId,
          data: p.at,
          documento: document
            ? { nome: document.filename, impronta: document.sha256, algoritmo: "SHA-256" }
            : null,
        },
        call.idempotency_key,
        ctx.signal,
      );
    },
    onResult: recordRegistration,
  };
}

async function recordRegistration(
  trx: Transaction<Database>,
  call: IntegrationCall,
  outcome: CallOutcome,
  ctx: ResultContext,
) {
  const p = call.payload as unknown as RegisterPayload;
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
      document_sha256: document?.sha256 ?? null,
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
