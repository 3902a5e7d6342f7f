const ROME_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Rome" });

/**
 * The calendar day in Italy (ISO yyyy-mm-dd) of an instant: legal terms, filing dates and delegations are
 * counted in Rome's calendar, whatever the server's time zone.
 */
export function romeDate(instant: Date = new Date()): string {
  return ROME_DAY.format(instant);
}

/** An ISO date (or date-time) as the Italian dd/mm/yyyy, the form every page, mail and document shows. */
export function italianDate(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split("-");
  return `${d}/${m}/${y}`;
}

const ROME_PARTS = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Europe/Rome",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/**
 * An instant as an RFC 3339 date-time in Rome's time (`2026-03-02T00:30:00+01:00`), the form the SSU's
 * messages carry: the same instant as the UTC one, with Italy's offset (CET +01:00, CEST +02:00).
 */
export function romeDateTime(instant: Date): string {
  const p = Object.fromEntries(ROME_PARTS.formatToParts(instant).map((x) => [x.type, x.value]));
  const local = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  const offset = Math.round((local - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${sign}${hh}:${mm}`;
}
