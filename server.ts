import cluster from "node:cluster";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { installClientAddress } from "./app/server/auth/client-ip.server";
import { resolveSessionSecret } from "./app/server/auth/session.server";
import { mountDevIdp } from "./app/server/integrations/identity/dev-idp.server";
import { checkoutFormTargets } from "./app/server/integrations/payment/config.server";
import { oidcSettings } from "./app/server/integrations/identity/index.server";
import { contentSecurityPolicy } from "./app/server/csp.server";
import { DatabaseUnavailableError, openDatabase } from "./app/server/db/db.server";
import { ConfigError, getEnv } from "./app/server/env.server";
import { bodyLimits } from "./app/server/http/edge.server";
import { clusterPlan, reportReady, runsBackgroundWorker, supervise } from "./app/server/http/cluster.server";
import { remixThroughEdge } from "./app/server/http/express.server";
import { pinProductionReact } from "./app/server/http/react-production.server";
import { contentVersion, PageCache } from "./app/server/http/page-cache.server";
import { currentVersion } from "./app/server/catalogue/repository.server";
import { loadDeskIdentity } from "./app/server/entities/desk.server";
import { startWorker, type Worker } from "./app/server/jobs/worker.server";
import { boot, runtime, shutdown } from "./app/server/runtime.server";
import { seedDemoPratiche } from "./app/server/demo/pratiche.server";
import { engineServices } from "./app/server/services.server";

/**
 * The Express host: static assets, health endpoint, Remix, and (unless WORKER=0) the background worker in
 * the same process. It listens first and reports 503 until the database is migrated, so orchestrators see
 * a live process that is not yet ready.
 */
function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

// `.env` (see .env.example) when present: the real environment wins over the file (loadEnvFile never
// overrides a variable already set).
if (existsSync(".env")) {
  try {
    process.loadEnvFile(".env");
  } catch (error) {
    fail(
      `Il file .env non è leggibile: ${(error as Error).message}. Correggilo (righe NOME=valore) e riavvia.`,
    );
  }
}

