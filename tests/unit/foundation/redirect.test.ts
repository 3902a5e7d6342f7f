import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeRedirect } from "~/domain/redirect";

const FALLBACK = "/area-personale";

/** What a safe answer is: a path on this origin that a browser cannot turn into another host, valid in a header. */
function assertSafe(result: string) {
  expect(result.startsWith("/")).toBe(true);
  expect(result.startsWith("//")).toBe(false);
  // Printable ASCII only, no backslash.
  expect([...result].every((c) => c > " " && c <= "~" && c !== "\\")).toBe(true);
  // What the browser would do with the Location header: tabs/newlines stripped, backslashes read as slashes.
  const browser = result.replace(/[\t\n\r]/g, "").replace(/\\/g, "/");
  expect(new URL(browser, "https://suap.example.it").origin).toBe("https://suap.example.it");
  expect(() => new Headers({ Location: result })).not.toThrow();
}

describe("the one redirect check", () => {
  it.each([
    ["/area-personale", "/area-personale"],
    ["/catalogo?q=bar", "/catalogo?q=bar"],
    ["/pratiche/1#allegati", "/pratiche/1#allegati"],
    ["/a/../b", "/b"],
  ])("keeps the same-origin path %s", (input, expected) => {
    expect(safeRedirect(input)).toBe(expected);
  });

  it.each([
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example/",
    "/%09/evil.example/".replace("%09", "\t"),
    "/\r\nSet-Cookie: x=1",
    "/\n/evil.example",
    "/\u3000/evil.example",
    "/\u00a0",
    "/\u2028/evil",
    "/..//evil.example",
    "/./\\evil",
    "https://evil.example",
    "javascript:alert(1)",
    " /area-personale",
    "",
    "evil.example",
    `/${"a".repeat(3000)}`,
  ])("refuses %j without throwing", (input) => {
    expect(safeRedirect(input, FALLBACK)).toBe(FALLBACK);
  });

  it("refuses non-strings", () => {
    expect(safeRedirect(null)).toBe(FALLBACK);
    expect(safeRedirect(undefined)).toBe(FALLBACK);
  });

  it("answers a safe path for any input (property)", () => {
    const nasty = fc.constantFrom(
      "/",
      "\\",
      ".",
      "..",
      "%",
      "%09",
      "%2f",
      "%5c",
      "\t",
      "\r",
      "\n",
      "\u3000",
      "\u00a0",
      "\u2028",
      "\u202e",
      "\u0000",
      "?",
      "#",
      "@",
      ":",
      "evil.example",
      "https:",
      " ",
      "a",
      "\ufeff",
      "\u200b",
    );
    fc.assert(
      fc.property(
        fc.array(nasty, { maxLength: 12 }).map((parts) => parts.join("")),
        fc.string(),
        (built, any) => {
          for (const input of [built, `/${built}`, any, `/${any}`]) {
            const result = safeRedirect(input, FALLBACK);
            assertSafe(result);
          }
        },
      ),
      { numRuns: 1000 },
    );
    // CPU-bound: its own budget, so a loaded CI machine does not time it out.
  }, 60_000);
});
