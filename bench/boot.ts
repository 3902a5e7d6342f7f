// Measures the build time and the cold start (process start -> /healthz 200) on the embedded database:
// first boot on an empty DATA_DIR (migrations + seed) and a warm restart on the same directory.
// Run: npm run bench:boot        (prints figures; never fails on time)
import { execSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./support/port";

function buildOnce() {
  const t0 = performance.now();
  execSync("npm run build", { stdio: "ignore" });
  return performance.now() - t0;
}

async function coldStart(dataDir: string, port: number) {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["build/server.js"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, WORKER: "1" },
    stdio: "ignore",
  });
  let listening = 0;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      listening ||= performance.now() - t0;
      if (res.status === 200) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  const healthy = performance.now() - t0;
  const home = performance.now();
  await (await fetch(`http://127.0.0.1:${port}/`)).text();
  const firstPage = performance.now() - home;
  child.kill("SIGTERM");
  await new Promise((r) => child.on("exit", r));
  return { listening, healthy, firstPage };
}

const builds = [buildOnce(), buildOnce(), buildOnce()];
console.log(
  `build (copy assets + remix build + server bundle): ${builds.map((b) => b.toFixed(0)).join(", ")} ms`,
);
const dir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-"));
const first = await coldStart(dir, await freePort());
console.log(
  `first boot, empty DATA_DIR: listening ${first.listening.toFixed(0)} ms, healthy ${first.healthy.toFixed(0)} ms, home page ${first.firstPage.toFixed(0)} ms`,
);
for (let i = 0; i < 3; i++) {
  const warm = await coldStart(dir, await freePort());
  console.log(
    `restart #${i + 1}: listening ${warm.listening.toFixed(0)} ms, healthy ${warm.healthy.toFixed(0)} ms, home page ${warm.firstPage.toFixed(0)} ms`,
  );
}
rmSync(dir, { recursive: true, force: true });
