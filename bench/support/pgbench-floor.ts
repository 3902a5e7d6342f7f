import { execFileSync } from "node:child_process";
import os from "node:os";
import pg from "pg";

/**
 * The machine's database floor, measured in the same run as the figure it is compared with: pgbench's TPC-B
 * (scale 10, 16 clients, 2 threads) on the same Postgres, in a scratch database dropped afterwards. Returns
 * transactions per second, or null when pgbench is not installed (the benchmark then prints its figure alone).
 */
export async function pgbenchFloor(base: string, seconds = Number(process.env.BENCH_FLOOR_SECONDS ?? 10)) {
  const name = `suap_floor_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  try {
    execFileSync("pgbench", ["-i", "-q", "-s", "10", url.toString()], { stdio: "ignore" });
    const out = execFileSync(
      "pgbench",
      ["-c", "16", "-j", "2", "-T", String(seconds), "-b", "tpcb-like", url.toString()],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    const tps = /tps = ([\d.]+)/.exec(out);
    const latency = /latency average = ([\d.]+) ms/.exec(out);
    return tps ? { tps: Number(tps[1]), latencyMs: latency ? Number(latency[1]) : Number.NaN } : null;
  } catch {
    return null;
  } finally {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  }
}

/** "load 3.2 2.8 2.1 on 2 cores": the machine is shared, the figure means little without it. */
export function loadLine() {
  const [a, b, c] = os.loadavg();
  return `load average ${a!.toFixed(2)} ${b!.toFixed(2)} ${c!.toFixed(2)} on ${os.cpus().length} cores`;
}

/** One line: floor, figure, ratio. */
export type Floor = { tps: number; latencyMs: number } | null;

/** One line: figure (per second), floor, ratio figure/floor tps. */
export function ratioLine(label: string, perSecond: number, unit: string, floor: Floor) {
  const f = floor === null ? "floor n/a (pgbench missing)" : `floor pgbench tpcb ${floor.tps.toFixed(0)} tps`;
  const ratio = floor ? ` ratio ${(perSecond / floor.tps).toFixed(3)}` : "";
  return `${label}: ${perSecond.toFixed(1)} ${unit}; ${f};${ratio}`;
}

/** One line for a latency: figure (ms), the floor's average transaction latency at 16 clients, ratio. */
export function latencyLine(label: string, ms: number, floor: Floor) {
  const f =
    floor === null
      ? "floor n/a (pgbench missing)"
      : `floor pgbench tpcb latency ${floor.latencyMs.toFixed(2)} ms`;
  const ratio = floor ? ` ratio ${(ms / floor.latencyMs).toFixed(2)}` : "";
  return `${label}: ${ms.toFixed(1)} ms; ${f};${ratio}`;
}
