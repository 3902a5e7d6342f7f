import { type Kysely, sql } from "kysely";
import type { Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { tallyStatusCounts, tallySummary } from "./tallies.server";
import {
  addIsoDays,
  daysFrom,
  encodeCursor,
  likeEscape,
  PAGE_SIZE,
  type WorklistCursor,
  type WorklistFilters,
} from "../../domain/desk/worklist-query";

/**
 * The SUAP desk's worklist: submitted pratiche of the desk's Comuni, by legal due date, filtered and searched,
 * paged with a keyset on (due_date, id) — never OFFSET, so page 400 costs what page 1 costs.
 */

/** Desks the principal works at (officer or manager), in a stable order. */
export function deskIdsOf(principal: Principal): number[] {
  return [
    ...new Set(
      principal.grants
        .filter((g) => (g.role === "officer" || g.role === "manager") && g.entityId !== null)
        .map((g) => g.entityId as number),
    ),
  ].sort((a, b) => a - b);
}

export function isManagerOf(principal: Principal, deskId: number): boolean {
  return principal.grants.some((g) => g.role === "manager" && g.entityId === deskId);
}

/** Above this many businesses matching a name search, the pratiche are filtered by a subquery instead. */
const MAX_LISTED_BUSINESSES = 5000;

export interface WorklistRow {
  id: string;
  cui: string | null;
  protocolNumber: string | null;
  title: string;
  regime: string;
  status: string;
  dueDate: string | null;
  suspended: boolean;
  ended: boolean;
  comune: string;
  business: string;
  fiscalCode: string;
  assignee: { id: string; name: string } | null;
  /** calendar days from today to the due date (negative: expired) */
  daysLeft: number | null;
  overdue: boolean;
  /** an agency's opinion is past its due date, or arrived late */
  lateOpinion: boolean;
}

export interface WorklistPage {
  rows: WorklistRow[];
  next: string | null;
}

export async function listWorklist(
  db: Kysely<Database>,
  input: {
    deskId: number;
    viewerId: string;
    filters: WorklistFilters;
    cursor: WorklistCursor | null;
    today: string;
  },
): Promise<WorklistPage> {
  const { deskId, filters: f, cursor, today } = input;
  let q = db
    .selectFrom("pratiche as p")
    .innerJoin("businesses as b", "b.id", "p.business_id")
    .innerJoin("entities as m", "m.id", "p.municipality_id")
    .leftJoin("users as a", "a.id", "p.assignee_user_id")
    .where("p.desk_id", "=", deskId)
    .where("p.status", "<>", "draft")
    // Only the Comuni this desk serves (a pratica moved between desks stays out of sight).
    .where("p.municipality_id", "in", (eb) =>
      eb.selectFrom("desk_comuni").select("comune_id").where("desk_id", "=", deskId),
    );

  if (f.comune) q = q.where("p.municipality_id", "=", f.comune);
  if (f.procedure) q = q.where("p.title", "=", f.procedure);
  if (f.regime) q = q.where("p.regime", "=", f.regime);
  if (f.status === "open") q = q.where("p.ended", "=", false);
  else if (f.status === "ended") q = q.where("p.ended", "=", true);
  else if (f.status !== "all") q = q.where("p.status", "=", f.status);
  if (f.assignee === "me") q = q.where("p.assignee_user_id", "=", input.viewerId);
  else if (f.assignee === "none") q = q.where("p.assignee_user_id", "is", null);
  else if (f.assignee) q = q.where("p.assignee_user_id", "=", f.assignee);
  if (f.due === "overdue") q = q.where("p.ended", "=", false).where("p.due_date", "<", today);
  else if (f.due === "soon") {
    q = q
      .where("p.ended", "=", false)
      .where("p.due_date", ">=", today)
      .where("p.due_date", "<=", addIsoDays(today, f.within));
  }
  if (f.q) {
    const term = f.q;
    if (looksLikeKey(term)) {
      // CUI, protocol number, codice fiscale, partita IVA: exact matches, each served by an index.
      // A UNION of three index lookups: the planner then joins a handful of ids instead of walking the desk.
      q = q.where("p.id", "in", (eb) =>
        eb
          .selectFrom("pratiche as k1")
          .select("k1.id")
          .where("k1.cui", "=", term)
          .unionAll(eb.selectFrom("pratiche as k2").select("k2.id").where("k2.protocol_number", "=", term))
          .unionAll(
            eb
              .selectFrom("pratiche as k3")
              .innerJoin("businesses as kb", "kb.id", "k3.business_id")
              .select("k3.id")
              .where((w) =>
                w.or([w("kb.fiscal_code", "=", term.toUpperCase()), w("kb.vat_number", "=", term)]),
              ),
          ),
      );
    } else {
      // A business name: substring match on the (small) businesses table first, as its own query, then its
      // pratiche by the list of ids. The planner cannot estimate a '%term%' match (it guesses a couple of
      // rows and joins from businesses, ~100 ms on 200,000 pratiche); given the actual ids it walks the
      // due-date index and stops at the page (~2 ms). A term matching very many businesses keeps the subquery.
      const pattern = `%${likeEscape(term.toLowerCase())}%`;
      const matches = await db
        .selectFrom("businesses")
        .select("id")
        .where(sql<string>`lower(name)`, "like", pattern)
        .limit(MAX_LISTED_BUSINESSES + 1)
        .execute();
      if (!matches.length) return { rows: [], next: null };
      if (matches.length <= MAX_LISTED_BUSINESSES) {
        const ids = matches.map((m) => m.id);
        q = q.where(sql<boolean>`p.business_id = any(${ids}::uuid[])`);
      } else {
        q = q.where("p.business_id", "in", (eb) =>
          eb
            .selectFrom("businesses as sb")
            .select("sb.id")
            .where(sql<string>`lower(sb.name)`, "like", pattern),
        );
      }
    }
  }
  if (cursor) {
    const c = cursor;
    q =
      c.due === null
        ? q.where("p.due_date", "is", null).where("p.id", ">", c.id)
        : q.where((eb) =>
            eb.or([
              eb("p.due_date", ">", c.due!),
              eb.and([eb("p.due_date", "=", c.due!), eb("p.id", ">", c.id)]),
              eb("p.due_date", "is", null),
            ]),
          );
  }

  const rows = await q
    .select([
      "p.id",
      "p.cui",
      "p.protocol_number",
      "p.title",
      "p.regime",
      "p.status",
      "p.due_date",
      "p.suspended",
      "p.ended",
      "m.name as comune",
      "b.name as business",
      "b.fiscal_code",
      "a.id as assignee_id",
      "a.full_name as assignee_name",
    ])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom("pratica_agencies as pa")
            .select(sql`1`.as("one"))
            .whereRef("pa.pratica_id", "=", "p.id")
            .where("pa.status", "=", "pending")
            .where("pa.due_date", "<", today),
        )
        .as("pending_late"),
    )
    .select(
      sql<boolean>`coalesce(jsonb_path_exists(p.snapshot, '$.context.agencies.*.late ? (@ == true)'), false)`.as(
        "concluded_late",
      ),
    )
    .orderBy("p.due_date", (ob) => ob.asc().nullsLast())
    .orderBy("p.id")
    .limit(PAGE_SIZE + 1)
    .execute();

  const page = rows.slice(0, PAGE_SIZE);
  const last = page[page.length - 1];
  return {
    rows: page.map((r) => {
      const due = r.due_date ? String(r.due_date).slice(0, 10) : null;
      const daysLeft = due && !r.ended ? daysFrom(today, due) : null;
      return {
        id: r.id,
        cui: r.cui,
        protocolNumber: r.protocol_number,
        title: r.title,
        regime: r.regime,
        status: r.status,
        dueDate: due,
        suspended: r.suspended,
        ended: r.ended,
        comune: r.comune,
        business: r.business,
        fiscalCode: r.fiscal_code,
        assignee: r.assignee_id ? { id: r.assignee_id, name: r.assignee_name ?? "" } : null,
        daysLeft,
        overdue: daysLeft !== null && daysLeft < 0 && !r.suspended,
        lateOpinion: Boolean(r.pending_late) || Boolean(r.concluded_late),
      };
    }),
    next:
      rows.length > PAGE_SIZE && last
        ? encodeCursor({ due: last.due_date ? String(last.due_date).slice(0, 10) : null, id: last.id })
        : null,
  };
}

