import type { Kysely } from "kysely";
import { eventActors, type PersistedWorkflow } from "../../../workflows/index";
import type { Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { findPratica } from "../pratiche/repository.server";
import { loadPraticaView, type PraticaView } from "../pratiche/view.server";
import { AGENCY_ACTS, OFFICER_ACTS } from "../../domain/desk/act-forms";
import { deskStaff } from "./worklist.server";
import { catalogueDocument } from "../catalogue/repository.server";

/**
 * The desk's and the agencies' view of one pratica: the shared pratica view, narrowed to the acts of the
 * viewer's role, plus what the act forms need (agencies the catalogue suggests, colleagues, late opinions).
 * Returns null when the viewer has no such role on the pratica (the route answers 404).
 */

export interface AgencyChoice {
  code: string;
  name: string;
  termDays: number;
  suggested: boolean;
  /** already involved: cannot be forwarded to again */
  involved: boolean;
  endoproceedings: string[];
}

export interface AgencyFlag {
  code: string;
  name: string;
  status: string;
  outcome: string | null;
  dueDate: string | null;
  reasons: string | null;
  concludedAt: string | null;
  late: boolean;
  /** days the agency was given, and the final due date that moved its due date earlier (SCIA unica) */
  termDays: number | null;
  cappedBy: string | null;
  /** its term stopped with the procedure's (forwarded before the suspension began): the date is "al più tardi" */
  suspended: boolean;
}

const DEFAULT_AGENCY_TERM_DAYS = 30;

export async function loadDeskPratica(
  db: Kysely<Database>,
  principal: Principal,
  praticaId: string,
  today: string,
) {
  const view = await loadPraticaView(db, principal, praticaId, today);
  if (!view?.viewer.kinds.includes("officer")) return null;
  const acts = view.acts.filter((a) => (OFFICER_ACTS as readonly string[]).includes(a.type));
  const [agencyChoices, colleagues, snapshot] = await Promise.all([
    agencyChoicesFor(db, view),
    deskStaff(db, view.desk.id),
    snapshotOf(db, view.pratica.id),
  ]);
  return {
    ...view,
    acts,
    agencyChoices,
    colleagues,
    agencyFlags: agencyFlags(view, snapshot, today),
    clockDetail: clockDetail(snapshot),
  };
}

export async function loadAgencyPratica(
  db: Kysely<Database>,
  principal: Principal,
  praticaId: string,
  today: string,
) {
  const view = await loadPraticaView(db, principal, praticaId, today);
  if (!view?.viewer.kinds.includes("agency")) return null;
  // The reviewer speaks for the agencies they belong to that this pratica was forwarded to.
  const mine = view.agencies.filter((a) =>
    principal.grants.some((g) => g.role === "agency_reviewer" && g.entityId === a.id),
  );
  const acts = view.acts.filter(
    (a) => (AGENCY_ACTS as readonly string[]).includes(a.type) && eventActors[a.type].includes("agency"),
  );
  const snapshot = await snapshotOf(db, view.pratica.id);
  return {
    ...view,
    acts,
    myAgencies: mine,
    agencyFlags: agencyFlags(view, snapshot, today),
    clockDetail: clockDetail(snapshot),
  };
}

export type DeskPratica = NonNullable<Awaited<ReturnType<typeof loadDeskPratica>>>;
export type AgencyPratica = NonNullable<Awaited<ReturnType<typeof loadAgencyPratica>>>;

/** The persisted workflow: the view gives a summary, the desk shows the clock's whole history. */
async function snapshotOf(db: Kysely<Database>, praticaId: string) {
  return (await findPratica(db, praticaId))?.snapshot ?? null;
}

/** Each agency's position, with the late flag the machine keeps (opinion after its term) or a missed term. */
export function agencyFlags(
  view: PraticaView,
  snapshot: PersistedWorkflow | null,
  today: string,
): AgencyFlag[] {
  const states = snapshot?.context.agencies;
  const since = snapshot?.context.clock?.suspension?.since ?? null;
  return view.agencies.map((a) => {
    const due = a.due_date ? String(a.due_date).slice(0, 10) : null;
    const state = states?.[a.code];
    const late = Boolean(state?.late) || (a.status === "pending" && due !== null && due < today);
    return {
      code: a.code,
      name: a.name,
      status: a.status,
      outcome: a.outcome,
      dueDate: due,
      reasons: state?.reasons ?? null,
      concludedAt: state?.concludedAt ?? null,
      late,
      termDays: a.term?.termDays ?? null,
      cappedBy: a.term?.cappedBy ?? null,
      suspended:
        a.status === "pending" && since !== null && !!state?.forwardedAt && state.forwardedAt <= since,
    };
  });
}

/** The legal clock in detail: start, term, every suspension, resets, each due date. */
export function clockDetail(snapshot: PersistedWorkflow | null) {
  const raw = snapshot?.context.clock;
  if (!raw) return null;
  return {
    start: raw.start,
    termDays: raw.termDays,
    periods: raw.periods ?? [],
    current: raw.suspension ? { kind: raw.suspension.kind, since: raw.suspension.since } : null,
    resets: raw.resets ?? [],
    interruptedAt: raw.interruptedAt,
  };
}

interface CatalogueDoc {
  proceedings?: {
    usecases?: {
      code: string;
      endoproceedings?: { code: string; agencyClass: string; termDays: number; title?: { it?: string } }[];
    }[];
  }[];
  competentAdministrations?: { municipality: string; byClass: Record<string, string> }[];
}

/**
 * Agencies the officer may forward to: every ente terzo, pre-selected (with the catalogue's term) when an
 * endoprocedimento of the pratica's usecases names its class for the pratica's Comune.
 */
export async function agencyChoicesFor(db: Kysely<Database>, view: PraticaView): Promise<AgencyChoice[]> {
  const [entities, version] = await Promise.all([
    db
      .selectFrom("entities")
      .select(["id", "code", "name"])
      .where("kind", "=", "ente_terzo")
      .orderBy("name")
      .execute(),
    // Parsed once per process (a version never changes), not read and parsed again on every view.
    catalogueDocument(db, view.pratica.catalogueVersionId).catch(() => null),
  ]);
  const doc = (version ?? {}) as unknown as CatalogueDoc;
  const usecases = new Set(view.pratica.usecases);
  const byClass =
    doc.competentAdministrations?.find((c) => c.municipality === view.municipality.istat_code)?.byClass ?? {};
  const suggested = new Map<string, { termDays: number; titles: string[] }>();
  for (const p of doc.proceedings ?? []) {
    for (const u of p.usecases ?? []) {
      if (!usecases.has(u.code)) continue;
      for (const e of u.endoproceedings ?? []) {
        const code = byClass[e.agencyClass];
        if (!code) continue;
        const current = suggested.get(code) ?? { termDays: 0, titles: [] };
        current.termDays = Math.max(current.termDays, e.termDays);
        current.titles.push(e.title?.it ?? e.code);
        suggested.set(code, current);
      }
    }
  }
  const involved = new Set(view.agencies.map((a) => a.code));
  return entities.map((e) => {
    const s = suggested.get(e.code);
    return {
      code: e.code,
      name: e.name,
      termDays: s && s.termDays > 0 ? s.termDays : DEFAULT_AGENCY_TERM_DAYS,
      suggested: Boolean(s),
      involved: involved.has(e.code),
      endoproceedings: s?.titles ?? [],
    };
  });
}
