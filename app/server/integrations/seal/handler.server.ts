import type { Env } from "../../env.server";
import { signatureRuntime } from "../signature-runtime.server";
import {
  type CallOutcome,
  defaultRetryPolicy,
  type IntegrationHandler,
  type RetryPolicy,
} from "../types.server";
import type { SealInfo, Sealer } from "./port.server";
import { loadOfficerSigner } from "./officer.server";
import { loadSealer } from "./registry.server";

/**
 * The default backoff, but every failure is retried (ADR 0024): a refused client secret or an unknown
 * credential is a configuration the administrator fixes (and restarts), after which the pending documents
 * must still be sealed; when the retries are over the document is `failed` and the desk is alerted.
 */
export const sealRetryPolicy: RetryPolicy = { ...defaultRetryPolicy, retryable: () => true };

/** The payload `issueDocument` queues when the seal or its timestamp cannot be applied inside the transaction. */
export interface SealPayload {
  documentId: string;
  reason: string;
  /** What is left: the RFC 3161 timestamp on the local seal, or the whole (remote) seal. */
  deferred: "timestamp" | "seal";
  /** A decision signed by the officer with TSA_URL set: the officer's timestamp first, then the whole seal. */
  officerTimestamp?: boolean;
}

async function sealerOf(env: Env, given?: Sealer): Promise<Sealer> {
  if (given) return given;
  signatureRuntime.sealer ??= await loadSealer(env);
  return signatureRuntime.sealer;
}

/**
 * The handler of "seal/complete" calls (ADR 0016): after COMMIT, reads the issued bytes, has the seal port
 * finish them (the TSA's token, or the remote service's seal), stores the new file (content-addressed, so a
 * repeated run stores nothing new) and, in the transaction that records the outcome, points the document at
 * it once: only a `pending` row is changed. Failures follow the default backoff; when the retries are over the
 * document is `failed` (it stays readable, as issued) and the desk is alerted.
 */
export function sealHandler(env: Env, sealer?: Sealer, officer?: Sealer): IntegrationHandler {
  return {
    kind: "seal",
    retry: sealRetryPolicy,
    target: () => (env.SEAL_PROVIDER === "csc" ? `csc:${env.CSC_URL}` : `tsa:${env.TSA_URL ?? "-"}`),
    async execute(call, ctx): Promise<CallOutcome> {
      const p = call.payload as unknown as SealPayload;
      const doc = await ctx.db
        .selectFrom("documents")
        .select(["storage_key", "sha256", "size", "seal_status"])
        .where("id", "=", p.documentId)
        .executeTakeFirst();
      if (!doc) return { ok: false, timeout: false, message: `Documento ${p.documentId} inesistente.` };
      if (doc.seal_status !== "pending") {
        return { ok: true, result: { storageKey: doc.storage_key, sha256: doc.sha256, size: doc.size } };
      }
      const bytes = new Uint8Array(await ctx.files.get(doc.storage_key));
      const port = await sealerOf(env, sealer);
      let done: Uint8Array;
      if (p.officerTimestamp) {
        // The officer's signature is the last one: its RFC 3161 token goes in place, then the seal follows in
        // an incremental update (ADR 0024), so both signatures carry a timestamp and stay valid.
        if (!officer) signatureRuntime.officerSigner ??= await loadOfficerSigner(env);
        const officerPort = officer ?? signatureRuntime.officerSigner;
        const stamped = officerPort
          ? await officerPort.complete(bytes, { reason: p.reason, idempotencyKey: call.idempotency_key })
          : bytes;
        done = await port.seal(stamped, { reason: p.reason });
      } else {
        done = await port.complete(bytes, { reason: p.reason, idempotencyKey: call.idempotency_key });
      }
      const stored = await ctx.files.put(done);
      // The seal as applied (a remote seal is described by its certificate only once the credential was read).
      return {
        ok: true,
        result: { storageKey: stored.key, sha256: stored.sha256, size: stored.size, seal: port.info },
      };
    },
    async onResult(trx, call, outcome, ctx) {
      const p = call.payload as unknown as SealPayload;
      const doc = await trx
        .selectFrom("documents")
        .select(["pratica_id", "sha256", "seal_status"])
        .where("id", "=", p.documentId)
        .forUpdate()
        .executeTakeFirst();
      if (!doc || doc.seal_status !== "pending") return;
      if (outcome.ok) {
        const r = outcome.result as { storageKey: string; sha256: string; size: number; seal?: SealInfo };
        await trx
          .updateTable("documents")
          .set({
            ...(r.seal ? { seal: JSON.stringify({ ...r.seal, deferred: p.deferred }) } : {}),
            storage_key: r.storageKey,
            sha256: r.sha256,
            size: r.size,
            issued_sha256: doc.sha256,
            seal_status: "applied",
            seal_completed_at: ctx.now,
          })
          .where("id", "=", p.documentId)
          .execute();
      } else {
        await trx
          .updateTable("documents")
          .set({ seal_status: "failed", seal_completed_at: ctx.now })
          .where("id", "=", p.documentId)
          .execute();
      }
      await ctx.dispatch(trx, {
        praticaId: doc.pratica_id,
        event: {
          type: "INTEGRATION_RESULT",
          at: ctx.now.toISOString(),
          kind: "seal",
          operation: call.operation,
          callId: call.id,
          ok: outcome.ok,
          ...(outcome.ok
            ? { result: { documentId: p.documentId, deferred: p.deferred, ...withoutSeal(outcome.result) } }
            : { error: outcome.message }),
        },
      });
    },
  };
}

/** The event keeps the file's new fingerprint, not the seal's description (that is on the document row). */
function withoutSeal(result: Record<string, unknown>) {
  const { seal: _seal, ...rest } = result;
  return rest;
}
