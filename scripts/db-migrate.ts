import { migrateToLatest, openDatabase } from "../app/server/db/db.server";
import { ConfigError, getEnv } from "../app/server/env.server";

try {
  const env = getEnv();
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  const results = await migrateToLatest(handle.db);
  for (const r of results) console.log(`${r.migrationName}: ${r.status}`);
  if (!results.length) console.log("Nessuna migrazione da applicare: il database è aggiornato.");
  await handle.close();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : (error as Error).message);
  process.exit(1);
}
