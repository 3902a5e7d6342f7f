import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrateToLatest } from "~/server/db/db.server";
import { parseEnv, type Env } from "~/server/env.server";
import { handlerFor } from "~/server/integrations/registry.server";
import { runDueCalls } from "~/server/integrations/queue.server";
import { handleSsuRequest, type InboundDeps } from "~/server/integrations/ssu/inbound.server";
import { ssuRuntime } from "~/server/integrations/ssu/runtime.server";
import { ssuInboundDeps } from "~/server/integrations/ssu/serve.server";
import type { SsuService } from "~/server/integrations/ssu/openapi.server";
import type { PdndDouble } from "~/server/integrations/ssu/pdnd-double.server";
import { LocalFileStore } from "~/server/storage.server";
import { createTestDatabase, type TestDatabase } from "../support/databases";

/**
 * A portal's SSU side on loopback: its own database, DATA_DIR, key and PDND client, the real inbound handler
 * behind a node:http server, and its queue runner with the registered "ssu" handler. Several of them share one
 * development PDND, as components share PDND.
 */
export interface Peer {
  name: string;
  url: string;
  env: Env;
  db: TestDatabase;
  files: LocalFileStore;
  deps: InboundDeps;
  available: boolean;
  serviceUrl(service: SsuService): string;
  run(now?: Date): ReturnType<typeof runDueCalls>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPeer(opts: {
  name: string;
  kind: "pglite" | "postgres";
  roles: string;
  pdnd: { url: string; double: PdndDouble };
  /** what this peer's catalogue says about the others (filled in after every peer started) */
  catalogue: () => unknown;
  /** the e-services this peer holds a PDND purpose for (default: the four SSU e-services) */
  purposes?: readonly string[];
}): Promise<Peer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `ssu-${opts.name}-`));
  const db = await createTestDatabase(opts.kind);
  await migrateToLatest(db.handle.db);
  const files = new LocalFileStore(path.join(dataDir, "files"));
  let deps: InboundDeps | undefined;
  const peer = { available: true } as Peer;
  const handler = async (
    req: import("node:http").IncomingMessage,
    res: import("node:http").ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/api\/ssu\/([^/]+)(\/.*)$/.exec(url.pathname);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new Request(url, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
    });
    const response = m
      ? await handleSsuRequest(request, m[1]!, m[2]!, deps!)
      : new Response("not found", { status: 404 });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  };
  let server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const catalogueFile = path.join(dataDir, "catalogo-sistemi.json");
  const clientId = `client-${opts.name}`;
  const services = opts.purposes ?? (["bo_to_fo", "fo_to_bo", "bo_to_et", "et_to_bo"] as const);
  const env = parseEnv({
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: url,
    SSU_ROLES: opts.roles,
    // the third party's role speaks for one agency (ADR 0025)
    ...(/\bthird_party\b/.test(opts.roles) ? { SSU_AGENCY: "ASL-TNO" } : {}),
    PDND_CLIENT_ID: clientId,
    PDND_TOKEN_URL: `${opts.pdnd.url}/token.oauth2`,
    PDND_JWKS_URL: `${opts.pdnd.url}/.well-known/jwks.json`,
    PDND_KEYS_URL: `${opts.pdnd.url}/keys`,
    PDND_ISSUER: opts.pdnd.url,
    PDND_ASSERTION_AUDIENCE: `${opts.pdnd.url}/token.oauth2`,
    SSU_PURPOSES: services.map((s) => `${s}=purpose-${opts.name}-${s}`).join(","),
    SSU_CATALOGUE_FILE: catalogueFile,
  });
  const rt = ssuRuntime(env);
  const key = await rt.key();
  opts.pdnd.double.registerClient(clientId, key.publicJwk);
  Object.assign(peer, {
    name: opts.name,
    url,
    env,
    db,
    files,
    serviceUrl: (s: SsuService) => `${url}/api/ssu/${s}`,
  });
  const writeCatalogue = () => writeFileSync(catalogueFile, JSON.stringify(opts.catalogue()));
  writeCatalogue();
  deps = await ssuInboundDeps(env, {
    db: db.handle.db,
    files,
    record: async () => {},
    available: () => peer.available,
  });
  peer.deps = deps;
  peer.run = (now?: Date) =>
    runDueCalls(db.handle.db, {
      handlers: new Map([["ssu", handlerFor(env, "ssu")!]]),
      execute: { db: db.handle.db, files, now: () => now ?? new Date() },
      resultContext: (at) => ({ now: at, files, publicUrl: url, dispatch: async () => {} }),
      alert: async () => {},
      timeoutMs: 60_000,
    });
  peer.stop = () => new Promise<void>((r) => server.close(() => r()));
  peer.start = async () => {
    server = createServer(handler);
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  };
  peer.close = async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await db.drop();
  };
  return peer;
}

/** Each component's purposes for the e-services of each other one (what PDND's back-office holds). */
export function registerPurposes(
  double: PdndDouble,
  caller: Peer,
  provider: Peer,
  services: readonly string[],
) {
  for (const s of services)
    double.registerPurpose(
      `purpose-${caller.name}-${s}`,
      caller.env.PDND_CLIENT_ID!,
      provider.serviceUrl(s as SsuService),
    );
}
