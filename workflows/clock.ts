/**
 * The legal clock of a pratica: pure functions over ISO dates ("YYYY-MM-DD") and a JSON-serialisable state.
 *
 * Why pure and date-string based: the clock is persisted inside the machine snapshot (jsonb) and replayed in
 * tests; any dependency on the process clock or on the server time zone would make a due date depend on where
 * and when the code runs. All arithmetic is done in UTC on calendar days.
 *
 * Counting rule (art. 2963 c.c., art. 155 c.p.c.): the day the term starts is not counted ("dies a quo non
 * computatur"), so a 30-day term started on 1 March ends on 31 March; a term that ends on a Sunday or a public
 * holiday moves to the next working day. Saturday is NOT a holiday for administrative terms.
 */

export type IsoDate = string;

/** Local data the calendar needs: patron days ("MM-DD", e.g. Volterra) and one-off closures ("YYYY-MM-DD"). */
export interface Calendar {
  patronDays: string[];
  extraHolidays?: IsoDate[];
}

/**
 * Art. 2 c.7 L. 241/1990: the term may be suspended once, "per un periodo non superiore a trenta giorni".
 * This is a cap set by the law itself (not a catalogue term), so it lives here.
 */
export const MAX_INTEGRATION_SUSPENSION_DAYS = 30;

