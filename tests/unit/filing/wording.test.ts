import { describe, expect, it } from "vitest";
import { translator } from "~/i18n";

describe("the filing pages' wording", () => {
  it("says «Salva ed esci» (euphonic d before a vowel), and its English twin", () => {
    expect(translator("it")("filing.section.saveLeave")).toBe("Salva ed esci");
    expect(translator("en")("filing.section.saveLeave")).toBe("Save and leave");
  });
});
