import type { MessageKey, Translate } from "~/i18n";
import type { CurrentUser } from "../auth/session.server";
import { performAct, todayIso } from "../pratiche/acts.server";
import { db } from "../runtime.server";
import { parseAgencyAct, parseOfficerAct, type ParsedAct } from "../../domain/desk/act-forms";
import { assignPratica } from "./assign.server";

/**
 * What a desk or agency form post does, shared by the routes: parse, run through the engine (or the
 * assignment), and say what to show. Routes redirect on success (PRG) and render the errors otherwise.
 */
export type ActResult =
  | {
      ok: true;
      done: string /** documents the act issued (the banner only claims one when there is) */;
      documents?: number;
    }
  | { ok: false; status: number; errors: { field: string; message: string }[] };

function fieldErrors(parsed: Extract<ParsedAct, { ok: false }>, t: Translate) {
  return parsed.errors.map((e) => ({ field: e.field, message: t(e.key as MessageKey, e.params) }));
}

export async function deskPost(
  user: CurrentUser,
  praticaId: string,
  form: FormData,
  t: Translate,
): Promise<ActResult> {
  const act = String(form.get("act") ?? "");
  if (act === "ASSIGN") {
    const raw = String(form.get("assignee") ?? "");
    const assigneeId = raw === "me" ? user.id : raw === "" || raw === "none" ? null : raw;
    if (assigneeId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(assigneeId)) {
      return {
        ok: false,
        status: 400,
        errors: [{ field: "assignee", message: t("desk.error.assignee") }],
      };
    }
    const outcome = await assignPratica(db(), {
      praticaId,
      actor: { userId: user.id, principal: user.principal },
      assigneeId,
    });
    if (outcome.ok) return { ok: true, done: "ASSIGN" };
    if (outcome.status === 404) throw new Response("Not found", { status: 404 });
    return { ok: false, status: outcome.status, errors: [{ field: "", message: outcome.messageIt }] };
  }
  const parsed = parseOfficerAct(form, todayIso());
  if (!parsed.ok) return { ok: false, status: 400, errors: fieldErrors(parsed, t) };
  if (parsed.event.type === "FORWARD_TO_AGENCIES") {
    const wrong = await notAgencies(parsed.event.agencies.map((a) => a.agencyId));
    if (wrong.length) {
      return {
        ok: false,
        status: 400,
        errors: [{ field: "agency", message: t("desk.error.notAgency", { codes: wrong.join(", ") }) }],
      };
    }
  }
  const result = await performAct(user, praticaId, parsed.event);
  if (result.ok) return { ok: true, done: parsed.event.type, documents: result.outcome.documents.length };
  return { ok: false, status: result.status, errors: [{ field: "", message: result.message[t.locale] }] };
}

/**
 * Codes that are not an ente terzo (an organisation, a desk, a Comune, or nothing at all): a pratica forwarded
 * there would wait for an opinion nobody can give.
 */
async function notAgencies(codes: string[]): Promise<string[]> {
  if (!codes.length) return [];
  const found = await db()
    .selectFrom("entities")
    .select("code")
    .where("code", "in", codes)
    .where("kind", "=", "ente_terzo")
    .execute();
  const agencies = new Set(found.map((e) => e.code));
  return codes.filter((c) => !agencies.has(c));
}

export async function agencyPost(
  user: CurrentUser,
  praticaId: string,
  agencyCode: string,
  form: FormData,
  t: Translate,
): Promise<ActResult> {
  const parsed = parseAgencyAct(form, todayIso(), agencyCode);
  if (!parsed.ok) return { ok: false, status: 400, errors: fieldErrors(parsed, t) };
  const result = await performAct(user, praticaId, parsed.event);
  if (result.ok) return { ok: true, done: parsed.event.type };
  return { ok: false, status: result.status, errors: [{ field: "", message: result.message[t.locale] }] };
}