/** Year from which 4 October is again a national holiday (L. 151/2025 amending L. 260/1949). */
export const SAN_FRANCESCO_HOLIDAY_FROM_YEAR = 2026;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== "string") return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function toEpochDay(date: IsoDate): number {
  if (!isIsoDate(date))
    throw new ClockError("invalid_date", `Data non valida: ${date}`, `Invalid date: ${date}`);
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

function fromEpochDay(day: number): IsoDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Takes the date part of an ISO date or datetime ("2026-03-01T10:00:00+01:00" -> "2026-03-01"). */
export function toIsoDate(dateOrDateTime: string): IsoDate {
  const d = dateOrDateTime.slice(0, 10);
  if (!isIsoDate(d)) {
    throw new ClockError(
      "invalid_date",
      `Data non valida: ${dateOrDateTime}`,
      `Invalid date: ${dateOrDateTime}`,
    );
  }
  return d;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromEpochDay(toEpochDay(date) + days);
}

/** Calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a >= b ? a : b;
}

export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a <= b ? a : b;
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekday(date: IsoDate): number {
  return new Date(toEpochDay(date) * DAY_MS).getUTCDay();
}

/** Easter Sunday, anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): IsoDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * National public holidays (L. 260/1949 as amended, incl. L. 54/1977, DPR 792/1985, L. 336/2000 for 2 June,
 * L. 151/2025 restoring 4 October from 2026) plus local patron days passed as data. Sorted, unique.
 */
export function italianHolidays(year: number, localPatronDays: string[] = []): IsoDate[] {
  const fixed = ["01-01", "01-06", "04-25", "05-01", "06-02", "08-15", "11-01", "12-08", "12-25", "12-26"];
  if (year >= SAN_FRANCESCO_HOLIDAY_FROM_YEAR) fixed.push("10-04");
  const easter = easterSunday(year);
  const dates = [...fixed, ...localPatronDays].map((md) => `${year}-${md}`).filter(isIsoDate);
  dates.push(easter, addDays(easter, 1));
  return [...new Set(dates)].sort();
}

const holidayCache = new Map<string, Set<IsoDate>>();

function holidaySet(year: number, cal: Calendar): Set<IsoDate> {
  const key = `${year}|${cal.patronDays.join(",")}|${(cal.extraHolidays ?? []).join(",")}`;
  let set = holidayCache.get(key);
  if (!set) {
    set = new Set([
      ...italianHolidays(year, cal.patronDays),
      ...(cal.extraHolidays ?? []).filter((d) => d.startsWith(`${year}-`)),
    ]);
    holidayCache.set(key, set);
  }
  return set;
}

export function isHoliday(date: IsoDate, cal: Calendar): boolean {
  return holidaySet(Number(date.slice(0, 4)), cal).has(date);
}

/** Sunday or holiday. Saturday is a working day for administrative terms. */
export function isNonWorkingDay(date: IsoDate, cal: Calendar): boolean {
  return weekday(date) === 0 || isHoliday(date, cal);
}

/** The date itself when it is a working day, otherwise the first working day after it. */
export function nextWorkingDay(date: IsoDate, cal: Calendar): IsoDate {
  let d = date;
  while (isNonWorkingDay(d, cal)) d = addDays(d, 1);
  return d;
}

/** The date itself when it is a working day, otherwise the last working day before it. */
export function previousWorkingDay(date: IsoDate, cal: Calendar): IsoDate {
  let d = date;
  while (isNonWorkingDay(d, cal)) d = addDays(d, -1);
  return d;
}

/** A term of `days` calendar days from `start`, moved off Sundays and holidays (art. 2963 c.c.). */
export function termEnd(start: IsoDate, days: number, cal: Calendar): IsoDate {
  return nextWorkingDay(addDays(start, days), cal);
}

// ---------------------------------------------------------------------------------------------------------
// Errors

export type ClockErrorCode =
  | "invalid_date"
  | "invalid_days"
  | "date_before_start"
  | "already_suspended"
  | "integration_suspension_used"
  | "suspension_too_long"
  | "not_suspended"
  | "wrong_suspension"
  | "interrupted"
  | "not_interrupted"
  | "unknown_agency";

/** Typed error with an Italian sentence for the user (`messageIt`) and an English one (`message`). */
export class ClockError extends Error {
  readonly code: ClockErrorCode;
  readonly messageIt: string;
  constructor(code: ClockErrorCode, messageIt: string, messageEn: string) {
    super(messageEn);
    this.name = "ClockError";
    this.code = code;
    this.messageIt = messageIt;
  }
}

export type ClockResult = { ok: true; clock: ClockState } | { ok: false; error: ClockError };

/** Runs a clock operation and returns a result object instead of throwing. */
export function tryClock(op: () => ClockState): ClockResult {
  try {
    return { ok: true, clock: op() };
  } catch (e) {
    if (e instanceof ClockError) return { ok: false, error: e };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Clock state

export type SuspensionKind = "integration" | "refusal_notice";

export type Suspension =
  | {
      kind: "integration";
      since: IsoDate;
      /** the clock stops for at most this many days even if the applicant answers later */
      maxDays: number;
      /** days the applicant was given to answer (may exceed maxDays) */
      answerDays: number;
    }
  | {
      kind: "refusal_notice";
      since: IsoDate;
      observationsDays: number;
      resumeAfterDays: number;
    };

export interface SuspensionPeriod {
  kind: SuspensionKind;
  from: IsoDate;
  /** the day the term starts running again */
  to: IsoDate;
  days: number;
}

export interface AgencyTerm {
  start: IsoDate;
  termDays: number;
  suspendedDays: number;
  /**
   * SCIA unica (art. 19-bis c.2): proposals must arrive at least this many days before the final term, so the
   * agency deadline is capped at (final raw due date - lead days).
   */
  leadDaysBeforeFinal?: number;
}

export interface ClockState {
  /** day the current term started (protocol date, or the day of the last reset) */
  start: IsoDate;
  termDays: number;
  /** completed suspensions since `start`, in calendar days */
  suspendedDays: number;
  suspension: Suspension | null;
  /** set while the term is interrupted (e.g. SCIA conformation order): no due date until reset */
  interruptedAt: IsoDate | null;
  /** art. 2 c.7: once per procedure, and a reset does not give a second one */
  integrationSuspensionUsed: boolean;
  periods: SuspensionPeriod[];
  resets: { at: IsoDate; termDays: number }[];
  agencies: Record<string, AgencyTerm>;
}

function assertDays(days: number, what: string): void {
  if (!Number.isInteger(days) || days < 0) {
    throw new ClockError(
      "invalid_days",
      `Numero di giorni non valido per ${what}: ${days}`,
      `Invalid number of days for ${what}: ${days}`,
    );
  }
}

function assertNotBeforeStart(clock: ClockState, date: IsoDate): void {
  if (daysBetween(clock.start, date) < 0) {
    throw new ClockError(
      "date_before_start",
      `La data ${date} precede l'avvio del termine (${clock.start}).`,
      `Date ${date} is before the start of the term (${clock.start}).`,
    );
  }
}

function assertRunning(clock: ClockState): void {
  if (clock.interruptedAt) {
    throw new ClockError(
      "interrupted",
      "Il termine è interrotto: occorre farlo ripartire.",
      "The term is interrupted: it must be restarted.",
    );
  }
  if (clock.suspension) {
    throw new ClockError("already_suspended", "Il termine è già sospeso.", "The term is already suspended.");
  }
}

export function startClock(startDate: IsoDate, termDays: number): ClockState {
  toEpochDay(startDate);
  assertDays(termDays, "il termine");
  return {
    start: startDate,
    termDays,
    suspendedDays: 0,
    suspension: null,
    interruptedAt: null,
    integrationSuspensionUsed: false,
    periods: [],
    resets: [],
    agencies: {},
  };
}

/** Suspends the term to obtain integrations (art. 2 c.7 L. 241/1990): once, for at most 30 days. */
export function suspendForIntegration(
  clock: ClockState,
  date: IsoDate,
  maxDays: number,
  answerDays: number = maxDays,
): ClockState {
  assertNotBeforeStart(clock, date);
  assertRunning(clock);
  assertDays(maxDays, "la sospensione");
  assertDays(answerDays, "la risposta");
  if (clock.integrationSuspensionUsed) {
    throw new ClockError(
      "integration_suspension_used",
      "Il termine può essere sospeso per integrazioni una sola volta (art. 2, comma 7, L. 241/1990).",
      "The term may be suspended for integrations only once (art. 2(7) L. 241/1990).",
    );
  }
  if (maxDays > MAX_INTEGRATION_SUSPENSION_DAYS) {
    throw new ClockError(
      "suspension_too_long",
      `La sospensione non può superare ${MAX_INTEGRATION_SUSPENSION_DAYS} giorni (art. 2, comma 7, L. 241/1990).`,
      `The suspension cannot exceed ${MAX_INTEGRATION_SUSPENSION_DAYS} days (art. 2(7) L. 241/1990).`,
    );
  }
  return {
    ...clock,
    suspension: { kind: "integration", since: date, maxDays, answerDays },
    integrationSuspensionUsed: true,
  };
}

function closeSuspension(clock: ClockState, to: IsoDate): ClockState {
  const s = clock.suspension!;
  const days = daysBetween(s.since, to);
  const agencies: Record<string, AgencyTerm> = {};
  for (const [id, a] of Object.entries(clock.agencies)) {
    // agencies' terms stop with the procedure's (art. 14-bis c.2 lett. b): they resume by the same days
    agencies[id] = daysBetween(a.start, s.since) >= 0 ? { ...a, suspendedDays: a.suspendedDays + days } : a;
  }
  return {
    ...clock,
    suspension: null,
    suspendedDays: clock.suspendedDays + days,
    periods: [...clock.periods, { kind: s.kind, from: s.since, to, days }],
    agencies,
  };
}

/**
 * Ends an integration suspension on `date` (integration received or answer term over). The term resumes with
 * the days it had left; the stop counts at most `maxDays` days even when the answer came later.
 */
export function resumeClock(clock: ClockState, date: IsoDate): ClockState {
  const s = clock.suspension;
  if (!s) throw new ClockError("not_suspended", "Il termine non è sospeso.", "The term is not suspended.");
  if (s.kind !== "integration") {
    throw new ClockError(
      "wrong_suspension",
      "Il termine è sospeso per il preavviso di rigetto, non per integrazioni.",
      "The term is suspended for a notice of refusal, not for integrations.",
    );
  }
  if (daysBetween(s.since, date) < 0) {
    throw new ClockError(
      "date_before_start",
      `La data ${date} precede la sospensione (${s.since}).`,
      `Date ${date} is before the suspension (${s.since}).`,
    );
  }
  return closeSuspension(clock, minDate(date, addDays(s.since, s.maxDays)));
}

/**
 * Notice of refusal (art. 10-bis L. 241/1990): the term is suspended from the notice. It does not use up the
 * one integration suspension of art. 2 c.7.
 */
export function noticeOfRefusal(
  clock: ClockState,
  date: IsoDate,
  observationsDays: number,
  resumeAfterDays: number,
): ClockState {
  assertNotBeforeStart(clock, date);
  assertRunning(clock);
  assertDays(observationsDays, "le osservazioni");
  assertDays(resumeAfterDays, "la ripresa");
  return { ...clock, suspension: { kind: "refusal_notice", since: date, observationsDays, resumeAfterDays } };
}

/** Last day on which observations to a 10-bis notice are timely (moved off Sundays/holidays). */
export function observationsDueDate(clock: ClockState, cal: Calendar): IsoDate | null {
  const s = clock.suspension;
  if (s?.kind !== "refusal_notice") return null;
  return termEnd(s.since, s.observationsDays, cal);
}

/**
 * Observations arrived on `date`: the term "ricomincia a decorrere dieci giorni dopo la presentazione delle
 * osservazioni" (art. 10-bis), so the suspension ends `resumeAfterDays` after that date.
 */
export function observationsReceived(clock: ClockState, date: IsoDate): ClockState {
  const s = clock.suspension;
  if (s?.kind !== "refusal_notice") {
    throw new ClockError(
      "not_suspended",
      "Non è in corso un preavviso di rigetto.",
      "No notice of refusal is pending.",
    );
  }
  if (daysBetween(s.since, date) < 0) {
    throw new ClockError(
      "date_before_start",
      `La data ${date} precede il preavviso (${s.since}).`,
      `Date ${date} is before the notice (${s.since}).`,
    );
  }
  return closeSuspension(clock, addDays(date, s.resumeAfterDays));
}

/**
 * No observations: the term resumes "dalla scadenza del termine" for observations. We take the expiry as
 * computed by `observationsDueDate` (already moved off holidays), so the system timer's lateness never
 * lengthens the suspension.
 */
export function observationsTermExpired(clock: ClockState, cal: Calendar): ClockState {
  const due = observationsDueDate(clock, cal);
  if (!due) {
    throw new ClockError(
      "not_suspended",
      "Non è in corso un preavviso di rigetto.",
      "No notice of refusal is pending.",
    );
  }
  return closeSuspension(clock, due);
}

/** Interrupts the term (SCIA conformation order, art. 19 c.3): no due date until `resetClock`. */
export function interruptClock(clock: ClockState, date: IsoDate): ClockState {
  assertNotBeforeStart(clock, date);
  assertRunning(clock);
  return { ...clock, interruptedAt: date };
}

/**
 * A new full term from `date` (conformation measures communicated, regularisation received). Suspensions of the
 * old term no longer count, but the art. 2 c.7 integration suspension stays used: the law allows it once per
 * procedure, not once per term.
 */
export function resetClock(clock: ClockState, date: IsoDate, termDays: number): ClockState {
  assertNotBeforeStart(clock, date);
  assertDays(termDays, "il termine");
  if (clock.suspension) {
    throw new ClockError(
      "already_suspended",
      "Il termine è sospeso: non può ripartire.",
      "The term is suspended: it cannot restart.",
    );
  }
  return {
    ...clock,
    start: date,
    termDays,
    suspendedDays: 0,
    interruptedAt: null,
    resets: [...clock.resets, { at: date, termDays }],
  };
}

export function addAgencyTerm(
  clock: ClockState,
  agencyId: string,
  date: IsoDate,
  termDays: number,
  leadDaysBeforeFinal?: number,
): ClockState {
  assertNotBeforeStart(clock, date);
  assertDays(termDays, "il termine dell'ente");
  const term: AgencyTerm = { start: date, termDays, suspendedDays: 0 };
  if (leadDaysBeforeFinal !== undefined) term.leadDaysBeforeFinal = leadDaysBeforeFinal;
  return { ...clock, agencies: { ...clock.agencies, [agencyId]: term } };
}

/** start + term + completed suspensions, without the working-day shift; null while interrupted. */
export function rawDueDate(clock: ClockState, cal?: Calendar): IsoDate | null {
  if (clock.interruptedAt) return null;
  return addDays(clock.start, clock.termDays + clock.suspendedDays + pendingSuspensionDays(clock, cal));
}

/**
 * While suspended, the due date is the latest it can become if the suspension lasts as long as allowed
 * (integration: maxDays; notice of refusal: observation window + resume delay). Screens label it "at the
 * latest"; it becomes exact when the suspension ends.
 */
function pendingSuspensionDays(clock: ClockState, cal?: Calendar): number {
  const s = clock.suspension;
  if (!s) return 0;
  if (s.kind === "integration") return s.maxDays;
  const window = cal ? daysBetween(s.since, termEnd(s.since, s.observationsDays, cal)) : s.observationsDays;
  return window + s.resumeAfterDays;
}

/** Final due date of the procedure: moved to the next working day if it ends on a Sunday/holiday. */
export function dueDate(clock: ClockState, cal: Calendar): IsoDate | null {
  const raw = rawDueDate(clock, cal);
  return raw ? nextWorkingDay(raw, cal) : null;
}

export function agencyDueDate(clock: ClockState, agencyId: string, cal: Calendar): IsoDate | null {
  const a = clock.agencies[agencyId];
  if (!a) return null;
  const pending = clock.suspension && daysBetween(a.start, clock.suspension.since) >= 0;
  const own = nextWorkingDay(
    addDays(a.start, a.termDays + a.suspendedDays + (pending ? pendingSuspensionDays(clock, cal) : 0)),
    cal,
  );
  if (a.leadDaysBeforeFinal === undefined) return own;
  const finalRaw = rawDueDate(clock, cal);
  if (!finalRaw) return own;
  // the cap is a "no later than": off a holiday it moves back, never forward
  return minDate(own, previousWorkingDay(addDays(finalRaw, -a.leadDaysBeforeFinal), cal));
}

/**
 * An agency's due date with its reason: `own` is the day its term of `termDays` ends; `due` is earlier when
 * the SCIA unica cap (art. 19-bis c.2) moves it before the final term, and `cappedBy` is then the final due
 * date that forced it. Pages say why an agency given 60 days must answer weeks earlier.
 */
export function agencyTermView(
  clock: ClockState,
  agencyId: string,
  cal: Calendar,
): { due: IsoDate; own: IsoDate; termDays: number; cappedBy: IsoDate | null } | null {
  const a = clock.agencies[agencyId];
  const due = agencyDueDate(clock, agencyId, cal);
  if (!a || !due) return null;
  const pending = clock.suspension && daysBetween(a.start, clock.suspension.since) >= 0;
  const own = nextWorkingDay(
    addDays(a.start, a.termDays + a.suspendedDays + (pending ? pendingSuspensionDays(clock, cal) : 0)),
    cal,
  );
  const capped = due < own;
  return { due, own, termDays: a.termDays, cappedBy: capped ? dueDate(clock, cal) : null };
}

/** Day by which the applicant must answer the integration request (null if none pending). */
export function integrationDueDate(clock: ClockState, cal: Calendar): IsoDate | null {
  const s = clock.suspension;
  if (s?.kind !== "integration") return null;
  return termEnd(s.since, s.answerDays, cal);
}

export function isSuspended(clock: ClockState, today?: IsoDate): boolean {
  if (clock.suspension) return true;
  if (!today) return false;
  // after 10-bis observations the term is still stopped until `to`, which may be in the future
  return clock.periods.some((p) => today >= p.from && today < p.to);
}

export interface ClockView {
  finalDue: IsoDate | null;
  /** true while a suspension is open: finalDue is then the latest possible date */
  finalDueProvisional: boolean;
  agencies: Record<string, IsoDate>;
  integrationDue: IsoDate | null;
  observationsDue: IsoDate | null;
  suspended: boolean;
  interrupted: boolean;
  /** calendar days from today to the final due date (negative when overdue); null while interrupted */
  daysLeft: number | null;
  overdue: boolean;
}

/** Every date a screen shows about the clock, as seen on `today`. */
export function clockView(clock: ClockState, cal: Calendar, today: IsoDate): ClockView {
  const finalDue = dueDate(clock, cal);
  const agencies: Record<string, IsoDate> = {};
  for (const id of Object.keys(clock.agencies)) {
    const d = agencyDueDate(clock, id, cal);
    if (d) agencies[id] = d;
  }
  const daysLeft = finalDue ? daysBetween(today, finalDue) : null;
  return {
    finalDue,
    finalDueProvisional: clock.suspension !== null,
    agencies,
    integrationDue: integrationDueDate(clock, cal),
    observationsDue: observationsDueDate(clock, cal),
    suspended: isSuspended(clock, today),
    interrupted: clock.interruptedAt !== null,
    daysLeft,
    overdue: daysLeft !== null && daysLeft < 0,
  };
}