/** A search term that is a code (has a digit, no spaces): CUI, protocol, codice fiscale, partita IVA. */
export function looksLikeKey(term: string): boolean {
  return /\d/.test(term) && /^[A-Za-z0-9/._-]+$/.test(term);
}

/** Pratiche of the desk by status (the counts above the table), from the tallies: never a scan of the desk. */
export async function statusCounts(db: Kysely<Database>, deskId: number) {
  return tallyStatusCounts(db, deskId);
}

/** What the filter form offers: the desk's Comuni, procedures, regimes, colleagues. */
export async function worklistOptions(db: Kysely<Database>, deskId: number) {
  return (await worklistHeader(db, deskId)).options;
}

/**
 * Everything above the worklist's table (issue 18): the counts by status and the filter form's options, in two
 * statements (the ledger's summary; the desk with its Comuni and staff) instead of seven.
 */
export async function worklistHeader(db: Kysely<Database>, deskId: number) {
  const [summary, desk] = await Promise.all([
    tallySummary(db, deskId, 200),
    db
      .selectFrom("entities")
      .select(["id", "code", "name"])
      .select(
        sql<{ id: number; name: string }[]>`coalesce((
          select json_agg(json_build_object('id', c.id, 'name', c.name) order by c.name)
            from desk_comuni dc join entities c on c.id = dc.comune_id
           where dc.desk_id = entities.id), '[]'::json)`.as("comuni"),
      )
      .select(
        sql<{ id: string; name: string }[]>`coalesce((
          select json_agg(json_build_object('id', s.id, 'name', s.name) order by s.name)
            from (select distinct u.id, u.full_name as name
                    from memberships m join users u on u.id = m.user_id
                   where m.entity_id = entities.id and m.role in ('officer', 'manager')) s), '[]'::json)`.as(
          "colleagues",
        ),
      )
      .where("id", "=", deskId)
      .executeTakeFirstOrThrow(),
  ]);
  const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;
  return {
    counts: summary.counts,
    options: {
      desk: { id: desk.id, code: desk.code, name: desk.name },
      comuni: json<{ id: number; name: string }[]>(desk.comuni),
      procedures: summary.titles,
      regimes: summary.regimes,
      colleagues: json<{ id: string; name: string }[]>(desk.colleagues),
    },
  };
}

/** Officers and managers of a desk. */
export async function deskStaff(db: Kysely<Database>, deskId: number) {
  const rows = await db
    .selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select(["users.id", "users.full_name as name"])
    .where("memberships.entity_id", "=", deskId)
    .where("memberships.role", "in", ["officer", "manager"])
    .distinct()
    .orderBy("users.full_name")
    .execute();
  return rows;
}
