/**
 * The dates the law gives, computed here independently of `workflows/clock` (the code under test), so the desk
 * spec checks the screens against the rule and not against the same function (issue 11).
 *
 * The rule, written out: a term of N days from a day D ends on D + N calendar days (the first day is not
 * counted, art. 2963 c.c. / art. 155 c.p.c.); when that day is a Sunday or a national public holiday the term
 * ends on the next day that is neither (Saturday is a working day for administrative terms). Holidays: 1 and 6
 * January, Easter Monday, 25 April, 1 May, 2 June, 15 August, 4 October (from 2026, L. 151/2025), 1 November,
 * 8, 25 and 26 December. The demo municipality has no patron day configured.
 */

/** Easter Sunday, from the published calendar (a table, not an algorithm: no shared code with the app). */
const EASTER_SUNDAY: Record<number, string> = {
  2025: "04-20",
  2026: "04-05",
  2027: "03-28",
  2028: "04-16",
  2029: "04-01",
  2030: "04-21",
  2031: "04-13",
  2032: "03-28",
  2033: "04-17",
  2034: "04-09",
  2035: "03-25",
};

const FIXED_HOLIDAYS = [
  "01-01",
  "01-06",
  "04-25",
  "05-01",
  "06-02",
  "08-15",
  "11-01",
  "12-08",
  "12-25",
  "12-26",
];

const DAY_MS = 86_400_000;

function toUtc(iso: string): Date {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d!));
}

function toIso(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function plusDays(iso: string, days: number): string {
  return toIso(new Date(toUtc(iso).getTime() + days * DAY_MS));
}

export function calendarDaysBetween(from: string, to: string): number {
  return Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / DAY_MS);
}

function isHoliday(iso: string): boolean {
  const year = Number(iso.slice(0, 4));
  const monthDay = iso.slice(5);
  if (FIXED_HOLIDAYS.includes(monthDay)) return true;
  if (year >= 2026 && monthDay === "10-04") return true;
  const easter = EASTER_SUNDAY[year];
  if (!easter) throw new Error(`legal-dates.ts: add Easter ${year} to the table`);
  return iso === plusDays(`${year}-${easter}`, 1);
}

/** The day itself, or the first following day that is not a Sunday nor a holiday. */
export function firstWorkingDayFrom(iso: string): string {
  let day = iso;
  while (toUtc(day).getUTCDay() === 0 || isHoliday(day)) day = plusDays(day, 1);
  return day;
}

/** The last day of a term of `days` days from `from`. */
export function legalTermEnd(from: string, days: number): string {
  return firstWorkingDayFrom(plusDays(from, days));
}
