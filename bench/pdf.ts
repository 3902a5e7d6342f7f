// Renders the sample receipt 200 times and prints time and size per document.
// Run: npx tsx bench/pdf.ts        (prints figures; never fails on time)
import { renderPdf } from "../app/server/documents/pdf.server";
import { receiptSpec } from "../tests/integration/documents/fixtures";

const RUNS = 200;
const spec = receiptSpec();
await renderPdf(spec); // warm-up: font files read and parsed once
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const pdf = await renderPdf({
    ...spec,
    generatedAt: new Date(Date.UTC(2026, 2, 12, 9, 0, i)).toISOString(),
  });
  times.push(performance.now() - t0);
  bytes += pdf.byteLength;
}
times.sort((a, b) => a - b);
const mean = times.reduce((a, b) => a + b, 0) / RUNS;
const p95 = times[Math.ceil(RUNS * 0.95) - 1];
console.log(
  `renderPdf x${RUNS}: mean ${mean.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ${Math.round(bytes / RUNS)} bytes/document`,
);
