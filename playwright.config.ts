import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

// The built server on a fresh embedded database, driven in the system Chromium (never a downloaded one).
const PORT = Number(process.env.E2E_PORT ?? 3210);
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), "suap-e2e-"));
// The workers inherit it, so a spec can reach the server's DATA_DIR (e.g. the development CA in signatures.spec).
process.env.E2E_DATA_DIR = dataDir;
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Generous: CI may run on a loaded machine (a journey with PDFs and mail took over 60 s at load 18, and the
  // filing journey with axe at every step over 120 s at load 22). A passing test never waits for it.
  timeout: 300_000,
  reporter: process.env.CI ? [["list"], ["json", { outputFile: "test-results/e2e.json" }]] : "list",
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: {
    // prepare.ts seeds the desk journeys' pratiche on the same DATA_DIR before the server opens it (PGlite
    // admits one process at a time); it also runs migrations and the seed, so the server boots warm.
    command: "npx tsx tests/e2e/support/prepare.ts && node build/server.js",
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    // prepare.ts (migrations, seed, demo pratiche) and the boot took over 60 s on a loaded machine.
    timeout: 240_000,
    env: {
      PORT: String(PORT),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      NODE_ENV: "development",
      WORKER: "1",
      // The browser tests read the mail the journeys send.
      DEV_MAILBOX: "open",
      // The specs file their own pratiche (prepare.ts); the demo desk's are tested in tests/integration/desk.
      DEMO_PRATICHE: "0",
    },
  },
});
