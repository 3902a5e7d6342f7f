// Issue 12: a CUI or a SHA-256 copied from a PDF must be the exact value, so the renderer never breaks one
// across lines (smaller on its own line instead). Read back with pdftotext, as a person copying would get it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderPdf } from "~/server/documents/pdf.server";
import { HASHES, receiptSpec } from "./fixtures";

const dir = mkdtempSync(path.join(os.tmpdir(), "suap-whole-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pdfText(bytes: Uint8Array, layout: boolean): string {
  const file = path.join(dir, `doc-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  execFileSync("pdftotext", [...(layout ? ["-layout"] : []), "-enc", "UTF-8", file, `${file}.txt`]);
  return readFileSync(`${file}.txt`, "utf8");
}

// The CUI's real shape (app/domain/filing/cui.ts): desk, date, progressive and the pratica's UUID.
const CUI = "SUAP-AVC-2026-11-26-000123-1b4e28ba-2d1a-4c6d-9f1a-0a1b2c3d4e5f";

describe("CUI and SHA-256 kept whole in PDFs", () => {
  it("prints the CUI in the header box and in the data rows, and each hash in a narrow column, on one line", async () => {
    const base = receiptSpec();
    const bytes = await renderPdf({
      ...base,
      cui: CUI,
      sections: [
        { heading: "Dati della pratica", rows: [["Codice univoco (CUI)", CUI]] },
        {
          heading: "Allegati ricevuti",
          // the receipt's own widths (app/server/engine/documents.server.ts)
          table: {
            columns: ["Documento", "File", "Impronta SHA-256"],
            widths: [0.22, 0.28, 0.5],
            rows: HASHES.map((h, i) => ["Copia del documento d'identità", `file-${i}.pdf`, h]),
          },
        },
      ],
    });
    for (const layout of [true, false]) {
      const lines = pdfText(bytes, layout).split("\n");
      // every occurrence on one line, exactly: at least the box and the data row
      expect(lines.filter((l) => l.includes(CUI)).length, `CUI (layout ${layout})`).toBeGreaterThanOrEqual(2);
      for (const h of HASHES)
        expect(
          lines.some((l) => l.includes(h)),
          `${h} (layout ${layout})`,
        ).toBe(true);
      // and no line holds a piece of the UUID without the whole CUI
      expect(lines.filter((l) => l.includes("1b4e28ba") && !l.includes(CUI))).toEqual([]);
    }
  });
});
