import type { DocumentProtocol, Effect } from "../../../../workflows/effects";
import { issueDocument } from "../documents.server";
import type { EffectContext } from "../types.server";
import { attachDocumentToCall, praticaRegistrationQueued, registerEntry } from "./protocol.server";

/** The rule of before, for machines that do not say which entry a document takes. */
export function defaultDocumentProtocol(kind: string): DocumentProtocol {
  return kind === "ricevuta" ? "pratica" : kind === "parere" ? "in" : "out";
}

/**
 * Documents: rendered, stored by hash, registered under the protocol entry the machine names (the pratica's
 * own registration, or this step's incoming or outgoing entry, created when the step has none).
 */
export async function executeDocuments(ctx: EffectContext, effects: Effect[]) {
  const { trx, pratica } = ctx;
  for (const effect of effects) {
    if (effect.type !== "document") continue;
    const which = effect.protocol ?? defaultDocumentProtocol(effect.kind);
    let entry = which === "pratica" ? null : (ctx.protocolEntries.find((p) => p.direction === which) ?? null);
    if (which !== "pratica" && !entry) {
      entry = await registerEntry(ctx, which, `${ctx.eventLabel} - ${pratica.title}`);
    }
    let protocol = entry
      ? { id: entry.id, label: entry.label, at: entry.at }
      : {
          id: null as number | null,
          label: pratica.protocol_number ?? "",
          at: pratica.submitted_at ? new Date(pratica.submitted_at as unknown as string) : ctx.now,
        };
    if (which === "pratica" && pratica.protocol_number) {
      // The pratica's own registration gets its document (DPR 445/2000 art. 53), once.
      const own = await trx
        .selectFrom("protocol_entries")
        .select("id")
        .where("pratica_id", "=", pratica.id)
        .where("label", "=", pratica.protocol_number)
        .where("document_id", "is", null)
        .executeTakeFirst();
      if (own) protocol = { ...protocol, id: own.id };
    }
    const document = await issueDocument(trx, ctx.services, {
      pratica,
      desk: ctx.desk,
      kind: effect.kind,
      data: effect.data ?? {},
      event: ctx.event,
      result: ctx.view,
      protocol,
      seq: ctx.seq,
      now: ctx.now,
    });
    ctx.documents.push(document);
    // The seal's timestamp or a remote seal was queued with the document (ADR 0016): wake the worker.
    if (ctx.services.sealer?.deferred) ctx.queuedCalls += 1;
    // A registration still queued at the remote register carries this document.
    const callId =
      entry?.callId ??
      (which === "pratica" && !pratica.protocol_number ? await praticaRegistrationQueued(ctx) : null);
    if (callId) await attachDocumentToCall(ctx, callId, document.id);
  }
}
