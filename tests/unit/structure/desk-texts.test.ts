import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { COMUNI, DESK } from "~/server/seed-data.server";

/**
 * The desk's name and its territory are data (the seed's entities, read through
 * app/server/entities/desk.server.ts), so another SUAP reuses the portal by changing data. Files that may still
 * name them: the seed itself, and the few listed below with why (the list may only shrink).
 */
const ALLOWED: Record<string, string> = {
  "app/server/seed-data.server.ts": "the reference data itself",
  "app/server/seed.server.ts": "the demo pratica's answers (seed)",
  "app/server/env.server.ts": "MAIL_FROM's development default (configuration)",
  "app/i18n/content.ts": "the accessibility statement and privacy notice, legal texts of the owner",
  "app/domain/catalogue/finder.ts": "an example in a question's hint",
  "app/domain/catalogue/open-data.ts": "the open data's attribution",
  "app/server/integrations/business-register/development.server.ts":
    "the development register's demo businesses (seed-like data)",
  "app/server/integrations/seal/development.server.ts":
    "the subject of the generated development seal certificate",
};

const TERRITORY = [/Alta Val di Cecina/, ...COMUNI.map((c) => new RegExp(c.name))];

describe("the desk's name and territory come from data", () => {
  it("the seed holds them, with the short name and owner the pages show", () => {
    expect(DESK.data).toMatchObject({ site: expect.any(String), owner: expect.any(String) });
    expect(COMUNI.length).toBeGreaterThan(0);
  });

  it("no other file of app/ spells them out", () => {
    const offenders = readdirSync(path.resolve("app"), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && /\.(ts|tsx)$/.test(e.name))
      .map((e) => path.relative(process.cwd(), path.join(e.parentPath, e.name)))
      .filter((f) => !(f in ALLOWED))
      .filter((f) => {
        // comments may give an example; code and strings may not
        const code = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
        return TERRITORY.some((re) => re.test(code));
      });
    expect(offenders).toEqual([]);
  });
});
