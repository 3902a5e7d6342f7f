import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * No import cycle anywhere in app/ and workflows/. Every `import ... from`, `export ... from` and dynamic
 * `import("...")` of a project file counts, type-only ones included: a cycle of types is still two modules
 * that cannot be understood one without the other. Resolves relative paths and the `~/` alias (tsconfig).
 */

const ROOT = path.resolve(__dirname, "../../..");
const EXTENSIONS = [".ts", ".tsx", ".js", ".mjs"];
const SPEC_RE =
  /(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (EXTENSIONS.some((e) => name.endsWith(e)) && !name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

function resolveSpec(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith("~/")) base = path.join(ROOT, "app", spec.slice(2));
  else if (spec.startsWith(".")) base = path.resolve(path.dirname(from), spec);
  else return null;
  const candidates = [
    base,
    ...EXTENSIONS.map((e) => base + e),
    ...EXTENSIONS.map((e) => path.join(base, `index${e}`)),
  ];
  // "./x.js" written for ESM resolves to x.ts.
  if (/\.js$/.test(base)) candidates.push(base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

/** Strips comments so an example in a comment is not an import. */
function code(text: string) {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

function importGraph(roots: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of roots.flatMap((r) => sourceFiles(path.join(ROOT, r)))) {
    const deps = new Set<string>();
    for (const m of code(readFileSync(file, "utf8")).matchAll(SPEC_RE)) {
      const target = resolveSpec(file, (m[1] ?? m[2])!);
      if (target) deps.add(target);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** Every cycle found by a depth-first search (each reported once, as the path that closes it). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    state.set(node, "visiting");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      const s = state.get(next);
      if (s === "visiting") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

const rel = (f: string) => path.relative(ROOT, f);

describe("the import graph of app/ and workflows/", () => {
  it("finds a cycle when there is one (the checker itself works)", () => {
    const g = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(findCycles(g)).toEqual([["a", "b", "c", "a"]]);
    expect(
      findCycles(
        new Map([
          ["a", ["b"]],
          ["b", []],
        ]),
      ),
    ).toEqual([]);
  });

  it("resolves the project's imports (relative, ~/ alias, index files)", () => {
    const graph = importGraph(["app", "workflows"]);
    const engine = path.join(ROOT, "app/server/engine/engine.server.ts");
    const deps = (graph.get(engine) ?? []).map(rel);
    expect(deps).toContain("workflows/index.ts");
    expect(deps).toContain("app/domain/policy.ts");
  });

  it("has no cycle", () => {
    const cycles = findCycles(importGraph(["app", "workflows"])).map((c) => c.map(rel).join(" -> "));
    expect(cycles).toEqual([]);
  });
});
