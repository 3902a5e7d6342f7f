// The desk's counts (ADR 0030): checks them against a count of the pratiche, folds their deltas, or rebuilds
// them from the pratiche (the repair path).
// Usage: npm run desk:tallies [-- --compact | --rebuild]   exit 0 = right, 2 = mismatches found, 1 = error
import { openDatabase } from "../app/server/db/db.server";
import {
  checkClockTallies,
  checkDeskTallies,
  compactClockTallies,
  compactDeskTallies,
  rebuildDeskTallies,
} from "../app/server/desk/tallies.server";
import { getEnv } from "../app/server/env.server";

try {
  const env = getEnv();
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  const mode = process.argv[2];
  if (mode === "--rebuild") {
    const r = await rebuildDeskTallies(handle.db);
    console.log(`Conteggi della scrivania ricostruiti dalle pratiche: ${r.keys} righe.`);
  } else if (mode === "--compact") {
    const r = await compactDeskTallies(handle.db);
    const c = await compactClockTallies(handle.db);
    console.log(`Conteggi della scrivania compattati: da ${r.before} a ${r.after} righe.`);
    console.log(`Conteggi del cruscotto compattati: da ${c.before} a ${c.after} righe.`);
  }
  const wrong = await checkDeskTallies(handle.db);
  const wrongClock = await checkClockTallies(handle.db);
  await handle.close();
  for (const w of wrong) {
    console.error(
      `Sportello ${w.deskId}, Comune ${w.municipalityId}, stato ${w.status}, «${w.title}» (${w.regime}): pratiche ${w.counted}, conteggio ${w.tallied}`,
    );
  }
  for (const w of wrongClock) {
    const which = w.ended
      ? "concluse"
      : w.dueDate
        ? `aperte con termine ${w.dueDate}`
        : "aperte senza termine in corso";
    console.error(
      `Sportello ${w.deskId}, Comune ${w.municipalityId}, ${which}: pratiche ${w.counted}, conteggio ${w.tallied}`,
    );
  }
  if (!wrong.length && !wrongClock.length) {
    console.log("Conteggi della scrivania corretti.");
    process.exit(0);
  }
  console.error(
    `${wrong.length + wrongClock.length} conteggi non corrispondono: npm run desk:tallies -- --rebuild li ricostruisce.`,
  );
  process.exit(2);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
