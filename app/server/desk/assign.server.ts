import type { Kysely } from "kysely";
import { can } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { actorIdentityOf, appendAuditEvent } from "../engine/audit.server";
import { lockPratica, praticaRef } from "../pratiche/repository.server";
import type { Principal } from "~/domain/policy";

/**
 * Taking a pratica in charge or assigning it to a colleague. Not a workflow event (no legal effect, no
 * document), but part of the record: it appends to the pratica's hash chain under the same row lock the
 * engine takes, so it serialises with the acts.
 */
export type AssignOutcome =
  | { ok: true; assigneeId: string | null }
  | { ok: false; status: 403 | 404 | 409; messageIt: string };

export const ASSIGN_EVENT = "ASSIGN";

export async function assignPratica(
  db: Kysely<Database>,
  input: {
    praticaId: string;
    actor: { userId: string; principal: Principal };
    assigneeId: string | null;
    now?: Date;
  },
): Promise<AssignOutcome> {
  const now = input.now ?? new Date();
  if (!/^[0-9a-f-]{36}$/i.test(input.praticaId))
    return { ok: false, status: 404, messageIt: "Pratica non trovata." };
  return db.transaction().execute(async (trx) => {
    const pratica = await lockPratica(trx, input.praticaId);
    if (!pratica || pratica.status === "draft")
      return { ok: false, status: 404, messageIt: "Pratica non trovata." };
    const ref = await praticaRef(trx, pratica);
    if (!can(input.actor.principal, { type: "pratica.view", pratica: ref })) {
      return { ok: false, status: 404, messageIt: "Pratica non trovata." };
    }
    if (!can(input.actor.principal, { type: "desk.worklist", deskId: pratica.desk_id })) {
      return {
        ok: false,
        status: 403,
        messageIt: "Solo il personale dello Sportello può assegnare la pratica.",
      };
    }
    if (input.assigneeId) {
      const staff = await trx
        .selectFrom("memberships")
        .select("user_id")
        .where("user_id", "=", input.assigneeId)
        .where("entity_id", "=", pratica.desk_id)
        .where("role", "in", ["officer", "manager"])
        .executeTakeFirst();
      if (!staff) {
        return {
          ok: false,
          status: 409,
          messageIt: "La persona indicata non lavora presso questo Sportello.",
        };
      }
    }
    if (pratica.assignee_user_id === input.assigneeId) {
      return { ok: false, status: 409, messageIt: "La pratica è già assegnata così." };
    }
    const audit = await appendAuditEvent(trx, {
      praticaId: pratica.id,
      type: ASSIGN_EVENT,
      actorUserId: input.actor.userId,
      actorKind: "officer",
      payload: { from: pratica.assignee_user_id, to: input.assigneeId },
      stateBefore: pratica.status,
      stateAfter: pratica.status,
      at: now.toISOString(),
      actorIdentity: await actorIdentityOf(trx, input.actor.userId, input.actor.principal),
    });
    await trx
      .updateTable("pratiche")
      .set({ assignee_user_id: input.assigneeId, event_count: audit.seq, updated_at: now })
      .where("id", "=", pratica.id)
      .execute();
    return { ok: true, assigneeId: input.assigneeId };
  });
}
