import { romeDate } from "~/domain/dates";
import type { WorkflowEvent } from "../../../workflows/index";
import type { CurrentUser } from "../auth/session.server";
import { dispatch, EngineError } from "../engine/engine.server";
import { db } from "../runtime.server";
import { engineServices } from "../services.server";
import { refusalWords } from "./refusal.server";

/**
 * Runs one act of a signed-in user through the engine and turns engine refusals into HTTP answers the
 * route can show: 404 (not visible), 403 (role), 409 (state does not allow it), each with its sentence in
 * Italian and English (a workflow refusal is worded by the i18n module from the codes the step returned).
 */
export async function performAct(user: CurrentUser, praticaId: string, event: WorkflowEvent) {
  try {
    return {
      ok: true as const,
      outcome: await dispatch(db(), engineServices(), {
        praticaId,
        event,
        actor: { kind: "user", userId: user.id, principal: user.principal },
      }),
    };
  } catch (error) {
    if (error instanceof EngineError) {
      if (error.code === "not_found") throw new Response("Not found", { status: 404 });
      return { ok: false as const, status: error.status, message: refusalWords(error) };
    }
    throw error;
  }
}

/** Today's date in Rome, the calendar legal terms are counted in. */
export function todayIso(now = new Date()) {
  return romeDate(now);
}
