// `npm start`: builds only when the sources changed since the last build, then serves (issue 18, ADR 0029).
// The stamp is the sha256 of every source the build reads (app/, server.ts, the build scripts and configs,
// workflows/, the lock file): when build/.sources-sha256 holds the same hash and the build's outputs exist,
// the build is skipped; otherwise `npm run build` runs and the stamp is written after it succeeds.
// The server then runs in this very process (no extra node process and its memory).
// Run: npm start  (or node scripts/start.mjs --check: the check and the build only)
import { execSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const STAMP = path.resolve("build/.sources-sha256");
const INPUTS = [
  "app",
  "workflows",
  "server.ts",
  "remix.config.js",
  "remix.env.d.ts",
  "tsconfig.json",
  "package.json",
  "package-lock.json",
  "scripts/build-server.ts",
  "scripts/copy-assets.mjs",
  "public/favicon.ico",
];
const OUTPUTS = ["build/server.js", "build/index.js", "public/build", "public/vendor/bootstrap-italia"];

function files(entry) {
  if (!existsSync(entry)) return [];
  if (!statSync(entry).isDirectory()) return [entry];
  const out = [];
  for (const d of readdirSync(entry, { withFileTypes: true })) {
    const p = path.join(entry, d.name);
    if (d.isDirectory()) out.push(...files(p));
    else if (d.isFile()) out.push(p);
  }
  return out;
}

export function sourcesHash() {
  const hash = createHash("sha256");
  for (const file of INPUTS.flatMap(files).sort()) {
    hash.update(file.split(path.sep).join("/"));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

const started = Date.now();
const current = sourcesHash();
const stamped = existsSync(STAMP) ? readFileSync(STAMP, "utf8").trim() : "";
if (stamped === current && OUTPUTS.every((o) => existsSync(o))) {
  console.log(`Build aggiornata (sorgenti invariati, verificati in ${Date.now() - started} ms)`);
} else {
  console.log(stamped ? "Sorgenti cambiati: ricostruisco" : "Prima build");
  execSync("npm run build", { stdio: "inherit" });
  writeFileSync(STAMP, `${current}\n`);
}
// --check: only the stamp and, when needed, the build (bench/boot.ts measures it).
if (!process.argv.includes("--check")) await import(pathToFileURL(path.resolve("build/server.js")).href);
