import { createRequire } from "node:module";

/**
 * HTTP load through autocannon (no types shipped; the little used here is typed below). Every response time is
 * kept, so the percentiles are exact (autocannon's summary has p90 and p97.5, not p95).
 */
const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as (options: Record<string, unknown>) => PromiseLike<{
  requests: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}> & {
  on(event: "response", fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};

export interface LoadFigures {
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
  failures: number;
}

export async function httpLoad(options: {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
}): Promise<LoadFigures> {
  const times: number[] = [];
  let failures = 0;
  const run = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    headers: options.headers ?? {},
  });
  run.on("response", (_client, status, _bytes, ms) => {
    times.push(ms);
    if (status < 200 || status >= 300) failures++;
  });
  const result = await run;
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? Number.NaN;
  return {
    perSecond: result.requests.average,
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
    max: times[times.length - 1] ?? Number.NaN,
    count: times.length,
    failures: failures + result.errors + result.timeouts,
  };
}
