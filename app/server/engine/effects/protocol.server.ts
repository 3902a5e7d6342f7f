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
