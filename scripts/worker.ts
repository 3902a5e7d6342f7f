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
  const stop = async () => {
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
