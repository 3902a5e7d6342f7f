/**
 * The CUI (codice univoco istanza) of the SSU (json-schema/cui-schema.yaml): context, date of issue, a
 * progressive number that rotates every year, and a UUID. Our choices:
 * - context: the code of the SUAP desk that receives the istanza (e.g. SUAP-AVC);
 * - data: the filing date in Europe/Rome (yyyy-mm-dd);
 * - progressive: the desk's yearly gapless "cui" counter, zero-padded to 6 digits;
 * - uuid: the pratica's own id, so the CUI leads straight to the record.
 * String form, used everywhere a single code is shown: `SUAP-AVC-2026-11-26-000123-<uuid>`. The UUID alone
 * makes it unique; the other parts make it readable and sortable by desk and date.
 */
export interface Cui {
  context: string;
  data: string;
  progressive: string;
  uuid: string;
}

export function formatCui(cui: Cui): string {
  return `${cui.context}-${cui.data}-${cui.progressive}-${cui.uuid}`;
}

export function buildCui(context: string, date: string, progressive: number, uuid: string): Cui {
  return { context, data: date, progressive: String(progressive).padStart(6, "0"), uuid };
}

const CUI_RE =
  /^(.+)-(\d{4}-\d{2}-\d{2})-(\d{6,})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function parseCui(text: string): Cui | null {
  const m = CUI_RE.exec(text.trim());
  if (!m) return null;
  return { context: m[1]!, data: m[2]!, progressive: m[3]!, uuid: m[4]!.toLowerCase() };
}

/** The calendar date in Rome, the calendar of legal terms and of the CUI. */
export { romeDate } from "~/domain/dates";
