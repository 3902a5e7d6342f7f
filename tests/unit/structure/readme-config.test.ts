import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * The README's configuration table names every variable the boot validates (app/server/env.server.ts), either by
 * name or by a `PREFIX_*` row that points to its section: a new setting cannot ship undocumented.
 */
describe("README configuration", () => {
  it("lists every variable of the validated environment", () => {
    const env = readFileSync("app/server/env.server.ts", "utf8");
    const schema = env.slice(env.indexOf("const schema = z.object("));
    const keys = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(20);
    const readme = readFileSync("README.md", "utf8");
    const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Demo accounts"));
    const named = new Set([...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));
    const prefixes = [...table.matchAll(/`([A-Z][A-Z0-9]*_)\*`/g)].map((m) => m[1]!);
    const missing = keys.filter((k) => !named.has(k) && !prefixes.some((p) => k.startsWith(p)));
    expect(missing, "add a row to the README's configuration table").toEqual([]);
  });
});
