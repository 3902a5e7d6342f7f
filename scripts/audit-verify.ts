// Walks both hash-chained logs, the pratiche's audit log and the delegation log, and names the first broken
// entry of each chain.
// Usage: npm run audit:verify [-- <pratica-id>]      exit 0 = every chain intact, 2 = tampering found, 1 = error
import { openDatabase } from "../app/server/db/db.server";
import { verifyDelegationChains } from "../app/server/delegations/chain.server";
import { verifyChains } from "../app/server/engine/audit.server";
import { getEnv } from "../app/server/env.server";

try {
  const env = getEnv();
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  const only = process.argv[2];
  const audit = await verifyChains(handle.db, only);
  const delegations = only ? { checked: 0, problems: [] } : await verifyDelegationChains(handle.db);
  await handle.close();
  const broken = audit.problems.length + delegations.problems.length;
  for (const p of audit.problems) {
    console.error(`Pratica ${p.praticaId}: prima voce non valida n. ${p.seq} - ${p.reason}`);
  }
  for (const p of delegations.problems) {
    console.error(`Delega ${p.delegationId}: prima voce non valida n. ${p.seq} - ${p.reason}`);
  }
  const summary = `registro di audit ${audit.checked} voci, registro delle deleghe ${delegations.checked} voci`;
  if (!broken) {
    console.log(`Registri integri: ${summary} verificate.`);
    process.exit(0);
  }
  console.error(`${broken} catene alterate (${summary} verificate).`);
  process.exit(2);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
