// Walks every pratica's hash-chained audit log and names the first broken entry of each chain.
// Usage: npm run audit:verify [-- <pratica-id>]      exit 0 = every chain intact, 2 = tampering found
import { openDatabase } from "../app/server/db/db.server";
import { getEnv } from "../app/server/env.server";
import { verifyChains } from "../app/server/engine/audit.server";

try {
  const env = getEnv();
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  const { checked, problems } = await verifyChains(handle.db, process.argv[2]);
  await handle.close();
  if (!problems.length) {
    console.log(`Registro di audit integro: ${checked} voci verificate.`);
    process.exit(0);
  }
  for (const p of problems) {
    console.error(`Pratica ${p.praticaId}: prima voce non valida n. ${p.seq} - ${p.reason}`);
  }
  console.error(`${problems.length} catene alterate su ${checked} voci verificate.`);
  process.exit(2);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
