import { describe, expect, it } from "vitest";
import { buildCui, formatCui, parseCui } from "~/domain/filing/cui";
import { checkUploadedFile, detectFileKind, sanitizeFilename } from "~/domain/filing/files";
import { bundleTimes, LEGAL_TIMES } from "~/domain/filing/legal-times";

const bytes = (...b: number[]) => new Uint8Array(b);
const text = (s: string) => new TextEncoder().encode(s);
const LIMITS = { maxFileBytes: 1024, remainingBytes: 4096 };
// A CAdES envelope header: SEQUENCE (indefinite length) { OID pkcs7-signedData ... }
const P7M = bytes(
  0x30,
  0x80,
  0x06,
  0x09,
  0x2a,
  0x86,
  0x48,
  0x86,
  0xf7,
  0x0d,
  0x01,
  0x07,
  0x02,
  0xa0,
  0x80,
  0x30,
  0x80,
  0x02,
  0x01,
  0x01,
);

describe("the real type of an uploaded file", () => {
  it("recognises each accepted kind by its bytes", () => {
    expect(detectFileKind(text("%PDF-1.7\n..."))).toBe("pdf");
    expect(detectFileKind(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0))).toBe("png");
    expect(detectFileKind(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toBe("jpeg");
    expect(detectFileKind(P7M)).toBe("p7m");
    expect(
      detectFileKind(
        bytes(0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0, 0),
      ),
    ).toBe("p7m");
    expect(detectFileKind(text('<?xml version="1.0"?><a/>'))).toBe("xml");
    expect(detectFileKind(bytes(0xef, 0xbb, 0xbf, 0x20, 0x0a, ...text("<istanza/>")))).toBe("xml");
  });

  it("refuses what is none of them, or a DER sequence that is not signedData", () => {
    expect(detectFileKind(text("PK\u0003\u0004 a zip"))).toBeNull();
    expect(detectFileKind(text("hello"))).toBeNull();
    expect(
      detectFileKind(
        bytes(0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0, 0, 0, 0),
      ),
    ).toBeNull();
    expect(detectFileKind(bytes(0x3c, 0x00, 0x01))).toBeNull();
    expect(detectFileKind(new Uint8Array())).toBeNull();
  });

  it("refuses a file whose extension lies, with a sentence that says how to fix it", () => {
    const png = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0);
    const r = checkUploadedFile("planimetria.pdf", png, LIMITS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.it).toMatch(/ha l'estensione \.pdf ma il suo contenuto è un'immagine PNG/);
    expect(checkUploadedFile("firmato.pdf.p7m", P7M, LIMITS)).toMatchObject({
      ok: true,
      kind: "p7m",
      contentType: "application/pkcs7-mime",
    });
    expect(checkUploadedFile("foto.JPG", bytes(0xff, 0xd8, 0xff, 0xe0), LIMITS)).toMatchObject({
      ok: true,
      kind: "jpeg",
    });
    // No extension: the real type names it.
    expect(checkUploadedFile("scansione", text("%PDF-1.4"), LIMITS)).toMatchObject({
      ok: true,
      filename: "scansione.pdf",
    });
  });

  it("enforces the per-file and per-pratica limits and refuses empty files", () => {
    expect(checkUploadedFile("a.pdf", new Uint8Array(), LIMITS).ok).toBe(false);
    const big = new Uint8Array(2000);
    big.set(text("%PDF-"));
    const tooBig = checkUploadedFile("a.pdf", big, LIMITS);
    expect(tooBig.ok ? "" : tooBig.message.it).toMatch(/il limite è/);
    const full = checkUploadedFile("a.pdf", text("%PDF-1.4"), { maxFileBytes: 1024, remainingBytes: 3 });
    expect(full.ok ? "" : full.message.it).toMatch(/limite complessivo/);
  });

  it("sanitises names: no paths, no control characters, bounded length, extension kept", () => {
    expect(sanitizeFilename("../../etc/passwd")).toBe("passwd");
    expect(sanitizeFilename("C:\\Users\\maria\\Documento d'identità.pdf")).toBe("Documento d'identità.pdf");
    expect(sanitizeFilename("a\u0000b<c>.pdf")).toBe("abc.pdf");
    expect(sanitizeFilename("...")).toBe("allegato");
    const long = sanitizeFilename(`${"x".repeat(300)}.pdf`);
    expect(long.length).toBeLessThanOrEqual(120);
    expect(long.endsWith(".pdf")).toBe(true);
  });
});

describe("the CUI", () => {
  it("formats and parses context, date, yearly progressive and uuid", () => {
    const uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const cui = buildCui("SUAP-AVC", "2026-11-26", 123, uuid);
    expect(formatCui(cui)).toBe(`SUAP-AVC-2026-11-26-000123-${uuid}`);
    expect(parseCui(formatCui(cui))).toEqual(cui);
    expect(parseCui("SUAP-AVC-2026-11-26-000123")).toBeNull();
  });
});

describe("the terms of a bundle", () => {
  it("takes the longest terms of the bundle and fills legal constants the catalogue lacks", () => {
    const base = {
      max_gg_correction: 30,
      max_gg_admissibility: null,
      max_gg_int_req: null,
      max_gg_int_resp: 30,
      max_gg_concl_send: null,
      max_gg_cdss_req: null,
    };
    const { termDays, times } = bundleTimes(
      [
        { ...base, max_gg_proc: 60 },
        { ...base, max_gg_proc: 90, max_gg_concl_send: 55 },
      ],
      "scia_unica",
    );
    expect(termDays).toBe(90);
    expect(times).toMatchObject({
      max_gg_correction: 30,
      max_gg_concl_send: 55,
      agency_proposal_lead_days: 5,
      observations_days: 10,
    });
    expect(times.max_gg_admissibility).toBeUndefined();
    expect(bundleTimes([{ ...base, max_gg_proc: 60 }], "scia_condizionata").times.max_gg_cdss_req).toBe(
      LEGAL_TIMES.max_gg_cdss_req,
    );
    expect(
      bundleTimes([{ ...base, max_gg_proc: 60 }], "scia").times.agency_proposal_lead_days,
    ).toBeUndefined();
  });
});
