// A submitting process that the crash test kills with SIGKILL at an arbitrary moment. It submits the given
// drafts (4 at a time), prints "submitting <id>" as each one starts and "acknowledged <id>" for each submission
// whose transaction committed.
// Usage: node --import tsx submit-child.ts <postgres-url | pglite-dir> <files-dir> <draft ids...>
import { loadPrincipal } from "~/server/auth/session.server";
import { openDatabase } from "~/server/db/db.server";
import { submitPratica } from "~/server/filing/submit.server";
import { runtime } from "~/server/runtime.server";
import { LocalFileStore } from "~/server/storage.server";

const [target, filesDir, ...ids] = process.argv.slice(2);
const handle = await openDatabase(
  target!.startsWith("postgres") ? { databaseUrl: target, dataDir: "unused" } : { dataDir: target! },
);
runtime.handle = handle;
const owner = await handle.db
  .selectFrom("users")
  .select("id")
  .where("email", "=", "impresa@demo.test")
  .executeTakeFirstOrThrow();
const user = { id: owner.id, principal: await loadPrincipal(owner.id) };
const services = { files: new LocalFileStore(filesDir!), publicUrl: "http://localhost:3000" };
console.log(`ready ${process.pid}`);
let next = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      console.log(`submitting ${id}`);
      const r = await submitPratica(handle.db, services, user, {
        praticaId: id,
        submissionKey: `crash-test-key-${id}`,
        declared: true,
      });
      if (r.ok) console.log(`acknowledged ${id}`);
    }
  }),
);
console.log("done");
