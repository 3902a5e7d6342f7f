// Adds up the counts vitest and Playwright printed in the given logs and prints one closing line
// ("N passed, N failed"), the form CI reads.
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strip ANSI colours from the logs
  const text = readFileSync(file, "utf8").replace(/\u001b\[[0-9;]*m/g, "");
  for (const line of text.split("\n")) {
    const vitest = line.match(/^\s*Tests\s+(.*)\(\d+\)\s*$/);
    if (vitest) {
      passed += Number(vitest[1].match(/(\d+) passed/)?.[1] ?? 0);
      failed += Number(vitest[1].match(/(\d+) failed/)?.[1] ?? 0);
      skipped += Number(vitest[1].match(/(\d+) skipped/)?.[1] ?? 0);
    }
    const pw = line.match(/^\s*(\d+) (passed|failed|skipped|flaky)( \(.*\))?\s*$/);
    if (pw) {
      const n = Number(pw[1]);
      if (pw[2] === "passed") passed += n;
      else if (pw[2] === "skipped") skipped += n;
      else failed += n;
    }
  }
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
