import * as asn1js from "asn1js";
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRef, PDFString } from "pdf-lib";
import { findPdfSignatures } from "~/domain/signature/envelope";
import * as pkijs from "pkijs";
import { type AnyCmsSigner, createCms } from "../signature/cms-sign.server";
import { OID, ab, ensureEngine } from "../signature/cms.server";

/**
 * PAdES (ETSI.CAdES.detached) with pdf-lib and pkijs: a signature field whose dictionary has a ByteRange
 * placeholder and a zero-filled /Contents; the file is written, the ByteRange filled in place (same length,
 * padded with spaces), the covered bytes signed, and the CMS hex written into /Contents. An unsigned PDF is
 * rewritten once; a PDF that already carries a signature gets an incremental update, so earlier signatures
 * stay valid.
 */
const PLACEHOLDER = "**********";

export interface PadesOptions {
  reason: string;
  name: string;
  location?: string;
  /** Bytes reserved for the CMS (certificates + timestamp must fit). */
  reserve?: number;
  signingTime?: Date;
  timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>;
}

/**
 * Appends an incremental update holding the given objects (new or changed) of `doc`, loaded from `original`:
 * the original bytes are kept as they are, followed by the objects, an xref section and a trailer with /Prev.
 */
export function writeIncremental(original: Uint8Array, doc: PDFDocument, refs: PDFRef[]): Buffer {
  const head = Buffer.from(original);
  const prev = [...head.toString("latin1").matchAll(/startxref\s+(\d+)/g)].at(-1)?.[1];
  if (!prev) throw new Error("PDF without startxref: cannot append an incremental update");
  const chunks: Buffer[] = [head, Buffer.from("\n")];
  let offset = head.length + 1;
  const offsets: [number, number, number][] = [];
  const unique = [...new Map(refs.map((r) => [r.toString(), r])).values()].sort(
    (a, b) => a.objectNumber - b.objectNumber,
  );
  for (const ref of unique) {
    const obj = doc.context.lookup(ref);
    if (!obj) continue;
    const text = Buffer.from(
      `${ref.objectNumber} ${ref.generationNumber} obj\n${obj.toString()}\nendobj\n`,
      "latin1",
    );
    offsets.push([ref.objectNumber, ref.generationNumber, offset]);
    chunks.push(text);
    offset += text.length;
  }
  const xrefAt = offset;
  let xref = "xref\n0 1\n0000000000 65535 f \n";
  for (const [num, gen, at] of offsets)
    xref += `${num} 1\n${String(at).padStart(10, "0")} ${String(gen).padStart(5, "0")} n \n`;
  const t = doc.context.trailerInfo;
  const extra = [t.Info ? `/Info ${t.Info.toString()}` : "", t.ID ? `/ID ${t.ID.toString()}` : ""].join(" ");
  xref += `trailer\n<< /Size ${doc.context.largestObjectNumber + 1} /Root ${String(t.Root)} /Prev ${prev} ${extra} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  chunks.push(Buffer.from(xref, "latin1"));
  return Buffer.concat(chunks);
}

export async function signPdf(
  pdf: Uint8Array,
  signer: AnyCmsSigner,
  options: PadesOptions,
): Promise<Uint8Array> {
  const reserve = options.reserve ?? 16384;
  const incremental = findPdfSignatures(pdf).length > 0;
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const ctx = doc.context;
  const dirty: PDFRef[] = [];
  const byteRange = PDFArray.withContext(ctx);
  byteRange.push(PDFNumber.of(0));
  for (let i = 0; i < 3; i++) byteRange.push(PDFName.of(PLACEHOLDER));
  const sig = ctx.obj({
    Type: "Sig",
    Filter: "Adobe.PPKLite",
    SubFilter: "ETSI.CAdES.detached",
    ByteRange: byteRange,
    Contents: PDFHexString.of("0".repeat(reserve * 2)),
    Reason: PDFString.of(options.reason),
    Name: PDFString.of(options.name),
    ...(options.location ? { Location: PDFString.of(options.location) } : {}),
    M: PDFString.fromDate(options.signingTime ?? new Date()),
  });
  const sigRef = ctx.register(sig);
  const page = doc.getPages()[0]!;
  const widget = ctx.obj({
    Type: "Annot",
    Subtype: "Widget",
    FT: "Sig",
    Rect: [0, 0, 0, 0],
    V: sigRef,
    T: PDFString.of(`Firma${findPdfSignatures(pdf).length + 1}`),
    F: 4,
    P: page.ref,
  });
  const widgetRef = ctx.register(widget);
  dirty.push(sigRef, widgetRef);

  const rawAnnots = page.node.get(PDFName.of("Annots"));
  const annots = page.node.lookup(PDFName.of("Annots"));
  if (annots instanceof PDFArray) {
    annots.push(widgetRef);
    dirty.push(rawAnnots instanceof PDFRef ? rawAnnots : page.ref);
  } else {
    page.node.set(PDFName.of("Annots"), ctx.obj([widgetRef]));
    dirty.push(page.ref);
  }
  const rootRef = ctx.trailerInfo.Root as PDFRef;
  const rawAcro = doc.catalog.get(PDFName.of("AcroForm"));
  const acro = doc.catalog.lookup(PDFName.of("AcroForm"));
  if (acro instanceof PDFDict) {
    const rawFields = acro.get(PDFName.of("Fields"));
    const fields = acro.lookup(PDFName.of("Fields"));
    if (fields instanceof PDFArray) {
      fields.push(widgetRef);
      if (rawFields instanceof PDFRef) dirty.push(rawFields);
    } else acro.set(PDFName.of("Fields"), ctx.obj([widgetRef]));
    acro.set(PDFName.of("SigFlags"), PDFNumber.of(3));
    dirty.push(rawAcro instanceof PDFRef ? rawAcro : rootRef);
  } else {
    doc.catalog.set(PDFName.of("AcroForm"), ctx.obj({ SigFlags: 3, Fields: [widgetRef] }));
    dirty.push(rootRef);
  }
  const saved = incremental
    ? writeIncremental(pdf, doc, dirty)
    : Buffer.from(await doc.save({ useObjectStreams: false, updateFieldAppearances: false }));

  const text = saved.toString("latin1");
  const rangeText = `/ByteRange [ 0 /${PLACEHOLDER} /${PLACEHOLDER} /${PLACEHOLDER} ]`;
  const rangeAt = text.lastIndexOf(rangeText);
  const contentsText = `<${"0".repeat(reserve * 2)}>`;
  const contentsAt = text.lastIndexOf(contentsText);
  if (rangeAt < 0 || contentsAt < 0)
    throw new Error("PAdES: signature placeholder not found in the written PDF");
  const gapEnd = contentsAt + contentsText.length;
  const range = [0, contentsAt, gapEnd, saved.length - gapEnd];
  const filled = `/ByteRange [${range.join(" ")}]`;
  if (filled.length > rangeText.length) throw new Error("PAdES: ByteRange does not fit its placeholder");
  saved.write(filled.padEnd(rangeText.length, " "), rangeAt, "latin1");

  const cms = await createCms([saved.subarray(0, contentsAt), saved.subarray(gapEnd)], signer, {
    detached: true,
    timestamp: options.timestamp,
  });
  if (cms.length > reserve)
    throw new Error(`PAdES: the signature (${cms.length} bytes) does not fit the ${reserve} reserved`);
  saved.write(
    Buffer.from(cms)
      .toString("hex")
      .padEnd(reserve * 2, "0"),
    contentsAt + 1,
    "latin1",
  );
  return new Uint8Array(saved);
}

/**
 * Adds an RFC 3161 signature-timestamp to the LAST signature of a signed PDF, in place: the token goes into
 * the SignerInfo's unsigned attributes and the new CMS is written into the same reserved /Contents, so the
 * bytes the ByteRange covers do not change and the signature stays valid. A signature that already carries a
 * timestamp is returned as it is (the worker may run a call twice: the token is added once).
 */
export async function addSignatureTimestamp(
  pdf: Uint8Array,
  timestamp: (signatureValue: Uint8Array) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  ensureEngine();
  const last = findPdfSignatures(pdf).at(-1);
  if (!last) throw new Error("PAdES: the PDF carries no signature to timestamp");
  const info = new pkijs.ContentInfo({ schema: asn1js.fromBER(ab(last.cms)).result });
  const signed = new pkijs.SignedData({ schema: info.content });
  const si = signed.signerInfos[0]!;
  if (si.unsignedAttrs?.attributes.some((a) => a.type === OID.timeStampToken)) return pdf;
  const token = await timestamp(new Uint8Array(si.signature.valueBlock.valueHexView));
  const attribute = new pkijs.Attribute({
    type: OID.timeStampToken,
    values: [asn1js.fromBER(ab(token)).result],
  });
  si.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 1,
    attributes: [...(si.unsignedAttrs?.attributes ?? []), attribute],
  });
  const out = new Uint8Array(
    new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) })
      .toSchema()
      .toBER(false),
  );
  const [, gapStart, gapEnd] = last.byteRange;
  const room = (gapEnd - gapStart - 2) / 2;
  if (out.length > room)
    throw new Error(
      `PAdES: the timestamped signature (${out.length} bytes) does not fit the ${room} reserved`,
    );
  const bytes = Buffer.from(pdf);
  bytes.write(
    Buffer.from(out)
      .toString("hex")
      .padEnd(room * 2, "0"),
    gapStart + 1,
    "latin1",
  );
  return new Uint8Array(bytes);
}
