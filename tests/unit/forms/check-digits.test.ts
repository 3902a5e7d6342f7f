import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  codiceFiscaleCheckChar,
  codiceFiscaleProblem,
  decodeOmocodia,
  isValidCodiceFiscale,
} from "~/domain/forms/codice-fiscale";
import { isValidPartitaIva, partitaIvaCheckDigit, partitaIvaProblem } from "~/domain/forms/partita-iva";

describe("partita IVA", () => {
  it("accepts well-known valid numbers, computed by the algorithm", () => {
    // 0074311015 -> 7 ; 0764352056 -> 7 (worked by hand: odd digits summed, even digits doubled minus 9)
    expect(partitaIvaCheckDigit("0074311015")).toBe(7);
    expect(partitaIvaCheckDigit("0764352056")).toBe(7);
    expect(isValidPartitaIva("00743110157")).toBe(true);
    expect(isValidPartitaIva("07643520567")).toBe(true);
    expect(isValidPartitaIva("IT 00743110157")).toBe(true);
  });

  it("rejects a wrong check digit, a wrong length and an all-zero serial", () => {
    expect(partitaIvaProblem("00743110158")).toBe("check_digit");
    expect(partitaIvaProblem("07643520566")).toBe("check_digit");
    expect(partitaIvaProblem("0074311015")).toBe("format");
    expect(partitaIvaProblem("0074311015A")).toBe("format");
    expect(partitaIvaProblem("00000000000")).toBe("zero");
  });

  it("detects every single-digit change of a valid number", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[1-9]\d{9}$/),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 9 }),
        (first10, pos, delta) => {
          const valid = first10 + partitaIvaCheckDigit(first10);
          expect(isValidPartitaIva(valid)).toBe(true);
          const digits = valid.split("");
          digits[pos] = String((Number(digits[pos]) + delta) % 10);
          expect(isValidPartitaIva(digits.join(""))).toBe(false);
        },
      ),
    );
  });
});

describe("codice fiscale", () => {
  it("computes the check character of the textbook example RSSMRA85T10A562S", () => {
    expect(codiceFiscaleCheckChar("RSSMRA85T10A562")).toBe("S");
    expect(isValidCodiceFiscale("RSSMRA85T10A562S")).toBe(true);
    expect(isValidCodiceFiscale(" rssmra85t10a562s ")).toBe(true);
  });

  it("accepts women's codes (day + 40) and omocodia letters", () => {
    const woman = `BNCGLI90A41H501`;
    expect(isValidCodiceFiscale(woman + codiceFiscaleCheckChar(woman), "person")).toBe(true);
    // omocodia: the last digit 2 of RSSMRA85T10A562 becomes N
    const omocode = "RSSMRA85T10A56N";
    const cf = omocode + codiceFiscaleCheckChar(omocode);
    expect(decodeOmocodia(cf).slice(0, 15)).toBe("RSSMRA85T10A562");
    expect(isValidCodiceFiscale(cf, "person")).toBe(true);
    expect(cf).not.toBe("RSSMRA85T10A562S");
  });

  it("says what is wrong", () => {
    expect(codiceFiscaleProblem("RSSMRA85T10A562T")).toBe("check_char");
    expect(codiceFiscaleProblem("RSSMRA85T10A56")).toBe("format");
    expect(codiceFiscaleProblem("RSSMRA85Z10A562S")).toBe("format"); // Z is not a month letter
    const badDay = "RSSMRA85T35A562";
    expect(codiceFiscaleProblem(badDay + codiceFiscaleCheckChar(badDay))).toBe("date");
  });

  it("accepts the 11-digit code of companies only where allowed", () => {
    expect(isValidCodiceFiscale("00743110157", "any")).toBe(true);
    expect(isValidCodiceFiscale("00743110157", "company")).toBe(true);
    expect(codiceFiscaleProblem("00743110157", "person")).toBe("format");
    expect(codiceFiscaleProblem("00743110158", "company")).toBe("company_check");
    expect(codiceFiscaleProblem("RSSMRA85T10A562S", "company")).toBe("company_format");
  });

  it("rejects any single-character change of the check character", () => {
    fc.assert(
      fc.property(fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"), (c) => {
        fc.pre(c !== "S");
        expect(isValidCodiceFiscale(`RSSMRA85T10A562${c}`)).toBe(false);
      }),
    );
  });
});
