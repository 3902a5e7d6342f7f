// The worker alone (`npm run worker`), for deployments that scale web and workers separately: run the web
// processes with WORKER=0 and as many of these as needed.
import { DatabaseUnavailableError } from "../app/server/db/db.server";
import { ConfigError, getEnv } from "../app/server/env.server";
import { startWorker } from "../app/server/jobs/worker.server";
import { boot, runtime, shutdown } from "../app/server/runtime.server";

try {
  const env = getEnv();
  await boot(env);
  const worker = await startWorker(runtime.handle!, env);
  console.log(`Worker avviato su ${runtime.handle!.kind}`);
  // Work in flight is claimed with leases and every effect is exactly-once, so a stop that does not finish
  // (a job waiting on a peer that does not answer) ends the process after a grace period: nothing is lost,
  // the lease lets another worker take the job again.
  const STOP_GRACE_MS = 20_000;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      console.error(`Worker: arresto non completato in ${STOP_GRACE_MS / 1000} s, esco comunque.`);
      process.exit(1);
    }, STOP_GRACE_MS);
    timer.unref();
    await worker.stop();
    await shutdown();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
} catch (error) {
  if (error instanceof ConfigError || error instanceof DatabaseUnavailableError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
