import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "./port";

/**
 * The machine's HTTP floor (issue 18): a bare Express serving 10 KB of HTML, the same as bench/pages.ts
 * measures, in its own process. Measure it right before each figure: on a shared machine the load moves.
 */
export async function expressFloor(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const script = `
    import express from "express";
    const row = "<p>Sportello unico per le attivita produttive: procedimenti, moduli e pratiche.</p>\\n";
    const body = ("<!doctype html><html><head><title>floor</title></head><body>\\n" + row.repeat(130)).slice(0, 10240 - 14) + "</body></html>";
    const app = express();
    app.disable("x-powered-by");
    app.get("/", (_req, res) => { res.type("html").send(body); });
    app.listen(${port}, "127.0.0.1");`;
  const child: ChildProcess = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}/`;
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
