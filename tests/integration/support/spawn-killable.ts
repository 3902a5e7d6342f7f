import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "~/server/db/db.server";
import { createTestDatabase } from "./databases";

/**
 * A database a child process can open too (the crash tests hand it over): a fresh Postgres database, or a
 * PGlite folder. `open` opens it again (after the child died); `drop` removes the Postgres one.
 */
export async function sharedDatabase(kind: "pglite" | "postgres", prefix: string) {
  if (kind === "postgres") {
    const t = await createTestDatabase("postgres");
    const target = t.url!;
    await t.handle.close();
    return { target, open: () => openDatabase({ databaseUrl: target, dataDir: "unused" }), drop: t.drop };
  }
  const target = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { target, open: () => openDatabase({ dataDir: target }), drop: async () => {} };
}

export interface Killable {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** The signal the child died of (null when it exited by itself). */
  exited: Promise<NodeJS.Signals | null>;
  /** Waits until the child's output matches `re` (polling its output), and returns the match. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Calls `fn` with every whole line the child prints, in order, until the returned function is called. */
  onLine(fn: (line: string) => void): () => void;
  output(): string;
  errors(): string;
}

/**
 * Runs a TypeScript script as a child that SIGKILL really kills: `node --import tsx` runs it in this very
 * process (the tsx command line would run it in a grandchild, and SIGKILL would stop only the wrapper while
 * the real work went on).
 */
export function spawnKillable(script: string, args: string[]): Killable {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_ENV: "test" },
  });
  let out = "";
  let err = "";
  let pending = "";
  const listeners = new Set<(line: string) => void>();
  child.stdout.on("data", (d: Buffer) => {
    out += d;
    // Whole lines only: a chunk may end in the middle of one.
    pending += d.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      for (const fn of [...listeners]) if (listeners.has(fn)) fn(line);
    }
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  return {
    child,
    exited,
    async waitFor(re, ms = 60_000) {
      const start = Date.now();
      while (!re.test(out)) {
        if (Date.now() - start > ms) throw new Error(`child never printed ${re}: ${out} ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return re.exec(out)!;
    },
    onLine(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    output: () => out,
    errors: () => err,
  };
}
