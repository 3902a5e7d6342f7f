import { PDFDict, PDFDocument, PDFName } from "pdf-lib";
import type { FileKind } from "../../domain/filing/files";

/**
 * Files are parsed as what they claim, not judged by their first bytes: a PDF must load as a PDF (pdf-lib) and
 * carry no active content (automatic actions, JavaScript, launching programs); an XML file must be well-formed
 * XML without a DTD and must not be HTML; no file may also be an HTML page (a polyglot a browser would render).
 * Returns the sentence that tells the user how to fix the file, or null when the file is acceptable.
 */
export type ContentProblem = { it: string; en: string };

const ACTIVE_KEYS = new Set(["OpenAction", "AA", "JavaScript", "JS", "Launch", "RichMedia"]);
const ACTIVE_ACTIONS = new Set(["JavaScript", "Launch", "ImportData", "SubmitForm", "RichMediaExecute"]);

const HTML_MARKERS = ["<html", "<script", "<body", "<!doctype html", "<iframe", "<svg", "<object", "<embed"];

function latin1(bytes: Uint8Array) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** HTML anywhere in the raw bytes: what a browser sniffing the file would render as a page. */
export function containsHtml(bytes: Uint8Array): boolean {
  const text = latin1(bytes).toLowerCase();
  return HTML_MARKERS.some((m) => text.includes(m));
}

/** Decodes #xx escapes in PDF names (/J#61vaScript is /JavaScript). */
function pdfName(name: PDFName) {
  return name
    .asString()
    .slice(1)
    .replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

async function pdfProblem(bytes: Uint8Array, shown: string): Promise<ContentProblem | null> {
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, {
      ignoreEncryption: true,
      throwOnInvalidObject: true,
      updateMetadata: false,
    });
    if (doc.getPageCount() < 1) throw new Error("no pages");
  } catch {
    return {
      it: `Il file «${shown}» non si apre come PDF (è danneggiato o non è davvero un PDF): esportalo di nuovo in PDF dal programma con cui l'hai creato e caricalo.`,
      en: `The file "${shown}" does not open as a PDF (it is damaged or not really a PDF): export it to PDF again from the program that made it and upload it.`,
    };
  }
  // Every object, including those packed in object streams (pdf-lib unpacks them while loading).
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict)) continue;
    for (const [key, value] of object.entries()) {
      const k = pdfName(key);
      const action = k === "S" && value instanceof PDFName && ACTIVE_ACTIONS.has(pdfName(value));
      if (ACTIVE_KEYS.has(k) || action) return activeContent(shown);
    }
  }
  // The catalogue itself (not always an indirect object in a damaged cross-reference table).
  for (const [key] of doc.catalog.entries()) if (ACTIVE_KEYS.has(pdfName(key))) return activeContent(shown);
  // Names pdf-lib could not parse into objects still count.
  const raw = latin1(bytes).replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) =>
    String.fromCharCode(parseInt(h, 16)),
  );
  if (/\/(OpenAction|JavaScript|Launch)\b/.test(raw)) return activeContent(shown);
  return null;
}

function activeContent(shown: string): ContentProblem {
  return {
    it: `Il file «${shown}» contiene contenuti attivi (azioni automatiche, JavaScript o avvio di programmi) che non sono ammessi: stampalo in PDF («Stampa» > «Salva come PDF») o esportalo in PDF/A e caricalo di nuovo.`,
    en: `The file "${shown}" contains active content (automatic actions, JavaScript or launching programs), which is not allowed: print it to PDF or export it as PDF/A and upload it again.`,
  };
}

/**
 * Well-formed XML, checked without building a tree: one root element, tags balanced and properly nested,
 * attributes quoted, entities among the predefined five or numeric, no DOCTYPE (no DTD, no external entities).
 * Returns the root element's local name, or null when the text is not well-formed.
 */
