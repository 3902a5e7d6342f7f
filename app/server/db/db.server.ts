import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, Migrator, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { migrations } from "../../../migrations/index";
import { Mutex } from "./mutex.server";
import { PGliteDialect } from "./pglite-dialect.server";
import { emptyClusterTemplate, PGLITE_START_PARAMS } from "./pglite-template.server";
import type { Database } from "./schema.server";

export type DatabaseKind = "pglite" | "postgres";

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Runs raw SQL outside Kysely (pg-boss): on PGlite it takes its turn on the one session. */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  close(): Promise<void>;
}

// int8 (bigserial ids, count(*)) as JS numbers on pg, as PGlite already does: one shape on both databases.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
// `date` columns (legal due dates) stay ISO strings "YYYY-MM-DD": a Date would shift with the time zone.
pg.types.setTypeParser(1082, (v) => v);
const PGLITE_PARSERS = { 1082: (v: string) => v };
// numeric stays a string (money is kept in integer cents anyway).

export interface OpenOptions {
  databaseUrl?: string;
  /** Directory for the embedded database; "memory://" for an in-memory one (tests). */
  dataDir: string;
}

export async function openDatabase(opts: OpenOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    // An idle client dropped by the server (restart, failover) must not crash the process; the pool
    // replaces it on the next checkout.
    pool.on("error", (error) => console.error(`[db] idle connection lost: ${error.message}`));
    // Fail fast and clearly when Postgres cannot be reached.
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      await pool.end().catch(() => {});
      throw new DatabaseUnavailableError(
        `Impossibile collegarsi al database indicato da DATABASE_URL (${redact(opts.databaseUrl)}): ${(error as Error).message}. Verifica che PostgreSQL sia in esecuzione e che l'indirizzo sia corretto.`,
      );
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: "postgres",
      executeSql: (text, values) => pool.query(text, values as any[]),
      close: () => db.destroy(),
    };
  }

  let pglite: PGlite;
  if (opts.dataDir === "memory://") {
    pglite = new PGlite({ parsers: PGLITE_PARSERS });
  } else {
    const dir = path.resolve(opts.dataDir, "pglite");
    try {
      mkdirSync(dir, { recursive: true });
      // A new folder starts from the build's empty cluster when there is one (no initdb, see pglite-template).
      const template = existsSync(path.join(dir, "PG_VERSION")) ? undefined : emptyClusterTemplate();
      pglite = new PGlite(dir, {
        parsers: PGLITE_PARSERS,
        startParams: PGLITE_START_PARAMS,
        ...(template ? { loadDataDir: template } : {}),
      });
      await pglite.waitReady;
    } catch (error) {
      throw new DatabaseUnavailableError(
        `Impossibile aprire il database incorporato in ${dir}: ${(error as Error).message}. Controlla DATA_DIR e i permessi della cartella, e che un altro processo non la stia usando.`,
      );
    }
  }
  const mutex = new Mutex();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, mutex) });
  return {
    db,
    kind: "pglite",
    executeSql: (text, values) =>
      mutex.run(async () => {
        // pg-boss sends several statements in one string when it has no parameters.
        if (!values?.length && text.includes(";")) {
          const results = await pglite.exec(text);
          return { rows: results.at(-1)?.rows ?? [] };
        }
        return pglite.query(text, values);
      }),
    close: () => db.destroy(),
  };
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnavailableError";
  }
}

function redact(url: string) {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, "//$1:***@");
}

export async function migrateToLatest(db: Kysely<any>) {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    throw new Error(`Migrazione ${failed?.migrationName ?? "?"} non riuscita: ${(error as Error).message}`);
  }
  return results ?? [];
}

/** count(*) and friends: one number on both dialects. */
export function toNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value ?? 0);
}

export { sql };
