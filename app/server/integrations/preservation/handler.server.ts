import type { Transaction } from "kysely";
import { romeDate } from "~/domain/dates";
import type { Database } from "../../db/schema.server";
import type { Env } from "../../env.server";
import { singleton } from "../../singleton.server";
import {
  type CallOutcome,
  defaultRetryPolicy,
  type IntegrationCall,
  type IntegrationHandler,
} from "../types.server";
import { startPreservationDouble } from "./double.server";
import { buildSubmissionPackage } from "./package.server";
import type { PreservationService, SubmissionReport } from "./port.server";
import { remotePreservationService } from "./remote.server";

/** The payload of a `preservation/deposit` call (queued by app/server/protocol/daily-register.server.ts). */
export interface DepositPayload {
  registerId: string;
}

/**
 * The preservation service of this configuration: PRESERVATION_URL, or (outside production, when no address
 * is given) the double started on loopback in this process. In production without an address there is none:
 * the deposit fails at once and the administrator sees it.
 */
export function preservationServiceFor(env: Env): () => Promise<PreservationService | null> {
  if (env.PRESERVATION_URL) {
    const service = remotePreservationService({
      baseUrl: env.PRESERVATION_URL,
      token: env.PRESERVATION_TOKEN ?? "sviluppo",
    });
    return async () => service;
  }
  if (env.isProduction) return async () => null;
  return async () => {
    const double = await singleton("preservation-double", () =>
      startPreservationDouble({ token: "sviluppo" }),
    );
    return remotePreservationService({ baseUrl: double.url, token: double.token });
  };
}

export function preservationHandler(env: Env): IntegrationHandler {
  const service = preservationServiceFor(env);
  return {
    kind: "preservation",
    retry: defaultRetryPolicy,
    target: () => `remote:${env.PRESERVATION_URL ?? "doppio"}`,
    async execute(call, ctx): Promise<CallOutcome> {
      if (call.operation !== "deposit")
        return { ok: false, timeout: false, message: `Operazione sconosciuta: ${call.operation}.` };
      const p = call.payload as unknown as DepositPayload;
      const register = await ctx.db
        .selectFrom("protocol_daily_registers as r")
        .innerJoin("entities as e", "e.id", "r.entity_id")
        .select([
          "r.id",
          "r.day",
          "r.filename",
          "r.storage_key",
          "r.sha256",
          "r.created_at",
          "r.entries",
          "r.annulments",
          "e.name",
          "e.code",
        ])
        .where("r.id", "=", p.registerId)
        .executeTakeFirst();
      if (!register) return { ok: false, timeout: false, message: "Registro giornaliero inesistente." };
      const target = await service();
      if (!target)
        return {
          ok: false,
          timeout: false,
          httpStatus: 400,
          message: "Nessun servizio di conservazione configurato (PRESERVATION_URL).",
        };
      const bytes = new Uint8Array(await ctx.files.get(register.storage_key));
      const createdAt = new Date(register.created_at);
      const pkg = buildSubmissionPackage({
        id: `PdV-${register.code}-${register.day}`,
        producer: { name: register.name, code: register.code },
        application: { name: "Portale SUAP", version: "1" },
        label: "Registro giornaliero di protocollo",
        metadata: {
          TipologiaDocumentale: "Registro giornaliero di protocollo",
          IdentificativoDocumento: `${register.code}-RGP-${register.day}`,
          DataRegistro: register.day,
          AOO: register.code,
          NumeroRegistrazioni: String(register.entries),
          NumeroAnnullamenti: String(register.annulments),
          DataCreazione: romeDate(createdAt),
          ImprontaSHA256Esadecimale: register.sha256,
        },
        files: [{ path: register.filename, bytes, format: "application/pdf" }],
        createdAt,
      });
      return target.deposit(pkg, call.idempotency_key, ctx.signal);
    },
    onResult: recordDeposit,
  };
}

/** The outcome lands on the register's row, once (only a register still waiting is updated). */
async function recordDeposit(trx: Transaction<Database>, call: IntegrationCall, outcome: CallOutcome) {
  const p = call.payload as unknown as DepositPayload;
  if (outcome.ok) {
    const r = outcome.result as unknown as SubmissionReport;
    await trx
      .updateTable("protocol_daily_registers")
      .set({
        deposit_status: "deposited",
        deposit_id: r.id,
        deposit_report: r.rapportoDiVersamento,
        deposit_error: null,
        deposited_at: r.data ? new Date(r.data) : new Date(),
      })
      .where("id", "=", p.registerId)
      // a deposit retried by hand after a failure ("Riprova") may still succeed
      .where("deposit_status", "!=", "deposited")
      .execute();
    return;
  }
  await trx
    .updateTable("protocol_daily_registers")
    .set({ deposit_status: "failed", deposit_error: outcome.message.slice(0, 2000) })
    .where("id", "=", p.registerId)
    .where("deposit_status", "=", "queued")
    .execute();
}
