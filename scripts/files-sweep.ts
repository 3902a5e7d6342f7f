// Removes stored files that no row names, once they are a day old (ADR 0035): what a refused or failed upload
// leaves behind. Works on the configured store (DATA_DIR/files or FILE_STORE=s3://…).
// Usage: npm run files:sweep [-- --dry-run] [-- --hours=24]   exit 0 = done, 1 = error
import { openDatabase } from "../app/server/db/db.server";
import { getEnv } from "../app/server/env.server";
import { fileStore } from "../app/server/services.server";
import { sweepOrphans } from "../app/server/storage-sweep.server";

try {
  const env = getEnv();
  const hours = Number(
    /^--hours=(\d+(?:\.\d+)?)$/.exec(process.argv.find((a) => a.startsWith("--hours=")) ?? "")?.[1] ?? 24,
  );
  if (!(hours >= 1))
    throw new Error(
      "--hours deve essere almeno 1: i file più giovani potrebbero essere caricamenti in corso.",
    );
  const dryRun = process.argv.includes("--dry-run");
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  const files = fileStore(env);
  try {
    const r = await sweepOrphans(handle.db, files, {
      olderThan: new Date(Date.now() - hours * 3_600_000),
      dryRun,
    });
    console.log(
      `Archivio dei file (${files.description}): ${r.examined} file esaminati, ${r.kept} usati, ${r.young} più recenti di ${hours} ore lasciati, ${r.deleted.length} senza riferimenti ${dryRun ? "da eliminare (prova: nulla eliminato)" : "eliminati"}.`,
    );
  } finally {
    await handle.close();
  }
  process.exit(0);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
