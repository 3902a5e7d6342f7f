/**
 * Pure helpers on signed files: unwrapping a CAdES envelope written as DER, PEM or base64, finding the
 * signature dictionaries of a PDF (ByteRange + Contents), the fiscal code in a certificate's serialNumber.
 * No I/O and no crypto: the verifier in app/server/integrations/signature does the cryptography.
 */

// 1.2.840.113549.1.7.2 (pkcs7-signedData), DER-encoded with its tag and length.
const SIGNED_DATA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

function indexOf(bytes: Uint8Array, needle: number[], from: number, limit: number) {
  const end = Math.min(bytes.length - needle.length, limit);
  outer: for (let i = from; i <= end; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** True when the bytes are a DER/BER ContentInfo of type signedData. */
export function isCmsSignedData(bytes: Uint8Array): boolean {
  return bytes.length > 16 && bytes[0] === 0x30 && indexOf(bytes, SIGNED_DATA_OID, 0, 32) >= 0;
}

function decodeBase64(text: string): Uint8Array | null {
  const clean = text.replace(/[\s\r\n]+/g, "");
  if (!clean || !/^[A-Za-z0-9+/]+={0,2}$/.test(clean) || clean.length % 4 !== 0) return null;
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export type EnvelopeEncoding = "der" | "pem" | "base64";

/**
 * The DER bytes of a CAdES envelope however it was saved: binary DER/BER, PEM (`-----BEGIN PKCS7-----`,
 * `CMS` or `PKCS #7 SIGNED DATA`) or bare base64 (what some signing tools write). Null when it is none.
 */
export function unwrapCadesEnvelope(
  bytes: Uint8Array,
): { der: Uint8Array; encoding: EnvelopeEncoding } | null {
  if (isCmsSignedData(bytes)) return { der: bytes, encoding: "der" };
  // Text forms are ASCII: look at a bounded prefix before decoding a large file as text.
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 64));
  if (!/^[\sA-Za-z0-9+/=-]*$/.test(head)) return null;
  const text = new TextDecoder("latin1").decode(bytes);
  const pem = /-----BEGIN ([A-Z0-9 #]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (pem) {
    const der = decodeBase64(pem[2]!);
    return der && isCmsSignedData(der) ? { der, encoding: "pem" } : null;
  }
  const der = decodeBase64(text);
  return der && isCmsSignedData(der) ? { der, encoding: "base64" } : null;
}

export interface PdfSignatureField {
  /** [offset1, length1, offset2, length2]: the bytes covered by the signature. */
  byteRange: [number, number, number, number];
  /** The CMS SignedData (hex-decoded /Contents, trailing zero padding removed). */
  cms: Uint8Array;
  subFilter: string | null;
  /** /M, the signing time the signer's software claims (not proof of time). */
  claimedTime: string | null;
  name: string | null;
}

function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-fA-F]/g, "");
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** DER length of the outer SEQUENCE, so the zero padding after the CMS in /Contents can be cut off. */
function derLength(bytes: Uint8Array): number {
  if (bytes[0] !== 0x30 || bytes.length < 2) return bytes.length;
  const first = bytes[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4) return bytes.length; // indefinite: keep everything
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i]!;
  return Math.min(bytes.length, 2 + n + len);
}

/** PDF date `D:20260101120000+01'00'` to ISO, or null. */
export function pdfDateToIso(value: string | null): string | null {
  if (!value) return null;
  const m = /D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?/.exec(value);
  if (!m) return null;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", s = "00", tz] = m;
  let offset = "Z";
  if (tz && tz !== "Z") offset = `${tz.slice(0, 3)}:${tz.replace(/'/g, "").slice(3, 5) || "00"}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * The signature fields of a PDF, in file order. Reads the dictionaries that carry a /ByteRange (the signature
 * values of every revision, incremental updates included) without a full PDF parser: the ByteRange itself says
 * where /Contents is, so the CMS is read from exactly the bytes the signature excludes.
 */
export function findPdfSignatures(bytes: Uint8Array): PdfSignatureField[] {
  const found: PdfSignatureField[] = [];
  // Byte-level search, text decoded only in small windows: a 20 MB scan stays in native indexOf.
  const needle = [0x2f, 0x42, 0x79, 0x74, 0x65, 0x52, 0x61, 0x6e, 0x67, 0x65]; // "/ByteRange"
  for (let at = bytes.indexOf(0x2f); at >= 0 && at < bytes.length; at = bytes.indexOf(0x2f, at + 1)) {
    if (!needle.every((b, i) => bytes[at + i] === b)) continue;
    const m = /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(latin1(bytes, at, at + 120));
    if (!m) continue;
    const range = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [
      number,
      number,
      number,
      number,
    ];
    const gapStart = range[0] + range[1];
    const gapEnd = range[2];
    if (gapEnd <= gapStart || gapEnd > bytes.length || gapEnd - gapStart > 4 * 1024 * 1024) continue;
    const gap = latin1(bytes, gapStart, gapEnd);
    if (!/^<[0-9a-fA-F\s]*>$/.test(gap)) continue;
    const raw = hexToBytes(gap.slice(1, -1));
    const cms = raw.subarray(0, derLength(raw));
    // The dictionary around it: a few KB before /Contents and after it (the keys of a signature dictionary).
    const before = latin1(bytes, Math.max(0, Math.min(at, gapStart) - 4096), Math.min(at, gapStart));
    const after = latin1(bytes, gapEnd, Math.min(bytes.length, Math.max(at + m[0].length, gapEnd) + 4096));
    const dict = `${before.slice(before.lastIndexOf("<<"))} ${after.slice(0, after.indexOf(">>") + 2 || undefined)} ${m[0]}`;
    const subFilter = /\/SubFilter\s*\/([A-Za-z0-9.#_-]+)/.exec(dict)?.[1] ?? null;
    const claimed = /\/M\s*\((D:[^)]*)\)/.exec(dict)?.[1] ?? null;
    const name = /\/Name\s*\(([^)]*)\)/.exec(dict)?.[1] ?? null;
    found.push({ byteRange: range, cms, subFilter, claimedTime: pdfDateToIso(claimed), name });
    at += m[0].length;
  }
  return found;
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(to, i + 8192)));
  }
  return out;
}

/** The fiscal code in a certificate's subject serialNumber (`TINIT-RSSMRA80A01H501U`), upper-case, or null. */
export function fiscalCodeFromSerialNumber(serial: string | null | undefined): string | null {
  if (!serial) return null;
  const m = /^(?:TINIT|IT)[-:]?([A-Z0-9]{11,16})$/i.exec(serial.trim());
  return m ? m[1]!.toUpperCase() : null;
}

/** The real type of an inner file, from its bytes: what a `.pdf.p7m` must hold. */
export function innerKind(bytes: Uint8Array): "pdf" | "p7m" | "xml" | "other" {
  if (bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46) return "pdf";
  if (isCmsSignedData(bytes) || unwrapCadesEnvelope(bytes)) return "p7m";
  let i = bytes[0] === 0xef ? 3 : 0;
  while (i < 64 && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i]!)) i++;
  if (bytes[i] === 0x3c) return "xml";
  return "other";
}

/** The type the file name promises inside the envelope: `pianta.pdf.p7m` -> "pdf", `a.p7m.p7m` -> "p7m". */
export function expectedInnerKind(filename: string): "pdf" | "p7m" | "xml" | null {
  const parts = filename.toLowerCase().split(".");
  if (parts.length < 3 || parts.at(-1) !== "p7m") return null;
  const inner = parts.at(-2);
  return inner === "pdf" || inner === "p7m" || inner === "xml" ? inner : null;
}
