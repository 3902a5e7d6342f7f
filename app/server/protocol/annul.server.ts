import type { Kysely } from "kysely";
import { can, type Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { appendAuditEvent } from "../engine/audit.server";
import type { AnnulPayload } from "../integrations/protocol/handler.server";
import { enqueueCall } from "../integrations/queue.server";
import { lockPratica } from "../pratiche/repository.server";

/**
 * The annulment of a protocol registration (DPR 445/2000 art. 54): only a manager of the desk that holds the
 * register; a reason is required; who, when, why and the authorising act are recorded on the entry and, for a
 * pratica's entry, appended to its hash chain under the same row lock the engine takes. The entry stays in the
 * register (the number is never reused: counters only grow); at a remote register the annulment is a queued
 * call to the Comune's service (`protocol/annul`), confirmed when it answers.
 */
export const ANNUL_EVENT = "PROTOCOL_ANNUL";

export const REASON_MAX = 2000;
export const AUTHORISATION_MAX = 300;

export type AnnulOutcome =
  | { ok: true; label: string; queued: boolean }
  | { ok: false; status: 400 | 403 | 404 | 409; field?: "reason" | "authorisation"; messageIt: string };

export interface AnnulInput {
  entryId: number;
  actor: { userId: string; principal: Principal };
  reason: string;
  authorisation: string;
  now?: Date;
}

/** The form's checks, also used by the page before asking for confirmation. */
export function checkAnnulForm(reason: string, authorisation: string): AnnulOutcome | null {
  if (!reason.trim()) {
    return {
      ok: false,
      status: 400,
      field: "reason",
      messageIt: "Scrivi il motivo dell'annullamento: la legge lo richiede (art. 54 DPR 445/2000).",
    };
  }
  if (reason.length > REASON_MAX) {
    return {
      ok: false,
      status: 400,
      field: "reason",
      messageIt: `Il motivo è troppo lungo: al massimo ${REASON_MAX} caratteri.`,
    };
  }
  if (authorisation.length > AUTHORISATION_MAX) {
    return {
      ok: false,
      status: 400,
      field: "authorisation",
      messageIt: `Il riferimento dell'autorizzazione è troppo lungo: al massimo ${AUTHORISATION_MAX} caratteri.`,
    };
  }
  return null;
}

export async function annulRegistration(db: Kysely<Database>, input: AnnulInput): Promise<AnnulOutcome> {
  const now = input.now ?? new Date();
  const reason = input.reason.trim();
  const authorisation = input.authorisation.trim();
  const refused = checkAnnulForm(reason, authorisation);
  if (refused) return refused;
  return db.transaction().execute(async (trx) => {
    const peek = await trx
      .selectFrom("protocol_entries")
      .select(["id", "pratica_id", "entity_id"])
      .where("id", "=", input.entryId)
      .executeTakeFirst();
    const staff =
      peek &&
      (can(input.actor.principal, { type: "desk.worklist", deskId: peek.entity_id }) ||
        can(input.actor.principal, { type: "desk.dashboard", deskId: peek.entity_id }));
    if (!peek || !staff)
      return { ok: false, status: 404, messageIt: "Registrazione di protocollo non trovata." };
    if (!can(input.actor.principal, { type: "desk.dashboard", deskId: peek.entity_id })) {
      return {
        ok: false,
        status: 403,
        messageIt: "Solo il responsabile dello Sportello può annullare una registrazione di protocollo.",
      };
    }
    // The pratica's row lock first (the engine's order), then the entry's.
    const pratica = peek.pratica_id ? await lockPratica(trx, peek.pratica_id) : undefined;
    const entry = await trx
      .selectFrom("protocol_entries")
      .selectAll()
      .where("id", "=", input.entryId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (entry.annulled_at) {
      return { ok: false, status: 409, messageIt: `La registrazione ${entry.label} è già annullata.` };
    }
    const actor = await trx
      .selectFrom("users")
      .select("full_name")
      .where("id", "=", input.actor.userId)
      .executeTakeFirstOrThrow();
    const remote = entry.registry === "remote" && !!entry.external_id;
    await trx
      .updateTable("protocol_entries")
      .set({
        annulled_at: now,
        annulled_by: input.actor.userId,
        annulment_reason: reason,
        annulment_authorisation: authorisation || null,
        annulment_remote_status: remote ? "pending" : null,
      })
      .where("id", "=", entry.id)
      .execute();
    if (pratica) {
      const audit = await appendAuditEvent(trx, {
        praticaId: pratica.id,
        type: ANNUL_EVENT,
        actorUserId: input.actor.userId,
        actorKind: "officer",
        payload: {
          entry: entry.id,
          label: entry.label,
          reason,
          // shown by the timeline under the event
          reasons: `${entry.label}: ${reason}`,
          authorisation: authorisation || null,
          documentSha256: entry.document_sha256,
        },
        stateBefore: pratica.status,
        stateAfter: pratica.status,
        at: now.toISOString(),
      });
      await trx
        .updateTable("pratiche")
        .set({ event_count: audit.seq, updated_at: now })
        .where("id", "=", pratica.id)
        .execute();
    }
    if (remote) {
      const payload: AnnulPayload = {
        entryId: entry.id,
        externalId: entry.external_id as string,
        label: entry.label,
        praticaId: entry.pratica_id,
        motivo: reason,
        autorizzazione: authorisation || null,
        data: now.toISOString(),
        operatore: actor.full_name,
      };
      await enqueueCall(trx, {
        kind: "protocol",
        operation: "annul",
        target: "remote",
        idempotencyKey: `protocol-annul:${entry.entity_id}:${entry.id}`,
        praticaId: entry.pratica_id,
        payload: { ...payload },
        notBefore: now,
      });
    }
    return { ok: true, label: entry.label, queued: remote };
  });
}
