import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildIuv,
  formatEuro,
  formatNoticeNumber,
  isValidIuv,
  isValidOrganisationFiscalCode,
  iuvCheckDigits,
  iuvOfNotice,
  noticeNumber,
  qrPayload,
} from "~/domain/payments/iuv";
import { blocksSubmission, iupdFor, plannedPositions } from "~/domain/payments/positions";
import { CREDITOR_DATA } from "~/domain/payments/creditors";

describe("IUV and notice number (SACI, aux digit 3)", () => {
  it("computes the check digits as (aux digit + segregation code + IUV base) mod 93", () => {
    // 3010000000000001 = 93 * 32365591397849 + 44
    expect(iuvCheckDigits("01", "0000000000001")).toBe("44");
    expect(buildIuv("01", 1)).toBe("01000000000000144");
    expect(noticeNumber("01000000000000144")).toBe("301000000000000144");
    // a remainder below 10 is zero-padded: 3000000000000000 mod 93 = 3
    expect(iuvCheckDigits("00", "0000000000000")).toBe("03");
  });

  it("every built IUV is 17 digits, starts with the segregation code and validates; any changed digit fails", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 49 }),
        fc.integer({ min: 1, max: 10 ** 13 - 1 }),
        fc.integer({ min: 0, max: 16 }),
        (seg, n, pos) => {
          const s = String(seg).padStart(2, "0");
          const iuv = buildIuv(s, n);
          expect(iuv).toMatch(/^\d{17}$/);
          expect(iuv.startsWith(s)).toBe(true);
          expect(isValidIuv(iuv)).toBe(true);
          expect(Number(iuv.slice(15))).toBe(Number(BigInt(`3${iuv.slice(0, 15)}`) % 93n));
          const d = Number(iuv[pos]);
          const changed = `${iuv.slice(0, pos)}${(d + 1) % 10}${iuv.slice(pos + 1)}`;
          expect(isValidIuv(changed)).toBe(false);
          expect(iuvOfNotice(noticeNumber(iuv))).toBe(iuv);
        },
      ),
    );
  });

  it("refuses malformed input", () => {
    expect(() => buildIuv("1", 1)).toThrow();
    expect(() => buildIuv("01", 0)).toThrow();
    expect(() => noticeNumber("01000000000000145")).toThrow();
    expect(iuvOfNotice("001000000000000144")).toBeNull();
    expect(formatNoticeNumber("301000000000000144")).toBe("3010 0000 0000 0001 44");
  });
});

describe("QR payload and amounts", () => {
  it("is PAGOPA|002|notice|fiscal code|cents", () => {
    expect(qrPayload("301000000000000144", "00180000549", 5000)).toBe(
      "PAGOPA|002|301000000000000144|00180000549|5000",
    );
    expect(() => qrPayload("301000000000000144", "0018000054", 5000)).toThrow();
    expect(() => qrPayload("301000000000000144", "00180000549", 0)).toThrow();
    expect(() => qrPayload("301000000000000144", "00180000549", 10.5)).toThrow();
  });
  it("formats cents the Italian way", () => {
    expect(formatEuro(5000)).toBe("50,00");
    expect(formatEuro(123456)).toBe("1.234,56");
    expect(formatEuro(7)).toBe("0,07");
  });
  it("the demo creditors have well-formed fiscal codes", () => {
    for (const c of Object.values(CREDITOR_DATA))
      expect(isValidOrganisationFiscalCode(c.fiscalCode)).toBe(true);
    expect(isValidOrganisationFiscalCode("00180000548")).toBe(false);
  });
});

describe("fees -> debt positions", () => {
  const creditor = { entityCode: "050011", name: "Comune", ...CREDITOR_DATA["050011"]! };
  const find = (code: string) => (code === "050011" ? creditor : undefined);

  it("one position per creditor, one transfer per fee line, amounts add up", () => {
    const [p, ...rest] = plannedPositions(
      {
        municipality: "050011",
        lines: [
          { usecase: "a", title: "Apertura", dirittiCents: 5000 },
          { usecase: "b", title: "Insegna", dirittiCents: 0 },
          { usecase: "c", title: "Dehors", dirittiCents: 2550 },
        ],
      },
      find,
      "pratica X",
    );
    expect(rest).toEqual([]);
    expect(p!.amountCents).toBe(7550);
    expect(p!.transfers.map((t) => [t.idTransfer, t.amountCents])).toEqual([
      ["1", 5000],
      ["2", 2550],
    ]);
    expect(p!.transfers.every((t) => t.fiscalCode === creditor.fiscalCode)).toBe(true);
  });

  it("merges lines past the fifth transfer and keeps texts within 140 characters", () => {
    const lines = Array.from({ length: 7 }, (_, i) => ({
      usecase: `u${i}`,
      title: "x".repeat(200),
      dirittiCents: 100,
    }));
    const [p] = plannedPositions({ municipality: "050011", lines }, find, "ref");
    expect(p!.transfers).toHaveLength(5);
    expect(p!.transfers[4]!.amountCents).toBe(300);
    expect(p!.amountCents).toBe(700);
    expect(p!.transfers.every((t) => t.remittance.length <= 140)).toBe(true);
  });

  it("nothing to pay without a pagoPA creditor or with zero fees", () => {
    const lines = [{ usecase: "a", title: "A", dirittiCents: 5000 }];
    expect(plannedPositions({ municipality: "050039", lines }, find, "r")).toEqual([]);
    expect(
      plannedPositions({ municipality: "050011", lines: [{ ...lines[0]!, dirittiCents: 0 }] }, find, "r"),
    ).toEqual([]);
  });

  it("submission is blocked until every live position is paid, unless payment may follow", () => {
    const before = { kind: "before" } as const;
    expect(blocksSubmission(before, [], 1)).toBe(true);
    expect(blocksSubmission(before, [{ status: "valid" }], 1)).toBe(true);
    expect(blocksSubmission(before, [{ status: "cancelled" }, { status: "paid" }], 1)).toBe(false);
    expect(blocksSubmission(before, [], 0)).toBe(false);
    expect(blocksSubmission(before, [{ status: "failed" }, { status: "paid" }], 1)).toBe(false);
    expect(blocksSubmission(before, [{ status: "failed" }], 1)).toBe(true);
    expect(blocksSubmission({ kind: "after", days: 30 }, [], 1)).toBe(false);
    expect(iupdFor("00180000507", "0b7a2c1e-1111-2222-3333-444455556666", 1)).toMatch(
      /^SUAP-00180000507-[0-9a-f]{20}-1$/,
    );
  });
});
