/**
 * Pure checks on uploaded files: the real type read from the bytes (never the extension or the browser's
 * content type), the name made safe to store and show, and the sentence that tells the user how to fix a
 * refused file. No I/O: the upload service calls these on bytes already held in memory.
 */

export type FileKind = "pdf" | "p7m" | "xml" | "jpeg" | "png";

export const CONTENT_TYPES: Record<FileKind, string> = {
  pdf: "application/pdf",
  p7m: "application/pkcs7-mime",
  xml: "application/xml",
  jpeg: "image/jpeg",
  png: "image/png",
};

const KIND_NAMES_IT: Record<FileKind, string> = {
  pdf: "un PDF",
  p7m: "un file firmato digitalmente (P7M, CAdES)",
  xml: "un file XML",
  jpeg: "un'immagine JPEG",
  png: "un'immagine PNG",
};

const KIND_NAMES_EN: Record<FileKind, string> = {
  pdf: "a PDF",
  p7m: "a digitally signed file (P7M, CAdES)",
  xml: "an XML file",
  jpeg: "a JPEG image",
  png: "a PNG image",
};

/** Extensions and the kind their content must be. */
const EXTENSIONS: Record<string, FileKind> = {
  pdf: "pdf",
  p7m: "p7m",
  xml: "xml",
  jpg: "jpeg",
  jpeg: "jpeg",
  png: "png",
};

// 1.2.840.113549.1.7.2 (pkcs7-signedData), DER-encoded with its tag and length.
const SIGNED_DATA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

function startsWith(bytes: Uint8Array, prefix: number[], offset = 0) {
  if (bytes.length < offset + prefix.length) return false;
  return prefix.every((b, i) => bytes[offset + i] === b);
}

function indexOf(bytes: Uint8Array, needle: number[], limit: number) {
  const end = Math.min(bytes.length - needle.length, limit);
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The type of a file from its first bytes, or null when it is none of the accepted kinds. */
export function detectFileKind(bytes: Uint8Array): FileKind | null {
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return "pdf"; // %PDF-
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  // CAdES: an ASN.1 SEQUENCE (0x30) with indefinite (0x80) or long-form length (0x81-0x84), whose
  // ContentInfo names pkcs7-signedData right after the header.
  if (bytes[0] === 0x30 && bytes.length > 16 && bytes[1]! >= 0x80 && bytes[1]! <= 0x84) {
    if (indexOf(bytes, SIGNED_DATA_OID, 32) >= 0) return "p7m";
  }
  let i = startsWith(bytes, [0xef, 0xbb, 0xbf]) ? 3 : 0;
  while (i < bytes.length && i < 1024 && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[i]!)) i++;
  if (bytes[i] === 0x3c) {
    // "<" then a letter, "?" or "!": markup, not binary that happens to start with 0x3c.
    const next = bytes[i + 1];
    if (
      next !== undefined &&
      (next === 0x3f || next === 0x21 || /[A-Za-z_]/.test(String.fromCharCode(next)))
    ) {
      return "xml";
    }
  }
  return null;
}

/** The extension a name claims (the last one: "planimetria.pdf.p7m" claims p7m), lower-case. */
export function claimedExtension(filename: string): string | null {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(filename);
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * A file name safe to store, show and send back in Content-Disposition: the base name only, no control or
 * path characters, no bidi controls (U+202E would show "fdp.exe" as "exe.pdf"), accents kept, at most 120 characters with the extension preserved.
 */
export function sanitizeFilename(raw: string, kind?: FileKind): string {
  const base = raw.split(/[\\/]/).pop() ?? "";
  let name = base
    .normalize("NFC")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we remove
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff<>:"|?*]/g, "")
    .replace(/\s+/g, " ")
    .replace(/^[.\s]+/, "")
    .trim();
  if (!name) name = "allegato";
  if (name.length > 120) {
    const ext = claimedExtension(name);
    name = ext ? `${name.slice(0, 119 - ext.length).trimEnd()}.${ext}` : name.slice(0, 120);
  }
  if (kind && !claimedExtension(name)) name = `${name}.${kind === "jpeg" ? "jpg" : kind}`;
  return name;
}

export interface FileCheckLimits {
  maxFileBytes: number;
  /** bytes still available for this pratica */
  remainingBytes: number;
}

export type FileCheck =
  | { ok: true; kind: FileKind; contentType: string; filename: string }
  | { ok: false; message: { it: string; en: string } };

const mb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** Everything we check before a byte is stored; the messages say how to fix the file. */
export function checkUploadedFile(filename: string, bytes: Uint8Array, limits: FileCheckLimits): FileCheck {
  const shown = sanitizeFilename(filename || "allegato");
  if (bytes.byteLength === 0) {
    return {
      ok: false,
      message: {
        it: `Il file «${shown}» è vuoto: scegli il file corretto e caricalo di nuovo.`,
        en: `The file "${shown}" is empty: choose the right file and upload it again.`,
      },
    };
  }
  if (bytes.byteLength > limits.maxFileBytes) {
    return {
      ok: false,
      message: {
        it: `Il file «${shown}» pesa ${mb(bytes.byteLength)}: il limite è ${mb(limits.maxFileBytes)}. Riduci la risoluzione della scansione o dividi il documento.`,
        en: `The file "${shown}" is ${mb(bytes.byteLength)}: the limit is ${mb(limits.maxFileBytes)}. Scan at a lower resolution or split the document.`,
      },
    };
  }
  if (bytes.byteLength > limits.remainingBytes) {
    return {
      ok: false,
      message: {
        it: `Gli allegati di questa pratica supererebbero il limite complessivo: restano ${mb(Math.max(0, limits.remainingBytes))}. Rimuovi un allegato non necessario o riduci le dimensioni dei file.`,
        en: `The attachments of this application would exceed the total limit: ${mb(Math.max(0, limits.remainingBytes))} left. Remove an attachment you do not need or make the files smaller.`,
      },
    };
  }
  const kind = detectFileKind(bytes);
  if (!kind) {
    return {
      ok: false,
      message: {
        it: `Il file «${shown}» non è un PDF, un file firmato P7M, un XML o un'immagine JPEG o PNG: salvalo in PDF e caricalo di nuovo.`,
        en: `The file "${shown}" is not a PDF, a signed P7M, an XML file or a JPEG or PNG image: save it as PDF and upload it again.`,
      },
    };
  }
  const ext = claimedExtension(shown);
  const claimed = ext ? EXTENSIONS[ext] : undefined;
  if (ext && claimed !== kind) {
    return {
      ok: false,
      message: {
        it: `Il file «${shown}» ha l'estensione .${ext} ma il suo contenuto è ${KIND_NAMES_IT[kind]}: controlla di aver scelto il file giusto oppure salvalo nel formato indicato dall'estensione.`,
        en: `The file "${shown}" has the extension .${ext} but its content is ${KIND_NAMES_EN[kind]}: check you chose the right file or save it in the format its extension says.`,
      },
    };
  }
  return { ok: true, kind, contentType: CONTENT_TYPES[kind], filename: sanitizeFilename(shown, kind) };
}
