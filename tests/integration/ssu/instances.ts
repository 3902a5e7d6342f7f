import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrateToLatest } from "~/server/db/db.server";
import { dispatchResult, type EngineServices } from "~/server/engine/engine.server";
import { type Env, parseEnv } from "~/server/env.server";
import { runDueCalls } from "~/server/integrations/queue.server";
import { handlerFor } from "~/server/integrations/registry.server";
import { handleSsuRequest, type InboundDeps } from "~/server/integrations/ssu/inbound.server";
import {
  checkRequest,
  checkResponse,
  DOCUMENT_OPERATION,
  type SsuService,
} from "~/server/integrations/ssu/openapi.server";
import type { PdndDouble } from "~/server/integrations/ssu/pdnd-double.server";
import { ssuRuntime } from "~/server/integrations/ssu/runtime.server";
import { SIGNATURE_HEADER, verifyIntegrity, verifyVoucher } from "~/server/integrations/ssu/security.server";
import { ssuInboundDeps } from "~/server/integrations/ssu/serve.server";
import { engineServices, fileStore } from "~/server/services.server";
import { seed } from "~/server/seed.server";
import type { LocalFileStore } from "~/server/storage.server";
import { createTestDatabase, type TestDatabase } from "../support/databases";

/**
 * A whole portal on loopback for the SSU flow tests: its own database (seeded with the demo entities and
 * users), DATA_DIR, key and PDND client; the real inbound handler behind node:http, the real engine (with the
 * SSU outbound table) and its queue runner with the registered "ssu" handler, all on one test clock.
 *
 * The server in front of the handler checks every message on its own, independently of the code under test:
 * the request's PDND voucher (issuer, audience = the e-service, expiry) and Agid-JWT-Signature (by the
 * voucher's client, over exactly the body), the request body against the official OpenAPI, the answer's
 * signature (for the caller, over exactly its body) and the answer against the OpenAPI. What it saw is kept
 * in `seen` for the test to count and assert on.
 */
export interface Seen {
  service: SsuService;
  operation: string;
  /** the path under the e-service (a document's carries the CUI's uuid) */
  path: string;
  caller: string;
  status: number;
  requestProblems: string[];
  responseProblems: string[];
  voucherOk: boolean;
  requestSignatureOk: boolean;
  responseSignatureOk: boolean;
}

