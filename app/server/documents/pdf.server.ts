// Document renderer: turns a DocumentSpec (receipt, integration request, decision, ...) into an A4 PDF.
// The HTML page is the accessible record; this PDF is a faithful, printable and verifiable copy of it.
// Pure of the database: the only I/O is reading the font files once (cached for the process lifetime).
// See docs/decisions/0005-documents.md.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { deflateSync } from "node:zlib";
import fontkit from "@pdf-lib/fontkit";
import {
  type Color,
  fill,
  type PDFFont,
  type PDFPage,
  PDFDocument,
  PDFHexString,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setFillingRgbColor,
} from "pdf-lib";
import QRCode from "qrcode";

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

export interface DocumentSpec {
  locale: "it" | "en";
  kind: string;
  title: string;
  issuer: { name: string; address?: string; pec?: string };
  protocol?: { number: string; date: string };
  cui?: string;
  recipient?: { name: string; lines?: string[] };
  sections: Array<{
    heading: string;
    rows?: Array<[label: string, value: string]>;
    paragraphs?: string[];
    table?: { columns: string[]; rows: string[][]; widths?: number[] };
  }>;
  verification: { code: string; url: string };
  generatedAt: string;
}

export class DocumentSpecError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid document spec: ${issues.join("; ")}`);
    this.name = "DocumentSpecError";
  }
}

/** Crockford base32 alphabet: digits and letters without I, L, O, U. */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A short, unambiguous verification code, e.g. "K7QF-2M9X-A4TZ-0H8B" (4 groups of 4 = 80 random bits).
 * 256 is a multiple of 32, so `byte % 32` is uniform.
 */
export function verificationCode(groups = 4, groupLength = 4): string {
  const bytes = randomBytes(groups * groupLength);
  const chars = Array.from(bytes, (b) => CROCKFORD[b % 32]);
  const parts: string[] = [];
  for (let g = 0; g < groups; g++) parts.push(chars.slice(g * groupLength, (g + 1) * groupLength).join(""));
  return parts.join("-");
}

/**
 * Normalises what a person typed from paper: case-insensitive, O→0, I/L→1, spaces and dashes ignored,
 * regrouped in fours. Returns null when a character is not in the alphabet.
 */
export function normalizeVerificationCode(input: string, groupLength = 4): string | null {
  const raw = input.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  if (!raw || [...raw].some((c) => !CROCKFORD.includes(c))) return null;
  return raw.match(new RegExp(`.{1,${groupLength}}`, "g"))!.join("-");
}

/** A file name safe on every OS and in a Content-Disposition header: `ricevuta_SUAP-AVC-2026-0000123.pdf`. */
export function documentFileName(kind: string, protocolNumber?: string): string {
  const slug = (s: string) =>
    s
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .replace(/[^A-Za-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80)
      .replace(/-+$/, "");
  const base = slug(kind).toLowerCase() || "documento";
  const proto = protocolNumber ? slug(protocolNumber) : "";
  return proto ? `${base}_${proto}.pdf` : `${base}.pdf`;
}

/**
 * pdf-lib compresses every stream with pako, deflate written in JavaScript: a quarter of a receipt's CPU time.
 * Node's zlib writes the same zlib format natively, several times faster: hand it to the pako pdf-lib loads.
 */
function deflateNatively() {
  try {
    // The pako that pdf-lib itself requires (resolved from pdf-lib's own location).
    const pdfLib = createRequire(import.meta.url).resolve("pdf-lib");
    const pako = createRequire(pdfLib)("pako") as { deflate: (data: Uint8Array) => Uint8Array };
    pako.deflate = (data) => deflateSync(data);
  } catch {
    // Not found where expected: pdf-lib keeps its own pako, slower but the same documents.
  }
}
deflateNatively();

/**
 * fontkit parses a font file on every embed; the parsed font (with its decoded glyphs) is reusable across
 * documents, so parse each font file once per process. This takes most of the cost out of subsetting.
 */
const parsedFonts = new WeakMap<object, ReturnType<typeof fontkit.create>>();
const cachedFontkit = {
  create(buffer: Uint8Array, postscriptName?: string) {
    const key = buffer as unknown as object;
    let font = parsedFonts.get(key);
    if (!font) {
      const parsed = fontkit.create(buffer, postscriptName) as fontkit.Font;
      // pdf-lib reads only the glyphs of a layout. Without shaping (see NO_SHAPING) those are the cmap's
      // glyphs for the string, so skip fontkit's layout engine (feature planning on every call).
      (parsed as unknown as { layout: (text: string) => { glyphs: unknown[] } }).layout = (text) => ({
        glyphs: parsed.glyphsForString(text),
      });
      font = parsed as unknown as ReturnType<typeof fontkit.create>;
      parsedFonts.set(key, font);
    }
    return font;
  },
} as unknown as typeof fontkit;

/**
 * The layout measures with plain advance widths (no kerning), so drawing without OpenType shaping matches
 * it exactly and skips fontkit's GPOS/GSUB work on every line.
 */
const NO_SHAPING = {
  kern: false,
  liga: false,
  calt: false,
  clig: false,
  rlig: false,
  mark: false,
  mkmk: false,
};

/** The QR code as vector modules (no PNG to encode and decode): dark runs per row, in module units. */
function qrRuns(url: string): { size: number; runs: [row: number, col: number, len: number][] } {
  const qr = QRCode.create(url, { errorCorrectionLevel: "M" });
  const size = qr.modules.size;
  const runs: [number, number, number][] = [];
  for (let r = 0; r < size; r++) {
    let c = 0;
    while (c < size) {
      if (qr.modules.get(r, c)) {
        const start = c;
        while (c < size && qr.modules.get(r, c)) c++;
        runs.push([r, start, c - start]);
      } else c++;
    }
  }
  return { size, runs };
}

export async function renderPdf(spec: DocumentSpec): Promise<Uint8Array> {
  validate(spec);
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(cachedFontkit);
  const fonts = await embedFonts(doc, collectText(spec));
  const qr = qrRuns(spec.verification.url);
  const layout = new Layout(doc, fonts, spec, qr);
  layout.render();

  const t = LABELS[spec.locale];
  const created = new Date(spec.generatedAt);
  doc.setTitle(clean(spec.title), { showInWindowTitleBar: true });
  doc.setAuthor(clean(spec.issuer.name));
  doc.setSubject(clean(spec.kind));
  doc.setKeywords(
    [spec.kind, spec.protocol?.number, spec.cui, `${t.code}: ${spec.verification.code}`]
      .filter((k): k is string => !!k)
      .map(clean),
  );
  doc.setCreator("Portale SUAP");
  doc.setProducer("Portale SUAP (pdf-lib)");
  doc.setLanguage(spec.locale === "it" ? "it-IT" : "en-GB");
  doc.setCreationDate(created);
  doc.setModificationDate(created);
  // A stable file identifier derived from the content: the same spec gives the same bytes.
  const id = createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 32);
  doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of(id), PDFHexString.of(id)]);
  return doc.save({ useObjectStreams: true });
}

// ---------------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------------

function isIsoDate(s: unknown): boolean {
  return (
    typeof s === "string" &&
    /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) &&
    !Number.isNaN(Date.parse(s))
  );
}

function blank(s: unknown): boolean {
  return typeof s !== "string" || s.trim() === "";
}

function validate(spec: DocumentSpec): void {
  const issues: string[] = [];
  if (!spec || typeof spec !== "object") throw new DocumentSpecError(["spec must be an object"]);
  if (spec.locale !== "it" && spec.locale !== "en") issues.push(`locale must be "it" or "en"`);
  if (blank(spec.title)) issues.push("title is required");
  if (blank(spec.kind)) issues.push("kind is required");
  if (!spec.issuer || blank(spec.issuer.name)) issues.push("issuer.name is required");
  if (spec.protocol) {
    if (blank(spec.protocol.number)) issues.push("protocol.number is required when protocol is given");
    if (!isIsoDate(spec.protocol.date))
      issues.push(`protocol.date must be an ISO date (got "${spec.protocol.date}")`);
  }
  if (spec.recipient && blank(spec.recipient.name))
    issues.push("recipient.name is required when recipient is given");
  if (!isIsoDate(spec.generatedAt))
    issues.push(`generatedAt must be an ISO date-time (got "${spec.generatedAt}")`);
  if (!spec.verification || blank(spec.verification.code)) issues.push("verification.code is required");
  const url = spec.verification?.url;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {}
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:") || !parsed.host) {
    issues.push(`verification.url must be an absolute http(s) URL (got "${url}")`);
  }
  if (!Array.isArray(spec.sections)) issues.push("sections must be an array");
  else
    spec.sections.forEach((s, i) => {
      if (blank(s?.heading)) issues.push(`sections[${i}].heading is required`);
      const table = s?.table;
      if (!table) return;
      if (!Array.isArray(table.columns) || table.columns.length === 0)
        issues.push(`sections[${i}].table.columns must not be empty`);
      else {
        table.rows.forEach((r, j) => {
          if (!Array.isArray(r) || r.length !== table.columns.length)
            issues.push(`sections[${i}].table.rows[${j}] must have ${table.columns.length} cells`);
        });
        if (
          table.widths &&
          (table.widths.length !== table.columns.length ||
            table.widths.some((w) => !(typeof w === "number" && w > 0 && Number.isFinite(w))))
        )
          issues.push(`sections[${i}].table.widths must be ${table.columns.length} positive numbers`);
      }
    });
  if (issues.length) throw new DocumentSpecError(issues);
}

// ---------------------------------------------------------------------------------------------------------
// Fonts
// ---------------------------------------------------------------------------------------------------------

type Style = "regular" | "semibold" | "bold" | "mono";

const FONT_DIR = "node_modules/bootstrap-italia/dist/fonts";
const FONT_FILES: Record<Style, string> = {
  regular: `${FONT_DIR}/Titillium_Web/titillium-web-v10-latin-ext_latin-regular.ttf`,
  semibold: `${FONT_DIR}/Titillium_Web/titillium-web-v10-latin-ext_latin-600.ttf`,
  bold: `${FONT_DIR}/Titillium_Web/titillium-web-v10-latin-ext_latin-700.ttf`,
  mono: `${FONT_DIR}/Roboto_Mono/roboto-mono-v13-latin-ext_latin-regular.ttf`,
};
/**
 * Titillium Web covers Latin and Latin Extended-A/B (all EU languages) but not e.g. Vietnamese or Greek.
 * For those characters a fallback font is used when one is found; the first existing path wins.
 * SUAP_PDF_FALLBACK_FONT may point to a TTF (regular weight; its "-Bold" sibling is used if present).
 */
const FALLBACK_CANDIDATES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

interface LoadedFont {
  bytes: Uint8Array;
  face: fontkit.Font;
  widths: Map<number, number>; // code point -> advance at size 1
}

const fontCache = new Map<string, LoadedFont | null>();

function loadFont(file: string): LoadedFont | null {
  const abs = path.isAbsolute(file) ? file : path.resolve(process.cwd(), file);
  if (fontCache.has(abs)) return fontCache.get(abs)!;
  let loaded: LoadedFont | null = null;
  if (existsSync(abs)) {
    const bytes = new Uint8Array(readFileSync(abs));
    loaded = { bytes, face: fontkit.create(bytes) as fontkit.Font, widths: new Map() };
  }
  fontCache.set(abs, loaded);
  return loaded;
}

function requiredFont(style: Style): LoadedFont {
  const f = loadFont(FONT_FILES[style]);
  if (!f)
    throw new Error(
      `Font file not found: ${path.resolve(process.cwd(), FONT_FILES[style])} (run from the repo root)`,
    );
  return f;
}

function fallbackFonts(): { regular: LoadedFont; bold: LoadedFont } | null {
  const candidates = [process.env.SUAP_PDF_FALLBACK_FONT, ...FALLBACK_CANDIDATES].filter(
    (c): c is string => !!c,
  );
  for (const file of candidates) {
    const regular = loadFont(file);
    if (!regular) continue;
    const bold = loadFont(file.replace(/(-Regular)?\.ttf$/i, "-Bold.ttf")) ?? regular;
    return { regular, bold };
  }
  return null;
}

function advance(font: LoadedFont, cp: number): number {
  let w = font.widths.get(cp);
  if (w === undefined) {
    w = font.face.glyphForCodePoint(cp).advanceWidth / font.face.unitsPerEm;
    font.widths.set(cp, w);
  }
  return w;
}

/** One embedded face plus the metrics used for layout. */
interface Face {
  pdf: PDFFont;
  metrics: LoadedFont;
}

interface Fonts {
  primary: Record<Style, Face>;
  fallback: { regular: Face; bold: Face } | null;
}

function collectText(spec: DocumentSpec): string {
  const parts: string[] = [spec.title, spec.issuer.name, spec.issuer.address ?? "", spec.issuer.pec ?? ""];
  parts.push(
    spec.protocol?.number ?? "",
    spec.cui ?? "",
    spec.recipient?.name ?? "",
    ...(spec.recipient?.lines ?? []),
  );
  parts.push(spec.verification.url, spec.verification.code);
  for (const s of spec.sections) {
    parts.push(s.heading, ...(s.paragraphs ?? []));
    for (const [l, v] of s.rows ?? []) parts.push(l, v);
    if (s.table) parts.push(...s.table.columns, ...s.table.rows.flat());
  }
  return clean(parts.join(" "));
}

async function embedFonts(doc: PDFDocument, allText: string): Promise<Fonts> {
  const primary = {} as Record<Style, Face>;
  for (const style of Object.keys(FONT_FILES) as Style[]) {
    const metrics = requiredFont(style);
    primary[style] = {
      pdf: await doc.embedFont(metrics.bytes, { subset: true, features: NO_SHAPING }),
      metrics,
    };
  }
  // The fallback face is embedded only when the document needs it.
  let fallback: Fonts["fallback"] = null;
  const regular = primary.regular.metrics.face;
  const needsFallback = [...allText].some((c) => !regular.hasGlyphForCodePoint(c.codePointAt(0)!));
  const fb = needsFallback ? fallbackFonts() : null;
  if (fb) {
    const r = {
      pdf: await doc.embedFont(fb.regular.bytes, { subset: true, features: NO_SHAPING }),
      metrics: fb.regular,
    };
    const b =
      fb.bold === fb.regular
        ? r
        : {
            pdf: await doc.embedFont(fb.bold.bytes, { subset: true, features: NO_SHAPING }),
            metrics: fb.bold,
          };
    fallback = { regular: r, bold: b };
  }
  return { primary, fallback };
}

/** NFC, no control or invisible characters; tabs become spaces, line breaks are kept as "\n". */
function clean(s: string): string {
  return s
    .normalize("NFC")
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, " ")
    .replace(/(?!\n)[\p{Cc}\u00AD\u200B-\u200D\u2060\uFEFF]/gu, "");
}

// ---------------------------------------------------------------------------------------------------------
// Text: runs of one face, measuring, wrapping
// ---------------------------------------------------------------------------------------------------------

interface Run {
  text: string;
  face: Face;
}

class Typesetter {
  constructor(private fonts: Fonts) {}

  /** Splits text into runs of one face: primary, fallback, or a primary-face approximation. */
  runs(text: string, style: Style): Run[] {
    const out: Run[] = [];
    const push = (t: string, face: Face) => {
      const last = out[out.length - 1];
      if (last && last.face === face) last.text += t;
      else out.push({ text: t, face });
    };
    const main = this.fonts.primary[style];
    const textFace = style === "mono" ? this.fonts.primary.regular : main;
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (main.metrics.face.hasGlyphForCodePoint(cp)) push(ch, main);
      else if (textFace.metrics.face.hasGlyphForCodePoint(cp)) push(ch, textFace);
      else {
        const fb =
          style === "bold" || style === "semibold" ? this.fonts.fallback?.bold : this.fonts.fallback?.regular;
        if (fb?.metrics.face.hasGlyphForCodePoint(cp)) push(ch, fb);
        else {
          // Last resort: the base letter without its marks (ễ -> e), else "?". The HTML record keeps the original.
          const base = ch.normalize("NFD").replace(/\p{M}/gu, "");
          const ok =
            base && [...base].every((c) => textFace.metrics.face.hasGlyphForCodePoint(c.codePointAt(0)!));
          push(ok ? base : "?", textFace);
        }
      }
    }
    return out;
  }

  width(text: string, style: Style, size: number): number {
    let w = 0;
    for (const r of this.runs(text, style))
      for (const ch of r.text) w += advance(r.face.metrics, ch.codePointAt(0)!);
    return w * size;
  }

  /** Greedy word wrap; words wider than the line are broken between characters. "\n" forces a break. */
  wrap(text: string, style: Style, size: number, maxWidth: number): string[] {
    const lines: string[] = [];
    for (const hard of clean(text).split("\n")) {
      const words = hard.split(/ +/).filter((w) => w !== "");
      let line = "";
      for (let word of words) {
        const candidate = line ? `${line} ${word}` : word;
        if (this.width(candidate, style, size) <= maxWidth) {
          line = candidate;
          continue;
        }
        if (line) lines.push(line);
        line = "";
        while (this.width(word, style, size) > maxWidth) {
          const chars = [...word];
          let n = 1;
          while (n < chars.length && this.width(chars.slice(0, n + 1).join(""), style, size) <= maxWidth) n++;
          lines.push(chars.slice(0, n).join(""));
          word = chars.slice(n).join("");
        }
        line = word;
      }
      lines.push(line);
    }
    return lines;
  }

  /** Hashes and other long hex strings: break in equal chunks (64 -> 2 x 32) so they are easy to compare. */
  wrapHex(text: string, size: number, maxWidth: number): string[] {
    const perLine = Math.max(
      1,
      Math.floor(maxWidth / (advance(this.fonts.primary.mono.metrics, 0x30) * size)),
    );
    if (text.length <= perLine) return [text];
    let chunk = perLine;
    for (const c of [32, 16, 8]) {
      if (c <= perLine) {
        chunk = c;
        break;
      }
    }
    return text.match(new RegExp(`.{1,${chunk}}`, "g")) ?? [text];
  }

  /**
   * A value that must stay whole on one line (a CUI, a SHA-256: copied from the PDF, a break inside would
   * copy a wrong value): the largest size from `size` down to `min` at which it fits, or null if none does.
   */
  fitWhole(text: string, style: Style, size: number, maxWidth: number, min = 5): number | null {
    for (let s = size; s >= min; s -= 0.25) if (this.width(text, style, s) <= maxWidth) return s;
    return null;
  }

  truncate(text: string, style: Style, size: number, maxWidth: number): string {
    if (this.width(text, style, size) <= maxWidth) return text;
    const chars = [...text];
    while (chars.length && this.width(`${chars.join("")}…`, style, size) > maxWidth) chars.pop();
    return `${chars.join("").trimEnd()}…`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------------------

const MM = 72 / 25.4;
const PAGE: [number, number] = [595.28, 841.89]; // A4
const MARGIN = { left: 20 * MM, right: 20 * MM, top: 16 * MM, bottom: 14 * MM };
const CONTENT_WIDTH = PAGE[0] - MARGIN.left - MARGIN.right;
const QR_SIZE = 32 * MM;
const RUNNING_HEADER = 28; // height taken by the running header on pages after the first

const INK = rgb(0.1, 0.12, 0.15);
const MUTED = rgb(0.36, 0.435, 0.51); // Bootstrap Italia #5C6F82
const BRAND = rgb(0, 0.4, 0.8); // #0066CC
const RULE = rgb(0.78, 0.81, 0.85);
const BOX_BG = rgb(0.94, 0.965, 1);
const HEAD_BG = rgb(0.91, 0.93, 0.95);
const ZEBRA = rgb(0.975, 0.98, 0.985);

const HEX = /^[0-9A-Fa-f]{32,}$/;

const LABELS = {
  it: {
    protocol: "Protocollo n.",
    protocolDate: "Data protocollo",
    cui: "CUI",
    recipient: "Destinatario",
    code: "Codice di verifica",
    verifyAt: "Verifica l'autenticità su",
    scan: "Inquadra per verificare",
    generated: "Generato il",
    page: (n: number, total: number) => `Pagina ${n} di ${total}`,
    continued: "(segue)",
  },
  en: {
    protocol: "Protocol no.",
    protocolDate: "Protocol date",
    cui: "CUI",
    recipient: "Recipient",
    code: "Verification code",
    verifyAt: "Verify its authenticity at",
    scan: "Scan to verify",
    generated: "Generated on",
    page: (n: number, total: number) => `Page ${n} of ${total}`,
    continued: "(continued)",
  },
};

/** dd/mm/yyyy[ hh:mm] in Italian time, independent of the server's time zone. */
const ROME_DATE_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/Rome",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

export function formatDocumentDate(iso: string): string {
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (dateOnly) return `${dateOnly[3]}/${dateOnly[2]}/${dateOnly[1]}`;
  const parts = ROME_DATE_TIME.formatToParts(new Date(iso));
  const p = (t: string) => parts.find((x) => x.type === t)?.value ?? "";
  return `${p("day")}/${p("month")}/${p("year")} ${p("hour")}:${p("minute")}`;
}

interface Cell {
  lines: string[];
  style: Style;
  size: number;
  lh: number;
}

class Layout {
  private pages: PDFPage[] = [];
  private page!: PDFPage;
  private y = 0;
  private readonly ts: Typesetter;
  private readonly t: (typeof LABELS)["it"];
  private readonly footerLines: string[];
  private readonly footerTop: number;
  private readonly bodyBottom: number;

  constructor(
    private doc: PDFDocument,
    fonts: Fonts,
    private spec: DocumentSpec,
    private qr: { size: number; runs: [number, number, number][] },
  ) {
    this.ts = new Typesetter(fonts);
    this.t = LABELS[spec.locale];
    // The footer is the same height on every page; reserve room for "Pagina 999 di 999".
    const pageLabelWidth = this.ts.width(this.t.page(999, 999), "regular", 7.5);
    this.footerLines = this.ts.wrap(
      `${this.t.verifyAt} ${spec.verification.url}`,
      "regular",
      7.5,
      CONTENT_WIDTH - pageLabelWidth - 16,
    );
    this.footerTop = MARGIN.bottom + (this.footerLines.length + 1) * 10 + 4;
    this.bodyBottom = this.footerTop + 14;
  }

  render() {
    this.newPage();
    this.header();
    for (const section of this.spec.sections) this.section(section);
    this.footers();
  }

  // --- primitives --------------------------------------------------------------------------------------

  private newPage() {
    this.page = this.doc.addPage(PAGE);
    this.pages.push(this.page);
    this.y = PAGE[1] - MARGIN.top;
    if (this.pages.length > 1) this.runningHeader();
  }

  private room(height: number) {
    return this.y - height >= this.bodyBottom;
  }

  private ensure(height: number) {
    if (!this.room(height)) this.newPage();
  }

  /** Draws one line whose top is `top`; returns nothing. Baseline sits at ~80% of the size below the top. */
  private text(s: string, x: number, top: number, style: Style, size: number, color: Color = INK) {
    let cx = x;
    const baseline = top - size * 0.92;
    for (const run of this.ts.runs(s, style)) {
      this.page.drawText(run.text, { x: cx, y: baseline, size, font: run.face.pdf, color });
      cx += run.face.pdf.widthOfTextAtSize(run.text, size);
    }
  }

  private rule(
    y: number,
    thickness = 0.5,
    color: Color = RULE,
    x1 = MARGIN.left,
    x2 = PAGE[0] - MARGIN.right,
  ) {
    this.page.drawLine({ start: { x: x1, y }, end: { x: x2, y }, thickness, color });
  }

  // --- page furniture ----------------------------------------------------------------------------------

  private header() {
    const { spec, t } = this;
    const top = this.y;
    const leftWidth = CONTENT_WIDTH - QR_SIZE - 18;
    const x = MARGIN.left;
    let y = top;

    // Issuer
    for (const line of this.ts.wrap(spec.issuer.name, "bold", 12, leftWidth)) {
      this.text(line, x, y, "bold", 12, BRAND);
      y -= 15;
    }
    const contact = [spec.issuer.address, spec.issuer.pec ? `PEC: ${spec.issuer.pec}` : ""].filter(Boolean);
    for (const c of contact)
      for (const line of this.ts.wrap(c!, "regular", 8.5, leftWidth)) {
        this.text(line, x, y, "regular", 8.5, MUTED);
        y -= 11;
      }
    y -= 12;

    // Title
    for (const line of this.ts.wrap(spec.title, "bold", 19, leftWidth)) {
      this.text(line, x, y, "bold", 19);
      y -= 23;
    }
    y -= 8;

    // Protocol / CUI box
    const boxRows: Array<[string, string]> = [];
    if (spec.protocol) {
      boxRows.push([t.protocol, spec.protocol.number]);
      boxRows.push([t.protocolDate, formatDocumentDate(spec.protocol.date)]);
    }
    if (spec.cui) boxRows.push([t.cui, spec.cui]);
    if (boxRows.length) {
      const pad = 8;
      const labelW = Math.max(...boxRows.map(([l]) => this.ts.width(l, "semibold", 8.5))) + 12;
      const valueW = leftWidth - 2 * pad - labelW;
      // Codes (protocol number, CUI) stay on one line, smaller if need be: a break would copy a wrong value.
      const laid = boxRows.map(([l, v]) => {
        const whole = /\s/.test(v) ? null : this.ts.fitWhole(v, "semibold", 10.5, valueW, 6);
        return whole
          ? { l, lines: [v], size: whole }
          : { l, lines: this.ts.wrap(v, "semibold", 10.5, valueW), size: 10.5 };
      });
      const height = laid.reduce((h, r) => h + r.lines.length * 14, 0) + 2 * pad - 2;
      this.page.drawRectangle({
        x,
        y: y - height,
        width: leftWidth,
        height,
        color: BOX_BG,
        borderColor: BRAND,
        borderWidth: 0.75,
      });
      let by = y - pad;
      for (const r of laid) {
        this.text(r.l, x + pad, by - 1.5, "semibold", 8.5, MUTED);
        for (const line of r.lines) {
          this.text(line, x + pad + labelW, by, "semibold", r.size);
          by -= 14;
        }
      }
      y -= height;
    }

    // QR code, top right, with the code underneath
    const qx = PAGE[0] - MARGIN.right - QR_SIZE;
    // A 4-module quiet zone, as the PNG had; dark modules drawn as filled runs.
    const quiet = 4;
    const unit = QR_SIZE / (this.qr.size + 2 * quiet);
    const originY = top - QR_SIZE + 6;
    // One path of rectangles filled once (a drawRectangle per run wrote ~10 operators each).
    this.page.pushOperators(
      pushGraphicsState(),
      setFillingRgbColor(0, 0, 0),
      ...this.qr.runs.map(([row, col, len]) =>
        rectangle(qx + (quiet + col) * unit, originY + QR_SIZE - (quiet + row + 1) * unit, len * unit, unit),
      ),
      fill(),
      popGraphicsState(),
    );
    let qy = top - QR_SIZE + 4;
    for (const [s, style, size] of [
      [t.scan, "regular", 7],
      [spec.verification.code, "mono", 7.5],
    ] as const) {
      const w = this.ts.width(s, style, size);
      this.text(
        this.ts.truncate(s, style, size, QR_SIZE),
        qx + Math.max(0, (QR_SIZE - w) / 2),
        qy,
        style,
        size,
        MUTED,
      );
      qy -= 10;
    }

    this.y = Math.min(y, qy) - 12;
    this.rule(this.y, 1.2, BRAND);
    this.y -= 14;

    if (spec.recipient) {
      const rx = MARGIN.left + CONTENT_WIDTH / 2;
      const rw = CONTENT_WIDTH / 2;
      const lines: Array<[string, Style, number, number, Color]> = [
        [t.recipient, "semibold", 8.5, 12, MUTED],
      ];
      for (const l of this.ts.wrap(spec.recipient.name, "bold", 11, rw)) lines.push([l, "bold", 11, 14, INK]);
      for (const extra of spec.recipient.lines ?? [])
        for (const l of this.ts.wrap(extra, "regular", 10, rw)) lines.push([l, "regular", 10, 13, INK]);
      for (const [s, style, size, lh, color] of lines) {
        this.ensure(lh);
        this.text(s, rx, this.y, style, size, color);
        this.y -= lh;
      }
      this.y -= 10;
    }
  }

  private runningHeader() {
    const { spec } = this;
    const right = spec.protocol ? `${this.t.protocol} ${spec.protocol.number}` : "";
    const rightW = right ? this.ts.width(right, "semibold", 8) : 0;
    const left = this.ts.truncate(
      `${spec.issuer.name} · ${spec.title}`,
      "regular",
      8,
      CONTENT_WIDTH - rightW - 16,
    );
    this.text(left, MARGIN.left, this.y, "regular", 8, MUTED);
    if (right) this.text(right, PAGE[0] - MARGIN.right - rightW, this.y, "semibold", 8, MUTED);
    this.y -= RUNNING_HEADER / 2;
    this.rule(this.y, 0.5, RULE);
    this.y -= RUNNING_HEADER / 2;
  }

  private footers() {
    const total = this.pages.length;
    const stamp = `${this.t.code}: ${this.spec.verification.code} · ${this.t.generated} ${formatDocumentDate(this.spec.generatedAt)}`;
    this.pages.forEach((page, i) => {
      this.page = page;
      this.rule(this.footerTop, 0.5, RULE);
      let y = this.footerTop - 6;
      this.text(stamp, MARGIN.left, y, "semibold", 7.5, MUTED);
      const label = this.t.page(i + 1, total);
      this.text(
        label,
        PAGE[0] - MARGIN.right - this.ts.width(label, "semibold", 7.5),
        y,
        "semibold",
        7.5,
        MUTED,
      );
      for (const line of this.footerLines) {
        y -= 10;
        this.text(line, MARGIN.left, y, "regular", 7.5, MUTED);
      }
    });
  }

  // --- content -----------------------------------------------------------------------------------------

  private section(section: DocumentSpec["sections"][number]) {
    const headingLines = this.ts.wrap(section.heading, "bold", 12.5, CONTENT_WIDTH);
    const headingHeight = headingLines.length * 16 + 8;
    // Keep the heading with at least the start of its content.
    const firstBlock = section.table ? 50 : 30;
    this.ensure(headingHeight + firstBlock);
    for (const line of headingLines) {
      this.text(line, MARGIN.left, this.y, "bold", 12.5, BRAND);
      this.y -= 16;
    }
    this.y -= 2;
    this.rule(this.y, 0.5, RULE);
    this.y -= 7;

    if (section.rows?.length) this.definitionList(section.rows);
    for (const p of section.paragraphs ?? []) this.paragraph(p);
    if (section.table) this.table(section.table);
    this.y -= 10;
  }

  private definitionList(rows: Array<[string, string]>) {
    const labelW = CONTENT_WIDTH * 0.32;
    const valueW = CONTENT_WIDTH - labelW - 10;
    const lh = 13.5;
    for (const [label, value] of rows) {
      const l = this.ts.wrap(label, "semibold", 9, labelW);
      let v = this.ts.wrap(value, "regular", 10, valueW);
      // One code too long for the line (a CUI): smaller on one line rather than broken inside.
      const whole =
        v.length > 1 && !/\s/.test(value.trim())
          ? this.ts.fitWhole(value.trim(), "regular", 10, valueW, 6)
          : null;
      if (whole) v = [value.trim()];
      const vSize = whole ?? 10;
      const n = Math.max(l.length, v.length);
      // Short rows stay together; long values flow across pages line by line.
      if (n <= 6) this.ensure(n * lh + 4);
      for (let i = 0; i < n; i++) {
        this.ensure(lh);
        if (l[i]) this.text(l[i], MARGIN.left, this.y - 1, "semibold", 9, MUTED);
        if (v[i]) this.text(v[i], MARGIN.left + labelW + 10, this.y, "regular", vSize);
        this.y -= lh;
      }
      this.y -= 2;
      this.rule(this.y, 0.25, RULE);
      this.y -= 4;
    }
    this.y -= 2;
  }

  private paragraph(p: string) {
    const lh = 14;
    const lines = this.ts.wrap(p, "regular", 10, CONTENT_WIDTH);
    // Avoid a single orphan line at the bottom of a page.
    if (lines.length > 1) this.ensure(2 * lh);
    for (const line of lines) {
      this.ensure(lh);
      this.text(line, MARGIN.left, this.y, "regular", 10);
      this.y -= lh;
    }
    this.y -= 6;
  }

  private table(table: NonNullable<DocumentSpec["sections"][number]["table"]>) {
    const weights = table.widths ?? table.columns.map(() => 1);
    const sum = weights.reduce((a, b) => a + b, 0);
    const widths = weights.map((w) => (w / sum) * CONTENT_WIDTH);
    const padX = 4;
    const padY = 3.5;
    const cell = (text: string, header: boolean, w: number): Cell => {
      const inner = w - 2 * padX;
      const value = clean(text).trim();
      if (!header && HEX.test(value)) {
        // A hash stays whole on its line (copied from the PDF it must be the exact value), smaller if need be.
        const whole = this.ts.fitWhole(value, "mono", 7.5, inner, 5);
        if (whole) return { lines: [value], style: "mono", size: whole, lh: 10 };
        return { lines: this.ts.wrapHex(value, 7.5, inner), style: "mono", size: 7.5, lh: 10 };
      }
      const style: Style = header ? "semibold" : "regular";
      return { lines: this.ts.wrap(value, style, 8.5, inner), style, size: 8.5, lh: 11.5 };
    };
    const head = table.columns.map((c, i) => cell(c, true, widths[i]));
    const heightOf = (cells: Cell[]) => Math.max(...cells.map((c) => c.lines.length * c.lh)) + 2 * padY;
    const headHeight = heightOf(head);

    const drawRow = (cells: Cell[], background: Color | undefined) => {
      const h = heightOf(cells);
      let x = MARGIN.left;
      cells.forEach((c, i) => {
        this.page.drawRectangle({
          x,
          y: this.y - h,
          width: widths[i],
          height: h,
          color: background,
          borderColor: RULE,
          borderWidth: 0.5,
        });
        c.lines.forEach((line, k) => {
          this.text(line, x + padX, this.y - padY - k * c.lh - (c.lh - c.size) / 2 + 0.5, c.style, c.size);
        });
        x += widths[i];
      });
      this.y -= h;
    };
    const drawHead = () => drawRow(head, HEAD_BG);

    const first = table.rows[0] ? heightOf(table.rows[0].map((text, i) => cell(text, false, widths[i]))) : 0;
    this.ensure(headHeight + Math.min(first, 60) + 2);
    drawHead();
    // Room for one row on a new page, below the running header and the repeated table header.
    const pageRoom = PAGE[1] - MARGIN.top - RUNNING_HEADER - headHeight - this.bodyBottom;
    table.rows.forEach((row, r) => {
      let cells = row.map((text, i) => cell(text, false, widths[i]));
      const bg = r % 2 === 1 ? ZEBRA : undefined;
      while (!this.room(heightOf(cells))) {
        const available = this.y - this.bodyBottom - 2 * padY;
        if (heightOf(cells) <= pageRoom || available < Math.max(...cells.map((c) => c.lh))) {
          this.newPage();
          drawHead();
          continue;
        }
        // Taller than a whole page: draw what fits here, carry the rest to the next page.
        const now = cells.map((c) => ({ ...c, lines: c.lines.slice(0, Math.floor(available / c.lh)) }));
        const rest = cells.map((c, i) => ({ ...c, lines: c.lines.slice(now[i].lines.length) }));
        drawRow(now, bg);
        this.newPage();
        drawHead();
        cells = rest;
      }
      drawRow(cells, bg);
    });
  }
}
