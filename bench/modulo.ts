// Measures the unified form as XML (issue 16, ADR 0027): loading AgID's vicinato apertura form (XSD closure +
// Schematron compile), then per document the XSD validation (xmllint-wasm) and the Schematron phase (our
// evaluator over fontoxpath), on AgID's own ok example, and the memory it holds.
// Run: npx tsx bench/modulo.ts [iterations]     (prints figures; never fails on time)
import { readFileSync } from "node:fs";
import { loadAgidForm, validateAgainstXsd } from "../app/server/modulo/agid.server";
import { runSchematron } from "../app/server/modulo/schematron.server";

const N = Number(process.argv[2] ?? 10);
const EXAMPLE =
  "specs/agid-moduli/to_moduli/04_forms/xml_example/mod_esercizio_vicinato_apertura/mod_esercizio_vicinato_apertura_v1.0.0_ok=phase_alimentare.xml";

function stats(name: string, ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(0);
  console.log(`${name.padEnd(22)} n=${s.length}  median ${p(0.5)} ms  p90 ${p(0.9)} ms  max ${p(1)} ms`);
}

const heap0 = process.memoryUsage().heapUsed;
let t = performance.now();
const form = loadAgidForm("mod_esercizio_vicinato_apertura");
console.log(
  `load (XSD closure ${form.xsd.files.size} files, ${form.schematron.patterns.length} patterns) ${(performance.now() - t).toFixed(0)} ms`,
);
console.log(
  `heap held by the loaded form ~${((process.memoryUsage().heapUsed - heap0) / 1048576).toFixed(1)} MiB`,
);
const xml = readFileSync(EXAMPLE, "utf8");
const xsd: number[] = [];
const sch: number[] = [];
for (let i = 0; i < N; i++) {
  t = performance.now();
  const errors = await validateAgainstXsd(form, xml);
  xsd.push(performance.now() - t);
  if (errors.length) throw new Error(JSON.stringify(errors));
  t = performance.now();
  const failures = runSchematron(form.schematron, xml, { phase: "alimentare_ph" });
  sch.push(performance.now() - t);
  if (failures.length) throw new Error(JSON.stringify(failures));
}
stats("XSD (xmllint-wasm)", xsd);
stats("Schematron phase", sch);
console.log(
  `load average ${(await import("node:os"))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on ${(await import("node:os")).cpus().length} cores`,
);
