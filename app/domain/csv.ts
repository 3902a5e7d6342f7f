/**
 * The one CSV writer of the portal (open data, the desk's dashboard, the association's export): RFC 4180, CRLF
 * line ends, fields quoted when they hold a separator, a quote, CR or LF; quotes doubled.
 *
 * Text cells are also guarded against formula injection (OWASP "CSV injection"): a cell that starts with `=`,
 * `+`, `-`, `@`, a tab or a CR is prefixed with an apostrophe, so a spreadsheet shows it as text instead of
 * running `=HYPERLINK(...)`. Numbers and booleans are written as they are (a negative number stays a number).
 */
export type CsvValue = string | number | boolean | null | undefined;
export type CsvSeparator = "," | ";";

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: CsvValue, separator: CsvSeparator = ","): string {
  if (value === null || value === undefined) return "";
  const raw = String(value);
  const s = typeof value === "string" && FORMULA_START.test(raw) ? `'${raw}` : raw;
  const needsQuotes = s.includes(separator) || /["\r\n]/.test(s);
  return needsQuotes ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly CsvValue[], separator: CsvSeparator = ","): string {
  return values.map((v) => csvField(v, separator)).join(separator);
}

/**
 * The whole file, each record ending in CRLF; with `bom`, a UTF-8 byte order mark first (for spreadsheets);
 * `separator: ";"` for the exports meant for Italian spreadsheets.
 */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly CsvValue[])[],
  opts: { bom?: boolean; separator?: CsvSeparator } = {},
): string {
  const sep = opts.separator ?? ",";
  const body = [csvRow(header, sep), ...rows.map((r) => csvRow(r, sep))]
    .map((line) => `${line}\r\n`)
    .join("");
  return opts.bom ? `\uFEFF${body}` : body;
}

/** A small RFC 4180 parser (used by the tests and by anyone checking an export). */
export function parseCsv(text: string, separator: CsvSeparator = ","): string[][] {
  const input = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (quoted) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      row.push(field);
      field = "";
    } else if (c === "\r" && input[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Cents as euro with a dot and two decimals ("60.00"): machine-readable whatever the reader's locale. */
export function euro(cents: number): string {
  return (cents / 100).toFixed(2);
}
