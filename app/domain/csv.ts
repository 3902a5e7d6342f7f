/** RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, a quote, CR or LF; quotes doubled. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly (string | number | boolean | null | undefined)[]): string {
  return values.map(csvField).join(",");
}

/** The whole file, each record ending in CRLF; with `bom`, a UTF-8 byte order mark first (for spreadsheets). */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | null | undefined)[])[],
  opts: { bom?: boolean } = {},
): string {
  const body = [csvRow(header), ...rows.map(csvRow)].map((line) => `${line}\r\n`).join("");
  return opts.bom ? `\uFEFF${body}` : body;
}

/** A small RFC 4180 parser (used by the tests and by anyone checking an export). */
export function parseCsv(text: string): string[][] {
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
    else if (c === ",") {
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
