// Renders real PDFs and reads them back with the tools a person would use: pdftotext (poppler-utils)
// for the text layer and zbarimg (zbar-tools) for the QR code printed on page 1.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PDFDocument, PDFName } from "pdf-lib";
import { afterAll, describe, expect, it } from "vitest";
import {
  type DocumentSpec,
  documentFileName,
  normalizeVerificationCode,
  renderPdf,
  verificationCode,
} from "~/server/documents/pdf.server";
import { HASHES, receiptSpec, VERIFICATION } from "./fixtures";

const dir = mkdtempSync(path.join(os.tmpdir(), "suap-pdf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

function run(tool: string, args: string[], pkg: string): string {
  try {
    return execFileSync(tool, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err: any) {
    if (err?.code === "ENOENT")
      throw new Error(`${tool} not found: install ${pkg} (Debian/Ubuntu: apt-get install ${pkg})`);
    throw err;
  }
}

function save(bytes: Uint8Array): string {
  const file = path.join(dir, `doc-${++counter}.pdf`);
  writeFileSync(file, bytes);
  return file;
}

/** Text of each page (pdftotext separates pages with a form feed). */
function pdfPages(bytes: Uint8Array): string[] {
  const file = save(bytes);
  run("pdftotext", ["-layout", "-enc", "UTF-8", file, `${file}.txt`], "poppler-utils");
  const pages = readFileSync(`${file}.txt`, "utf8").split("\f");
  if (pages.at(-1)?.trim() === "") pages.pop();
  return pages;
}

const squash = (s: string) => s.replace(/\s+/g, "");

function longSpec(rows = 120): DocumentSpec {
  const base = receiptSpec();
  return {
    ...base,
    title: "Ricevuta di presentazione – elenco completo degli allegati",
    sections: [
      ...base.sections,
      {
        heading: "Elenco completo degli allegati",
        table: {
          columns: ["#", "Documento", "Impronta SHA-256"],
          widths: [0.5, 3, 4],
          rows: Array.from({ length: rows }, (_, i) => [
            String(i + 1),
            `Allegato-${String(i + 1).padStart(3, "0")} tavola di progetto con un nome abbastanza lungo da andare a capo.pdf`,
            HASHES[i % HASHES.length],
          ]),
        },
      },
    ],
  };
}

describe("renderPdf: Italian receipt", () => {
  it("prints protocol, CUI, accents, euro amounts, every hash, page numbers and the verification footer", async () => {
    const pages = pdfPages(await renderPdf(receiptSpec()));
    const text = pages.join("\n");
    expect(pages).toHaveLength(1);
    expect(text).toContain("Ricevuta di presentazione");
    expect(text).toContain("SUAP Associato Alta Val di Cecina");
    expect(text).toContain("SUAP-AVC/2026/0000123");
    expect(text).toContain("12/03/2026 10:15"); // 09:15Z shown in Italian time
    expect(text).toContain("00123450506-12032026-1015-000123");
    expect(text).toContain("Caffè dell'Àrco S.r.l.");
    expect(text).toContain("€ 116,00");
    expect(text).toContain("«piano terra»");
    expect(text).toContain("11/05/2026");
    expect(text).toContain("Cosa succede adesso");
    expect(text).toContain("articoli 7 e 8 della legge 241/1990");
    for (const hash of HASHES) expect(squash(text)).toContain(hash);
    expect(text).toContain("Pagina 1 di 1");
    expect(text).toContain(`Codice di verifica: ${VERIFICATION.code}`);
    expect(squash(text)).toContain(squash(`Verifica l'autenticità su ${VERIFICATION.url}`));
  });

  it("encodes exactly the verification URL in a QR code on page 1", async () => {
    const file = save(await renderPdf(receiptSpec()));
    run("pdftoppm", ["-r", "150", "-png", "-f", "1", "-l", "1", file, `${file}-page`], "poppler-utils");
    const png = readFileSync(`${file}-page-1.png`);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    const decoded = run("zbarimg", ["--raw", "-q", `${file}-page-1.png`], "zbar-tools");
    expect(decoded.trim()).toBe(VERIFICATION.url);
  });

  it("sets the document metadata from the spec", async () => {
    const pdf = await PDFDocument.load(await renderPdf(receiptSpec()), { updateMetadata: false });
    expect(pdf.getTitle()).toBe("Ricevuta di presentazione");
    expect(pdf.getAuthor()).toBe("SUAP Associato Alta Val di Cecina");
    expect(pdf.getSubject()).toBe("ricevuta");
    expect(pdf.getCreator()).toBe("Portale SUAP");
    expect(pdf.getCreationDate()?.toISOString()).toBe("2026-03-12T09:15:45.000Z");
    expect(String(pdf.catalog.get(PDFName.of("Lang")))).toContain("it-IT");
    const [width, height] = [pdf.getPage(0).getWidth(), pdf.getPage(0).getHeight()];
    expect([Math.round(width), Math.round(height)]).toEqual([595, 842]);
  });

  it("is deterministic: the same spec gives the same bytes, a different one does not", async () => {
    const a = await renderPdf(receiptSpec());
    const b = await renderPdf(receiptSpec());
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const c = await renderPdf(receiptSpec({ generatedAt: "2026-03-12T09:16:00Z" }));
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it("renders the English labels", async () => {
    const text = pdfPages(await renderPdf(receiptSpec({ locale: "en", title: "Submission receipt" }))).join(
      "\n",
    );
    expect(text).toContain("Page 1 of 1");
    expect(text).toContain(`Verification code: ${VERIFICATION.code}`);
    expect(squash(text)).toContain(squash(`Verify its authenticity at ${VERIFICATION.url}`));
    expect(text).toContain("Protocol no.");
  });
});

describe("renderPdf: pagination", () => {
  it("spreads a 120-row table over several pages with header, footer and page numbers on each", async () => {
    const pages = pdfPages(await renderPdf(longSpec(120)));
    const n = pages.length;
    expect(n).toBeGreaterThanOrEqual(4);
    pages.forEach((page, i) => {
      expect(page).toContain(`Pagina ${i + 1} di ${n}`);
      expect(page).toContain(`Codice di verifica: ${VERIFICATION.code}`);
      expect(squash(page)).toContain(squash(VERIFICATION.url));
      if (i > 0) expect(page).toContain("SUAP-AVC/2026/0000123"); // running header
    });
    // The table header is repeated on every page the table continues on.
    const withRows = pages.filter((p) => /Allegato-\d{3}/.test(p));
    expect(withRows.length).toBeGreaterThanOrEqual(3);
    for (const p of withRows) expect(p).toContain("Impronta SHA-256");
    const text = pages.join("\n");
    for (let i = 1; i <= 120; i++) expect(text).toContain(`Allegato-${String(i).padStart(3, "0")}`);
  });

  it("splits a table cell and a value that are taller than a page instead of losing text", async () => {
    const words = Array.from({ length: 1500 }, (_, i) => `parola${i}`).join(" ");
    const spec = receiptSpec({
      sections: [
        { heading: "Motivazione", rows: [["Testo integrale", `${words} FINE-VALORE`]] },
        {
          heading: "Note",
          table: { columns: ["Nota"], rows: [[`${words.replace(/parola/g, "voce")} FINE-CELLA`]] },
        },
      ],
    });
    const pages = pdfPages(await renderPdf(spec));
    const text = pages.join("\n");
    expect(pages.length).toBeGreaterThan(3);
    expect(text).toContain("FINE-VALORE");
    expect(text).toContain("FINE-CELLA");
    expect(text).toContain("parola1499");
    expect(text).toContain("voce1499");
    // The table header is never left alone at the bottom of a page: the cell starts under it.
    const notePage = pages.find((p) => /^Note$/m.test(p));
    expect(notePage).toContain("voce0 voce1");
    expect(pages.at(-1)).toContain(`Pagina ${pages.length} di ${pages.length}`);
  });
});

describe("renderPdf: characters and validation", () => {
  it("renders characters outside WinAnsi and gets them back from the text layer", async () => {
    const spec = receiptSpec({
      recipient: {
        name: "Őrség Kft. – filiale di Łódź",
        lines: ["c.a. Nguyễn Văn An", "Čapek ‘quote’ «ok» ł ő č"],
      },
    });
    const text = pdfPages(await renderPdf(spec)).join("\n");
    for (const s of ["Łódź", "Őrség", "Čapek", "‘quote’", "ł ő č", "Nguyễn"]) expect(text).toContain(s);
  });

  it("rejects a spec without title or with a relative verification URL, with a clear message", async () => {
    await expect(renderPdf(receiptSpec({ title: "  " }))).rejects.toThrow(/title is required/);
    await expect(
      renderPdf(receiptSpec({ verification: { code: "K7QF-2M9X", url: "/verifica/K7QF-2M9X" } })),
    ).rejects.toThrow(/verification\.url must be an absolute http\(s\) URL \(got "\/verifica\/K7QF-2M9X"\)/);
    await expect(
      renderPdf(receiptSpec({ verification: { code: "X", url: "javascript:alert(1)" } })),
    ).rejects.toThrow(/verification\.url must be an absolute http\(s\) URL/);
    await expect(renderPdf(receiptSpec({ issuer: { name: "" } }))).rejects.toThrow(
      /issuer\.name is required/,
    );
    await expect(renderPdf(receiptSpec({ generatedAt: "yesterday" }))).rejects.toThrow(/generatedAt/);
    const badTable = receiptSpec({
      sections: [{ heading: "T", table: { columns: ["a", "b"], rows: [["1"]] } }],
    });
    await expect(renderPdf(badTable)).rejects.toThrow(/rows\[0\] must have 2 cells/);
  });
});

describe("verification code and file name", () => {
  it("makes unambiguous Crockford base32 codes in 4 groups of 4", () => {
    const codes = new Set(Array.from({ length: 2000 }, () => verificationCode()));
    expect(codes.size).toBe(2000);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(normalizeVerificationCode("k7qf 2m9x-a4tz-oh8b")).toBe("K7QF-2M9X-A4TZ-0H8B");
    expect(normalizeVerificationCode("il00")).toBe("1100");
    expect(normalizeVerificationCode("K7QF-2M9U")).toBeNull();
  });

  it("gives safe file names", () => {
    expect(documentFileName("ricevuta", "SUAP-AVC/2026/0000123")).toBe("ricevuta_SUAP-AVC-2026-0000123.pdf");
    expect(documentFileName("Preavviso di rigetto", "../../etc/passwd")).toBe(
      "preavviso-di-rigetto_etc-passwd.pdf",
    );
    expect(documentFileName("attestazione silenzio-assenso")).toBe("attestazione-silenzio-assenso.pdf");
    expect(documentFileName("Città «è»\u0000", "")).toBe("citta-e.pdf");
    expect(documentFileName("///")).toBe("documento.pdf");
  });
});
