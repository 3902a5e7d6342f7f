import { migrateToLatest, openDatabase } from "../app/server/db/db.server";
import { getEnv } from "../app/server/env.server";
import { seed } from "../app/server/seed.server";

try {
  const env = getEnv();
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  await migrateToLatest(handle.db);
  await seed(handle.db, { demo: env.demoAccounts });
  console.log(`Dati di riferimento${env.demoAccounts ? " e account dimostrativi" : ""} presenti.`);
  await handle.close();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
