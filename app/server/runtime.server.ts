import { readFileSync } from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import { importBundledCatalogues } from "./catalogue/import.server";
import { type DatabaseHandle, migrateToLatest, openDatabase } from "./db/db.server";
import type { Database } from "./db/schema.server";
import { type Env, getEnv } from "./env.server";
import { seed } from "./seed.server";
import { singleton } from "./singleton.server";
import { portChoices } from "./integrations/registry.server";
import { bootSignatures } from "./integrations/signatures.server";
import { checkS3FileStore } from "./s3-store.server";

/**
 * The process-wide runtime: configuration, the database handle and whether boot finished. Shared by the
 * Express host and the Remix build through a globalThis singleton.
 */
export interface Runtime {
  env: Env;
  handle?: DatabaseHandle;
  ready: boolean;
  version: string;
}

export const runtime = singleton<Runtime>("runtime", () => {
  // Configuration is read on first use, not at import, so the host can report a bad value cleanly.
  let env: Env | undefined;
  return {
    get env() {
      env ??= getEnv();
      return env;
    },
    set env(value: Env) {
      env = value;
    },
    ready: false,
    version: readVersion(),
  };
});

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.resolve("package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

export function db(): Kysely<Database> {
  if (!runtime.handle) throw new Error("Database not opened: boot() has not run");
  return runtime.handle.db;
}

export function databaseHandle(): DatabaseHandle {
  if (!runtime.handle) throw new Error("Database not opened: boot() has not run");
  return runtime.handle;
}

/** Opens the database, applies migrations, seeds reference (and, outside production, demo) data. */
export async function boot(env: Env = runtime.env): Promise<Runtime> {
  runtime.env = env;
  runtime.handle ??= await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  await migrateToLatest(runtime.handle.db);
  await seed(runtime.handle.db, { demo: env.demoAccounts });
  // The catalogue files shipped in catalogue/: unchanged files are skipped by hash, the newest is current.
  await importBundledCatalogues(runtime.handle.db);
  // Every port's adapter (a development double in production stops the boot here, with its sentence).
  portChoices(env);
  // The seal and the trust anchors: a bad SEAL_P12 or TRUST_ANCHORS stops the boot here.
  await bootSignatures(env);
  // FILE_STORE=s3://…: the bucket answers to these credentials (ADR 0035), or the boot stops with a sentence.
  await checkS3FileStore(env);
  runtime.ready = true;
  return runtime;
}

export async function shutdown() {
  runtime.ready = false;
  const handle = runtime.handle;
  runtime.handle = undefined;
  await handle?.close();
}