export function wellFormedXmlRoot(text: string): string | null {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: string[] = [];
  let root: string | null = null;
  let closedRoot = false;
  const NAME = /^[A-Za-z_][\w.\-:]*/;
  const textOk = (s: string) =>
    !/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);)/.test(s) && !s.includes("<");
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (chunk.length) {
      if (!stack.length && chunk.trim()) return null; // text outside the root
      if (!textOk(chunk)) return null;
    }
    if (lt < 0) break;
    if (text.startsWith("<?", lt)) {
      const end = text.indexOf("?>", lt + 2);
      if (end < 0) return null;
      i = end + 2;
    } else if (text.startsWith("<!--", lt)) {
      const end = text.indexOf("-->", lt + 4);
      if (end < 0) return null;
      i = end + 3;
    } else if (text.startsWith("<![CDATA[", lt)) {
      if (!stack.length) return null;
      const end = text.indexOf("]]>", lt + 9);
      if (end < 0) return null;
      i = end + 3;
    } else if (text.startsWith("<!", lt)) {
      return null; // DOCTYPE and other declarations
    } else if (text.startsWith("</", lt)) {
      const m = NAME.exec(text.slice(lt + 2));
      if (!m) return null;
      const after = text.slice(lt + 2 + m[0].length);
      const close = /^\s*>/.exec(after);
      if (!close || stack.pop() !== m[0]) return null;
      if (!stack.length) closedRoot = true;
      i = lt + 2 + m[0].length + close[0].length;
    } else {
      if (closedRoot) return null; // a second root
      const m = NAME.exec(text.slice(lt + 1));
      if (!m) return null;
      let j = lt + 1 + m[0].length;
      const seen = new Set<string>();
      for (;;) {
        const ws = /^\s*/.exec(text.slice(j))![0];
        j += ws.length;
        if (text.startsWith("/>", j)) {
          j += 2;
          if (!stack.length) closedRoot = true;
          break;
        }
        if (text[j] === ">") {
          j += 1;
          stack.push(m[0]);
          break;
        }
        if (!ws.length) return null;
        const attr = /^([A-Za-z_][\w.\-:]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(text.slice(j));
        if (!attr || seen.has(attr[1]!) || !textOk(attr[3] ?? attr[4] ?? "")) return null;
        seen.add(attr[1]!);
        j += attr[0].length;
      }
      root ??= m[0];
      i = j;
    }
  }
  if (stack.length || !root || !closedRoot) return null;
  return root.includes(":") ? root.split(":").pop()! : root;
}

export async function contentProblem(
  kind: FileKind,
  bytes: Uint8Array,
  shown: string,
): Promise<ContentProblem | null> {
  if (kind === "pdf") {
    if (containsHtml(bytes)) return htmlInside(shown);
    return pdfProblem(bytes, shown);
  }
  if (kind === "xml") {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      return notXml(shown);
    }
    const root = wellFormedXmlRoot(text);
    if (!root) return notXml(shown);
    if (root.toLowerCase() === "html" || containsHtml(bytes)) return htmlInside(shown);
    return null;
  }
  if (kind === "jpeg" || kind === "png") return containsHtml(bytes) ? htmlInside(shown) : null;
  return null;
}

function notXml(shown: string): ContentProblem {
  return {
    it: `Il file «${shown}» non è un XML ben formato (UTF-8, senza DOCTYPE): generalo di nuovo con il software che lo ha prodotto e caricalo.`,
    en: `The file "${shown}" is not well-formed XML (UTF-8, without DOCTYPE): generate it again with the software that produced it and upload it.`,
  };
}

function htmlInside(shown: string): ContentProblem {
  return {
    it: `Il file «${shown}» contiene una pagina web (HTML) oltre al documento, e non è ammesso: salvalo di nuovo in PDF e caricalo.`,
    en: `The file "${shown}" contains a web page (HTML) besides the document, which is not allowed: save it as PDF again and upload it.`,
  };
}
