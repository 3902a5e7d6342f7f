/**
 * The worklist's query string, parsed and normalised (pure). GET forms submit it, links carry it, and the
 * keyset cursor ("after") is opaque to the user: base64url of "<due date or empty>|<pratica id>".
 */

export type StatusFilter = "open" | "ended" | "all" | (string & {});
export type AssigneeFilter = "" | "me" | "none" | (string & {});
export type DueFilter = "" | "overdue" | "soon";

export interface WorklistFilters {
  comune: number | null;
  procedure: string;
  regime: string;
  status: StatusFilter;
  assignee: AssigneeFilter;
  due: DueFilter;
  /** "due within N days" when due = "soon" */
  within: number;
  q: string;
}

export interface WorklistCursor {
  due: string | null;
  id: string;
}

export const DEFAULT_WITHIN_DAYS = 7;
export const PAGE_SIZE = 25;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const STATUS = /^[a-z_]{1,40}$/;
/** Entity ids are Postgres integers: anything past 2^31 - 1 is no entity (and would overflow the query). */
const MAX_INT = 2_147_483_647;

/** A real calendar date between 1900 and 2999 (what a due date can be). */
export function isCalendarDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const t = Date.parse(`${value}T00:00:00Z`);
  return year >= 1900 && year <= 2999 && !Number.isNaN(t) && new Date(t).toISOString().startsWith(value);
}

export function parseWorklistQuery(params: URLSearchParams): {
  filters: WorklistFilters;
  cursor: WorklistCursor | null;
} {
  const text = (name: string, max = 200) => (params.get(name) ?? "").trim().slice(0, max);
  const comune = Number.parseInt(text("comune"), 10);
  const status = text("status");
  const assignee = text("assignee");
  const due = text("due");
  const within = Number.parseInt(text("within"), 10);
  return {
    filters: {
      comune: /^\d{1,10}$/.test(text("comune")) && comune > 0 && comune <= MAX_INT ? comune : null,
      procedure: text("procedure"),
      regime: /^[a-z_]{1,40}$/.test(text("regime")) ? text("regime") : "",
      status: STATUS.test(status) ? status : "open",
      assignee: assignee === "me" || assignee === "none" || UUID.test(assignee) ? assignee : "",
      due: due === "overdue" || due === "soon" ? due : "",
      within: Number.isInteger(within) && within >= 0 && within <= 365 ? within : DEFAULT_WITHIN_DAYS,
      q: text("q", 120),
    },
    cursor: decodeCursor(params.get("after")),
  };
}

export function encodeCursor(c: WorklistCursor): string {
  return Buffer.from(`${c.due ?? ""}|${c.id}`, "utf8").toString("base64url");
}

export function decodeCursor(value: string | null): WorklistCursor | null {
  if (!value) return null;
  let raw: string;
  try {
    raw = Buffer.from(value, "base64url").toString("utf8");
  } catch {
    return null;
  }
  const [due, id, ...rest] = raw.split("|");
  if (rest.length || !id || !UUID.test(id)) return null;
  if (due && !isCalendarDate(due)) return null;
  return { due: due || null, id };
}

/** The query string of the same view on another page (or with one filter changed). */
export function worklistHref(filters: WorklistFilters, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (filters.comune) p.set("comune", String(filters.comune));
  if (filters.procedure) p.set("procedure", filters.procedure);
  if (filters.regime) p.set("regime", filters.regime);
  if (filters.status !== "open") p.set("status", filters.status);
  if (filters.assignee) p.set("assignee", filters.assignee);
  if (filters.due) p.set("due", filters.due);
  if (filters.due === "soon" && filters.within !== DEFAULT_WITHIN_DAYS)
    p.set("within", String(filters.within));
  if (filters.q) p.set("q", filters.q);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const s = p.toString();
  return s ? `/scrivania?${s}` : "/scrivania";
}

/** Escapes LIKE wildcards so a user's "%" or "_" match themselves. */
export function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Calendar days from `from` to `to` (ISO dates). */
export function daysFrom(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function addIsoDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
