import cluster, { type Worker as ClusterWorker } from "node:cluster";
import os from "node:os";

/**
 * One web process per core (issue 18, ADR 0029). `npm start` / `npm run serve` start a primary that only
 * supervises: it forks WEB_CONCURRENCY web processes sharing the listening socket (node's cluster), one of
 * which also runs the background worker (unless WORKER=0), and forks a new one when a web process dies.
 *
 * The first web process boots alone (migrations, seed, catalogue import); the others are forked once it is
 * ready, so two processes never migrate or seed at once. The background worker's claims are exactly-once in
 * the database, so a second worker anywhere (another host, `npm run worker`) is safe; here there is one.
 *
 * PGlite is a database inside one process: on the embedded default there is one web process, whatever
 * WEB_CONCURRENCY says (a line says so). The development identity provider (/dev/idp) keeps its sign-in
 * interactions in memory, so while it is mounted the default is one process too (an explicit WEB_CONCURRENCY
 * is obeyed, with a warning).
 */
export interface ClusterPlan {
  processes: number;
  /** Why fewer processes than cores, for the start-up line. */
  note?: string;
}

export function clusterPlan(env: {
  DATABASE_URL?: string;
  WEB_CONCURRENCY?: number;
  oidc: { mode: string };
}): ClusterPlan {
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  if (!env.DATABASE_URL) {
    return {
      processes: 1,
      note:
        env.WEB_CONCURRENCY && env.WEB_CONCURRENCY > 1
          ? `WEB_CONCURRENCY=${env.WEB_CONCURRENCY} ignorata: il database integrato (PGlite) vive in un solo processo; con DATABASE_URL (PostgreSQL) il portale usa un processo per core.`
          : undefined,
    };
  }
  if (env.WEB_CONCURRENCY) {
    return {
      processes: env.WEB_CONCURRENCY,
      note:
        env.WEB_CONCURRENCY > 1 && env.oidc.mode === "development"
          ? "Attenzione: l'identity provider di sviluppo /dev/idp tiene gli accessi in corso nella memoria di un processo; con più processi un accesso SPID/CIE di prova può non riuscire."
          : undefined,
    };
  }
  if (env.oidc.mode === "development")
    return {
      processes: 1,
      note: "Un solo processo web: l'identity provider di sviluppo /dev/idp tiene gli accessi in corso in memoria (WEB_CONCURRENCY per più processi).",
    };
  return { processes: Math.max(1, cores) };
}

/** Messages between a web process and the primary. */
export const READY_MESSAGE = "suap:web-ready";

/** Tells the primary (if any) that this web process finished booting. */
export function reportReady() {
  if (cluster.isWorker) process.send?.({ type: READY_MESSAGE });
}

/** The background worker runs in this web process (the primary decides; without a primary, WORKER decides). */
export function runsBackgroundWorker(worker: "0" | "1"): boolean {
  if (worker === "0") return false;
  if (!cluster.isWorker) return true;
  return process.env.SUAP_WEB_WORKER === "1";
}

/**
 * The primary: forks the web processes, restarts any that dies (with a growing pause if they keep dying),
 * and on SIGTERM/SIGINT stops them all and waits for them. Never resolves: the process ends in `stop`.
 */
export function supervise(plan: ClusterPlan, backgroundWorker: "0" | "1", entry: string): Promise<never> {
  // The web processes run the server bundle itself (not `npm start`'s wrapper, which would check the build again).
  cluster.setupPrimary({ exec: entry });
  let stopping = false;
  let everReady = false;
  let workerHolder: number | undefined;
  const recentDeaths: number[] = [];
  console.log(
    `Portale SUAP: ${plan.processes} processi web (uno per core)${backgroundWorker === "1" ? ", il worker in uno di essi" : ""}`,
  );

  function fork(withWorker: boolean): ClusterWorker {
    const child = cluster.fork({ SUAP_WEB_WORKER: withWorker ? "1" : "0" });
    if (withWorker) workerHolder = child.id;
    return child;
  }

  cluster.on("exit", (dead, code, signal) => {
    const heldWorker = dead.id === workerHolder;
    if (heldWorker) workerHolder = undefined;
    if (stopping) return;
    if (!everReady) {
      // The first process could not boot (database unreachable, a bad setting): its sentence is in the log;
      // restarting it would only repeat it.
      console.error("Il primo processo web non si è avviato: arresto.");
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
      process.exit(typeof code === "number" && code !== 0 ? code : 1);
    }
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length && recentDeaths[0]! < now - 60_000) recentDeaths.shift();
    const pause = Math.min(30_000, 500 * 2 ** Math.max(0, recentDeaths.length - 1));
    console.error(
      `Processo web ${dead.process.pid} terminato (${signal ?? `codice ${code}`}): ne avvio un altro tra ${Math.round(pause / 100) / 10} s`,
    );
    setTimeout(() => {
      if (!stopping) fork(heldWorker && backgroundWorker === "1");
    }, pause).unref();
  });

  const first = fork(backgroundWorker === "1");
  first.on("message", (message: { type?: string }) => {
    if (message?.type !== READY_MESSAGE || everReady) return;
    everReady = true;
    for (let i = 1; i < plan.processes && !stopping; i++) fork(false);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.log(`${signal}: arresto immediato`);
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
      process.exit(130);
    }
    stopping = true;
    console.log(`${signal}: arresto dei processi web in corso`);
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is ClusterWorker => !!w);
    for (const w of alive) w.process.kill("SIGTERM");
    // Each web process ends itself within its own grace (server.ts); one that still does not is killed.
    setTimeout(() => {
      for (const w of alive) if (!w.isDead()) w.process.kill("SIGKILL");
      process.exit(1);
    }, 35_000).unref();
    Promise.all(alive.map((w) => new Promise((r) => (w.isDead() ? r(null) : w.once("exit", r))))).then(() =>
      process.exit(0),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  return new Promise<never>(() => {});
}