let env: ReturnType<typeof getEnv>;
try {
  env = getEnv();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

// One web process per core on PostgreSQL (ADR 0029): the primary only supervises them, so the rest of this
// module (the Express host) runs in each web process; `supervise` never returns.
const plan = clusterPlan(env);
if (cluster.isPrimary && plan.note) console.warn(plan.note);
if (cluster.isPrimary && plan.processes > 1)
  await supervise(plan, env.WORKER, fileURLToPath(import.meta.url));

const app = express();
app.disable("x-powered-by");
installClientAddress(app, env);
const formTargets = [
  ...(env.OIDC_ISSUER ? [new URL(env.OIDC_ISSUER).origin] : []),
  // pagoPA Checkout: the payment POST is redirected there (issue 15).
  ...checkoutFormTargets(env),
];

app.use((_req, res, next) => {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  // Content Security Policy: scripts only from here and the inline ones Remix renders with this request's
  // nonce; no plugins, no framing, forms post only here. Style attributes stay allowed (React sets widths).
  const nonce = randomBytes(16).toString("base64");
  res.locals.cspNonce = nonce;
  res.setHeader("Content-Security-Policy", contentSecurityPolicy(nonce, formTargets));
  if (env.isProduction) res.setHeader("Strict-Transport-Security", "max-age=31536000");
  next();
});

app.use("/build", express.static("public/build", { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));

app.get("/healthz", (_req, res) => {
  res.setHeader("Cache-Control", "no-store");
  if (!runtime.ready || !runtime.handle) {
    res.status(503).json({ status: "starting", version: runtime.version });
    return;
  }
  // pid: which web process answered (several share the port, ADR 0029).
  res.json({ status: "ok", database: runtime.handle.kind, version: runtime.version, pid: process.pid });
});

// React's production build renders the pages, as in the browser (react-production.server.ts).
pinProductionReact(import.meta.url);
const buildPath = path.resolve("build/index.js");
const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
// Anonymous public pages served from memory until the catalogue, the desk or the build changes (ADR 0029).
const publicVersion = contentVersion(async () => {
  const database = runtime.handle!.db;
  const [catalogue, desk] = await Promise.all([
    currentVersion(database).then((v) => v.contentHash),
    loadDeskIdentity(database),
  ]);
  return createHash("sha256")
    .update([build.assets.version, catalogue, JSON.stringify(desk)].join("\u0000"))
    .digest("base64url");
}, 1000);
const remixHandler = remixThroughEdge(build, env.NODE_ENV, bodyLimits(env), {
  cache: new PageCache(32 * 1024 * 1024),
  version: publicVersion,
  setNonce: (res, nonce) => {
    res.locals.cspNonce = nonce;
    res.setHeader("Content-Security-Policy", contentSecurityPolicy(nonce, formTargets));
  },
});

// Without OIDC_ISSUER (never in production) the development SPID/CIE provider lives here.
if (env.oidc.mode === "development") {
  mountDevIdp(app, () => {
    const settings = oidcSettings(env, resolveSessionSecret(env))!;
    return {
      issuer: settings.issuer,
      redirectUris: [settings.redirectUri],
      postLogoutRedirectUris: [settings.postLogoutRedirectUri],
      clientSecret: settings.clientSecret!,
      dataDir: env.DATA_DIR,
      cookieSecret: resolveSessionSecret(env),
      isProduction: env.isProduction,
    };
  });
}

app.use((_req, res, next) => {
  if (!runtime.ready) {
    res.status(503).setHeader("Retry-After", "2").type("text/plain; charset=utf-8");
    res.send("Il portale si sta avviando: riprova tra qualche secondo.");
    return;
  }
  next();
});
app.all("*", remixHandler);

// Signals first: a Ctrl-C while the first migrations run waits for them to finish (each is one transaction)
// and then stops cleanly, instead of killing the process half-way or being ignored.
let booting: Promise<unknown> | undefined;
let stopping = false;
let worker: Worker | undefined;
let server: ReturnType<typeof app.listen> | undefined;
async function stop(signal: string) {
  if (stopping) {
    console.log(`${signal}: arresto immediato`);
    process.exit(130);
  }
  stopping = true;
  console.log(`${signal}: arresto in corso`);
  // A stop that does not finish (a job waiting on a peer that does not answer, a connection that stays open)
  // ends the process anyway after a grace period: work in flight is leased and exactly-once, nothing is lost.
  setTimeout(() => {
    console.error(`${signal}: arresto non completato in 25 s, esco comunque.`);
    process.exit(1);
  }, 25_000).unref();
  server?.close();
  if (booting) {
    console.log("Attendo la fine della migrazione in corso prima di chiudere il database");
    await booting.catch(() => {});
  }
  await worker?.stop().catch(() => {});
  await shutdown().catch(() => {});
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));

// The database must be reachable before the portal says it is listening (an unreachable DATABASE_URL fails
// here, with its sentence); migrations then run while /healthz answers 503.
try {
  runtime.handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
} catch (error) {
  if (error instanceof DatabaseUnavailableError) fail(error.message);
  fail(`Avvio non riuscito: il database non si apre (${(error as Error).message}).`);
}

server = app.listen(env.PORT, env.HOST, () => {
  // PORT=0 asks the system for any free port: from here on the configuration carries the real one, so
  // links in mail and QR codes (publicUrl) point where the portal actually listens.
  const address = server?.address();
  if (address && typeof address === "object") env.PORT = address.port;
  const shown = env.HOST === "0.0.0.0" ? "localhost" : env.HOST;
  console.log(`Portale SUAP in ascolto su http://${shown}:${env.PORT}`);
});
// Idle keep-alive connections stay open a minute (Node's default is 5 s): a client or proxy reusing one just
// as the server drops it gets a reset; load balancers commonly keep theirs 60 s.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EADDRINUSE")
    fail(
      `La porta ${env.PORT} su ${env.HOST} è già in uso: scegli un'altra PORT (0 = una porta libera qualsiasi).`,
    );
  if (error.code === "EACCES")
    fail(`Non è consentito ascoltare sulla porta ${env.PORT}: scegli una PORT sopra 1023.`);
  fail(`Il server non può ascoltare su ${env.HOST}:${env.PORT}: ${error.message}`);
});

try {
  const started = Date.now();
  booting = boot(env);
  await booting;
  booting = undefined;
  if (stopping) await new Promise(() => {}); // stop() finishes the shutdown
  console.log(`Database ${runtime.handle?.kind} pronto (migrazioni applicate) in ${Date.now() - started} ms`);
  if (env.demoPratiche) {
    // The live demo desk (issue 12): demo pratiche filed through the engine once; DEMO_PRATICHE=0 turns it off.
    const demo = await seedDemoPratiche(runtime.handle!.db, engineServices(env));
    if (demo.filed.length) console.log(`Pratiche dimostrative presentate: ${demo.filed.length}`);
    for (const f of demo.failed) console.warn(`Pratica dimostrativa ${f.key} non presentata: ${f.reason}`);
  }
  if (runsBackgroundWorker(env.WORKER)) {
    worker = await startWorker(runtime.handle!, env);
    console.log("Worker avviato nello stesso processo (WORKER=0 per disattivarlo)");
  }
  reportReady();
} catch (error) {
  booting = undefined;
  if (stopping) await new Promise(() => {});
  if (error instanceof DatabaseUnavailableError) fail(error.message);
  fail(`Avvio non riuscito: ${(error as Error).message}`);
}