export interface Instance {
  name: string;
  url: string;
  env: Env;
  db: TestDatabase;
  files: LocalFileStore;
  services: EngineServices;
  deps: InboundDeps;
  seen: Seen[];
  serviceUrl(service: SsuService): string;
  run(): ReturnType<typeof runDueCalls>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startInstance(opts: {
  name: string;
  kind: "pglite" | "postgres";
  roles: string;
  agency?: string;
  pdnd: { url: string; double: PdndDouble };
  clock: () => Date;
  catalogue: () => unknown;
  /** more configuration (e.g. a Catalogo SSU to call: SSU_PURPOSES, SSU_CATALOGUE_ENDPOINTS) */
  env?: Record<string, string>;
}): Promise<Instance> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `ssu3-${opts.name}-`));
  const db = await createTestDatabase(opts.kind);
  await migrateToLatest(db.handle.db);
  await seed(db.handle.db, { demo: true });
  // Boot imports the bundled catalogues; a pratica only needs a version row to be pinned to.
  await db.handle.db
    .insertInto("catalogue_versions")
    .values({
      catalogue_id: "TEST",
      version: "0.0.1",
      content_hash: "sha256:test",
      document: JSON.stringify({ test: true }),
    })
    .execute();
  const inst = { seen: [] as Seen[] } as Instance;
  let available = true;
  const handler = async (
    req: import("node:http").IncomingMessage,
    res: import("node:http").ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/api\/ssu\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const service = m[1] as SsuService;
    const isDocument = /^\/instance\//.test(m[2]!);
    const operation = isDocument ? DOCUMENT_OPERATION : m[2]!.slice(1);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const audience = `${inst.url}/api/ssu/${service}`;
    const rt = ssuRuntime(inst.env);
    const seen: Seen = {
      service,
      operation,
      path: m[2]!,
      caller: "",
      status: 0,
      requestProblems: [],
      responseProblems: [],
      voucherOk: false,
      requestSignatureOk: false,
      responseSignatureOk: false,
    };
    try {
      const v = await verifyVoucher((headers.get("authorization") ?? "").replace(/^Bearer\s+/i, ""), {
        jwksUrl: `${opts.pdnd.url}/.well-known/jwks.json`,
        issuer: opts.pdnd.url,
        audience,
      });
      seen.caller = v.clientId;
      seen.voucherOk = true;
      await verifyIntegrity(headers.get(SIGNATURE_HEADER) ?? "", {
        body: new Uint8Array(body),
        digestHeader: headers.get("digest"),
        contentType: headers.get("content-type"),
        audience,
        expectedIssuer: v.clientId,
        resolveKey: rt.resolveKey,
      });
      seen.requestSignatureOk = true;
    } catch {
      // counted as not verified
    }
    if (!isDocument)
      seen.requestProblems = checkRequest(service, operation, JSON.parse(body.toString("utf8")));
    const request = new Request(url, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const response = await handleSsuRequest(request, service, m[2]!, inst.deps);
    const out = new Uint8Array(await response.arrayBuffer());
    seen.status = response.status;
    const text = new TextDecoder().decode(out);
    const isJson = (response.headers.get("content-type") ?? "").includes("json");
    seen.responseProblems = checkResponse(
      service,
      operation,
      response.status,
      text === "" ? undefined : isJson ? JSON.parse(text) : text,
    );
    try {
      await verifyIntegrity(response.headers.get(SIGNATURE_HEADER) ?? "", {
        body: out,
        digestHeader: response.headers.get("digest"),
        contentType: response.headers.get("content-type")?.split(";")[0] ?? null,
        audience: seen.caller,
        resolveKey: rt.resolveKey,
      });
      seen.responseSignatureOk = true;
    } catch {
      // counted as not verified
    }
    inst.seen.push(seen);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(out));
  };
  let server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const catalogueFile = path.join(dataDir, "catalogo-sistemi.json");
  const clientId = `client-${opts.name}`;
  const all = ["bo_to_fo", "fo_to_bo", "bo_to_et", "et_to_bo"] as const;
  const env = parseEnv({
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_URL: url,
    SESSION_SECRET: "s".repeat(48),
    SSU_ROLES: opts.roles,
    ...(opts.agency ? { SSU_AGENCY: opts.agency } : {}),
    PDND_CLIENT_ID: clientId,
    PDND_TOKEN_URL: `${opts.pdnd.url}/token.oauth2`,
    PDND_JWKS_URL: `${opts.pdnd.url}/.well-known/jwks.json`,
    PDND_KEYS_URL: `${opts.pdnd.url}/keys`,
    PDND_ISSUER: opts.pdnd.url,
    PDND_ASSERTION_AUDIENCE: `${opts.pdnd.url}/token.oauth2`,
    SSU_PURPOSES: all.map((s) => `${s}=purpose-${opts.name}-${s}`).join(","),
    SSU_CATALOGUE_FILE: catalogueFile,
    ...(opts.env ?? {}),
  });
  const rt = ssuRuntime(env);
  opts.pdnd.double.registerClient(clientId, (await rt.key()).publicJwk);
  const files = fileStore(env);
  const services: EngineServices = { ...engineServices(env), now: opts.clock };
  const record = (trx: Parameters<typeof dispatchResult>[0], r: Parameters<typeof dispatchResult>[2]) =>
    dispatchResult(trx, services, r);
  Object.assign(inst, {
    name: opts.name,
    url,
    env,
    db,
    files,
    services,
    serviceUrl: (s: SsuService) => `${url}/api/ssu/${s}`,
  });
  writeFileSync(catalogueFile, JSON.stringify(opts.catalogue()));
  inst.deps = await ssuInboundDeps(env, { db: db.handle.db, files, record, available: () => available });
  inst.deps.now = opts.clock;
  inst.run = () =>
    runDueCalls(db.handle.db, {
      handlers: new Map([["ssu", handlerFor(env, "ssu")!]]),
      kinds: ["ssu"],
      execute: { db: db.handle.db, files, now: opts.clock },
      resultContext: (at) => ({ now: at, files, publicUrl: url, dispatch: record }),
      alert: async () => {},
      timeoutMs: 120_000,
    });
  inst.stop = () => {
    available = false;
    return new Promise<void>((r) => server.close(() => r()));
  };
  inst.start = async () => {
    available = true;
    server = createServer(handler);
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  };
  inst.close = async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await db.drop();
  };
  return inst;
}

/** Each component's purposes for the e-services of another one (what PDND's back-office holds). */
export function registerPurposes(
  double: PdndDouble,
  caller: Instance,
  provider: Instance,
  services: SsuService[],
) {
  for (const s of services)
    double.registerPurpose(`purpose-${caller.name}-${s}`, caller.env.PDND_CLIENT_ID!, provider.serviceUrl(s));
}

export function writeCatalogue(inst: Instance, systems: unknown) {
  writeFileSync(inst.env.SSU_CATALOGUE_FILE!, JSON.stringify(systems));
}
