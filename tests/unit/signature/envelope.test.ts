import { describe, expect, it } from "vitest";
import {
  expectedInnerKind,
  findPdfSignatures,
  fiscalCodeFromSerialNumber,
  innerKind,
  pdfDateToIso,
  unwrapCadesEnvelope,
} from "~/domain/signature/envelope";

// A minimal ContentInfo header naming signedData: SEQUENCE (long form) + OID 1.2.840.113549.1.7.2.
const CMS = new Uint8Array([
  0x30, 0x82, 0x00, 0x10, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0, 0,
  0,
]);
const enc = (s: string) => new TextEncoder().encode(s);

describe("CAdES envelopes", () => {
  it("unwraps DER, PEM and bare base64, and refuses anything else", () => {
    const b64 = btoa(String.fromCharCode(...CMS));
    expect(unwrapCadesEnvelope(CMS)?.encoding).toBe("der");
    const pem = unwrapCadesEnvelope(enc(`-----BEGIN PKCS7-----\n${b64}\n-----END PKCS7-----\n`));
    expect(pem?.encoding).toBe("pem");
    expect([...pem!.der]).toEqual([...CMS]);
    expect(unwrapCadesEnvelope(enc(`${b64}\r\n`))?.encoding).toBe("base64");
    expect(unwrapCadesEnvelope(enc("%PDF-1.7 not an envelope"))).toBeNull();
    expect(unwrapCadesEnvelope(enc(btoa("just text, not CMS")))).toBeNull();
  });

  it("knows what the file name promises inside and what the bytes are", () => {
    expect(expectedInnerKind("pianta.pdf.p7m")).toBe("pdf");
    expect(expectedInnerKind("Pianta.PDF.P7M")).toBe("pdf");
    expect(expectedInnerKind("a.pdf.p7m.p7m")).toBe("p7m");
    expect(expectedInnerKind("a.p7m")).toBeNull();
    expect(innerKind(enc("%PDF-1.4"))).toBe("pdf");
    expect(innerKind(enc("  <?xml version='1.0'?>"))).toBe("xml");
    expect(innerKind(CMS)).toBe("p7m");
    expect(innerKind(new Uint8Array([0x89, 0x50]))).toBe("other");
  });

  it("reads the fiscal code in a certificate's serialNumber", () => {
    expect(fiscalCodeFromSerialNumber("TINIT-RSSMRA80A01H501U")).toBe("RSSMRA80A01H501U");
    expect(fiscalCodeFromSerialNumber("tinit-rssmra80a01h501u")).toBe("RSSMRA80A01H501U");
    expect(fiscalCodeFromSerialNumber("IT:01234567897")).toBe("01234567897");
    expect(fiscalCodeFromSerialNumber("PASDE-123")).toBeNull();
    expect(fiscalCodeFromSerialNumber(null)).toBeNull();
  });
});

describe("PDF signature dictionaries", () => {
  it("finds each ByteRange, the CMS in the gap (padding cut), SubFilter and the claimed time", () => {
    const head =
      "%PDF-1.7\n1 0 obj\n<< /Type /Sig /SubFilter /ETSI.CAdES.detached /M (D:20260301103000+01'00') /Contents ";
    const hex = `<${Buffer.from(CMS).toString("hex")}${"0".repeat(40)}>`;
    const tailTemplate = " /ByteRange [0 AAAA BBBB CCCC] >>\nendobj\n%%EOF\n";
    // Lengths are fixed-width so the ByteRange can name its own offsets.
    const gapStart = head.length;
    const gapEnd = gapStart + hex.length;
    const pad = (n: number) => String(n).padStart(4, "0");
    const total = gapEnd + tailTemplate.length;
    const tail = tailTemplate
      .replace("AAAA", pad(gapStart))
      .replace("BBBB", pad(gapEnd))
      .replace("CCCC", pad(total - gapEnd));
    const [sig, ...rest] = findPdfSignatures(enc(head + hex + tail));
    expect(rest).toHaveLength(0);
    expect(sig!.byteRange).toEqual([0, gapStart, gapEnd, total - gapEnd]);
    expect([...sig!.cms]).toEqual([...CMS]);
    expect(sig!.subFilter).toBe("ETSI.CAdES.detached");
    expect(sig!.claimedTime).toBe("2026-03-01T09:30:00.000Z");
  });

  it("ignores a ByteRange whose gap is not a hex string, and a plain PDF has none", () => {
    expect(findPdfSignatures(enc("%PDF-1.7 /ByteRange [0 5 10 3] nothing here at all"))).toEqual([]);
    expect(findPdfSignatures(enc("%PDF-1.7\n%%EOF"))).toEqual([]);
  });

  it("reads PDF dates", () => {
    expect(pdfDateToIso("D:20261201120000Z")).toBe("2026-12-01T12:00:00.000Z");
    expect(pdfDateToIso("D:2026")).toBe("2026-01-01T00:00:00.000Z");
    expect(pdfDateToIso("nonsense")).toBeNull();
  });
});
