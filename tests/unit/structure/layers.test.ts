import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

function filesUnder(dir: string): string[] {
  return readdirSync(path.resolve(dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(process.cwd(), path.join(e.parentPath, e.name)));
}

const specifiers = (file: string) =>
  [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);

const nodeModules = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe("rules where they belong", () => {
  it("app/server holds only *.server.ts (so nothing server-side reaches the browser bundle)", () => {
    const files = filesUnder("app/server");
    expect(files.length).toBeGreaterThan(40);
    expect(files.filter((f) => !f.endsWith(".server.ts"))).toEqual([]);
  });

  it("app/domain is pure: it imports neither app/server nor node I/O modules", () => {
    const offenders: string[] = [];
    const files = filesUnder("app/domain").filter((f) => /\.tsx?$/.test(f));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      for (const spec of specifiers(file)) {
        const resolved = spec.startsWith(".") ? path.join(path.dirname(file), spec) : spec;
        if (nodeModules.has(spec) || /(^|\/)server(\/|$)|^~\/server|\.server$/.test(resolved)) {
          offenders.push(`${file} -> ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it("routes and components reach server code only from a loader or an action's module", () => {
    // a component module without a loader/action that imports a value from ~/server would ship it (or break)
    const offenders: string[] = [];
    for (const file of [...filesUnder("app/routes"), ...filesUnder("app/components")]) {
      const text = readFileSync(file, "utf8");
      const serverValues = [...text.matchAll(/^import\s+(?!type\b)[^;]*from\s+"~\/server\/[^"]+";/gm)];
      const hasServerExport = /export\s+(async\s+)?(function|const)\s+(loader|action)\b/.test(text);
      if (serverValues.length && !hasServerExport) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
