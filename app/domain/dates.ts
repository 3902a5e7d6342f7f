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
