import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Effect } from "../../../../workflows/effects";
import { enqueueCall } from "../../integrations/queue.server";
import { registerInternal } from "../../integrations/protocol/internal.server";
import type { EffectContext, ProtocolRef } from "../types.server";

/** The payload of a queued registration at a remote register (read back by the protocol handler). */
export interface ProtocolCallPayload {
  entityId: number;
  entityCode: string;
  direction: "in" | "out";
  subject: string;
  praticaId: string;
  cui: string | null;
  at: string;
  /** true for the pratica's own incoming registration (its number becomes pratiche.protocol_number) */
  forPratica: boolean;
  /** the registered document, attached by the document executor in the same transaction */
  documentId: string | null;
  /** SHA-256 of the step's record, the fingerprint sent when no document is attached (see eventFingerprint) */
  fingerprint?: string;
}

/** JSON with sorted keys, so the same record always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The fingerprint of a registration that has no document of its own (an incoming communication whose content
 * is the event: a business's integration, a withdrawal): SHA-256 of the canonical JSON of the pratica, its
 * audit sequence number and the event as recorded in the audit chain. A registration that gets a document in
 * the same step carries the document's SHA-256 instead (documents.server.ts overwrites it).
 */
export function eventFingerprint(ctx: Pick<EffectContext, "pratica" | "seq" | "event">): string {
  return createHash("sha256")
    .update(canonical({ pratica: ctx.pratica.id, cui: ctx.pratica.cui, seq: ctx.seq, event: ctx.event }))
    .digest("hex");
}

/** Is the pratica's own incoming registration already queued at the remote register? */
async function praticaRegistrationQueued(ctx: EffectContext) {
  const row = await ctx.trx
    .selectFrom("integration_calls")
    .select("id")
    .where("pratica_id", "=", ctx.pratica.id)
    .where("kind", "=", "protocol")
    .where(sql<boolean>`payload->>'forPratica' = 'true'`)
    .where("status", "not in", ["failed", "alerted"])
    .executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Registers one entry: in the internal register at once (gapless, in this transaction), or as a queued call
 * to the remote register (the number arrives with the result). The first incoming entry of a pratica is its
 * own registration: its label becomes `pratiche.protocol_number`.
 */
export async function registerEntry(
  ctx: EffectContext,
  direction: "in" | "out",
  subject: string,
): Promise<ProtocolRef> {
  const { trx, pratica, desk, now } = ctx;
  let ref: ProtocolRef;
  if (ctx.services.protocolRegistry === "remote") {
    const forPratica =
      direction === "in" && !pratica.protocol_number && !(await praticaRegistrationQueued(ctx));
    const payload: ProtocolCallPayload = {
      entityId: desk.id,
      entityCode: desk.code,
      direction,
      subject,
      praticaId: pratica.id,
      cui: pratica.cui,
      at: now.toISOString(),
      forPratica,
      documentId: null,
      fingerprint: eventFingerprint(ctx),
    };
    const call = await enqueueCall(trx, {
      kind: "protocol",
      operation: "register",
      target: "remote",
      idempotencyKey: `protocol:${pratica.id}:${ctx.seq}:${ctx.protocolEntries.length + 1}`,
      praticaId: pratica.id,
      payload: { ...payload },
      notBefore: now,
    });
    ctx.queuedCalls += 1;
    ref = { id: null, label: "", direction, at: now, callId: call.id };
  } else {
    const entry = await registerInternal(trx, {
      entityId: desk.id,
      entityCode: desk.code,
      direction,
      subject,
      praticaId: pratica.id,
      at: now,
      documentSha256: eventFingerprint(ctx),
    });
    ref = { id: entry.id, label: entry.label, direction, at: now };
    if (direction === "in" && !pratica.protocol_number) {
      pratica.protocol_number = entry.label;
      await trx
        .updateTable("pratiche")
        .set({ protocol_number: entry.label })
        .where("id", "=", pratica.id)
        .execute();
    }
  }
  ctx.protocolEntries.push(ref);
  return ref;
}

export async function executeProtocol(ctx: EffectContext, effects: Effect[]) {
  for (const effect of effects) {
    if (effect.type !== "protocol") continue;
    await registerEntry(ctx, effect.direction, `${effect.subject} - ${ctx.pratica.title}`);
  }
}

/** Ties a document to a queued registration, so the register receives its name and SHA-256. */
export async function attachDocumentToCall(ctx: EffectContext, callId: string, documentId: string) {
  await ctx.trx
    .updateTable("integration_calls")
    .set({ payload: sql`payload || jsonb_build_object('documentId', ${documentId}::text)` })
    .where("id", "=", callId)
    .where("status", "=", "queued")
    .where(sql<boolean>`payload->>'documentId' is null`)
    .execute();
}

export { praticaRegistrationQueued };
