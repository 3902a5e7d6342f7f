import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dictionaryKeys, localeFromCookieHeader, translator } from "~/i18n";
import { en } from "~/i18n/en";
import { it as itDict } from "~/i18n/it";

describe("dictionaries", () => {
  it("have the same keys in Italian and English, none empty", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(itDict).sort());
    for (const [k, v] of Object.entries(en)) expect(v, k).not.toBe("");
    expect([...dictionaryKeys.en].sort()).toEqual([...dictionaryKeys.it].sort());
  });

  it("interpolate parameters and default to Italian", () => {
    expect(translator("it")("personal.welcome", { name: "Anna" })).toBe("Benvenuto, Anna");
    expect(translator("en")("personal.welcome", { name: "Anna" })).toBe("Welcome, Anna");
    expect(localeFromCookieHeader(null)).toBe("it");
    expect(localeFromCookieHeader("a=b; lang=en")).toBe("en");
    expect(localeFromCookieHeader("lang=fr")).toBe("it");
  });
});

describe("route conventions", () => {
  const routesDir = path.resolve("app/routes");
  const files = readdirSync(routesDir).filter((f) => f.endsWith(".tsx") || f.endsWith(".ts"));

  it("every route with an action checks the CSRF token through readForm", () => {
    const offenders = files.filter((f) => {
      const src = readFileSync(path.join(routesDir, f), "utf8");
      return (
        /export (async )?function action/.test(src) &&
        !/readForm\(|readMultipartForm\(|parseUpload\(/.test(src)
      );
    });
    expect(offenders).toEqual([]);
  });

  it("every POST form in a component carries the CSRF field", () => {
    const offenders = files.filter((f) => {
      const src = readFileSync(path.join(routesDir, f), "utf8");
      const posts = (src.match(/<Form[^>]*method="post"/g) ?? []).length;
      const tokens = (src.match(/<CsrfInput \/>/g) ?? []).length;
      return posts > tokens;
    });
    expect(offenders).toEqual([]);
  });
});
