import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// In a fresh Node process (this test runner may have loaded React already): NODE_ENV=development, then the
// host's pin, then the modules the build imports. The production files must be the ones loaded, and
// NODE_ENV must be what it was.
const script = `
  import { createRequire } from "node:module";
  const { pinProductionReact } = await import(process.env.PIN_MODULE);
  const loaded = pinProductionReact(process.cwd() + "/package.json");
  const require = createRequire(process.cwd() + "/package.json");
  await import("react-dom/server");
  await import("@remix-run/react");
  const files = Object.keys(require.cache).filter((f) => /react-dom-server|react-router\\.|react\\.(production|development)/.test(f));
  console.log(JSON.stringify({ loaded, files, nodeEnv: process.env.NODE_ENV, again: pinProductionReact(process.cwd() + "/package.json") }));
`;

describe("React on the server", () => {
  it("is React's production build even under NODE_ENV=development, and NODE_ENV is left as it was", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: {
        ...process.env,
        NODE_ENV: "development",
        PIN_MODULE: `${process.cwd()}/app/server/http/react-production.server.ts`,
      },
      encoding: "utf8",
    });
    const r = JSON.parse(out.trim().split("\n").pop()!) as {
      loaded: string[];
      files: string[];
      nodeEnv: string;
      again: string[];
    };
    expect(r.nodeEnv).toBe("development");
    expect(r.loaded).toContain("react-dom/server");
    expect(r.files.some((f) => f.endsWith("react-dom-server.node.production.min.js"))).toBe(true);
    expect(r.files.some((f) => f.includes("react-router.production.min.js"))).toBe(true);
    expect(r.files.filter((f) => f.includes("development"))).toEqual([]);
    // A second call loads nothing: the packages are already there.
    expect(r.again).toEqual([]);
  });
});
