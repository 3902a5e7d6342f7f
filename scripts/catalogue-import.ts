import { readFileSync } from "node:fs";
import path from "node:path";
import { CatalogueImportError, importCatalogueText } from "../app/server/catalogue/import.server";
import { migrateToLatest, openDatabase } from "../app/server/db/db.server";
import { getEnv } from "../app/server/env.server";

// npm run catalogue:import FILE [FILE...]: imports catalogue files into DATABASE_URL or the embedded DATA_DIR.
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("Uso: npm run catalogue:import -- catalogue/avc-2026.1.json [altri file...]");
  process.exit(2);
}

let failed = false;
try {
  const env = getEnv();
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  try {
    await migrateToLatest(handle.db);
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(path.resolve(file), "utf8");
      } catch (error) {
        console.error(`${file}: impossibile leggere il file (${(error as Error).message})`);
        failed = true;
        continue;
      }
      try {
        const r = await importCatalogueText(handle.db, text);
        const what =
          r.status === "imported"
            ? `importato (${r.proceedings} procedimenti)`
            : "già presente con lo stesso contenuto: nessuna modifica";
        console.log(
          `${file}: catalogo ${r.catalogueId} ${r.version} ${what}${r.current ? ", versione corrente" : ""}.`,
        );
      } catch (error) {
        if (!(error instanceof CatalogueImportError)) throw error;
        console.error(`${file}: ${error.message}`);
        failed = true;
      }
    }
  } finally {
    await handle.close();
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
process.exit(failed ? 1 : 0);
