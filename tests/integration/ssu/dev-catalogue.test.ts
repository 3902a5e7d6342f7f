import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { dispatchResult, type EngineServices } from "~/server/engine/engine.server";
import { type Env, parseEnv } from "~/server/env.server";
import { submitPratica } from "~/server/filing/submit.server";
import { runDueCalls } from "~/server/integrations/queue.server";
import { ssuConfig } from "~/server/integrations/ssu/config.server";
import { ssuHandler } from "~/server/integrations/ssu/handler.server";
import { handleSsuRequest, type InboundDeps } from "~/server/integrations/ssu/inbound.server";
import { assertPdndDoubleAllowed } from "~/server/integrations/ssu/pdnd-double.server";
import { ssuRuntime } from "~/server/integrations/ssu/runtime.server";
import { ssuInboundDeps } from "~/server/integrations/ssu/serve.server";
import { engineServices } from "~/server/services.server";
import { actAs, useTestEnv } from "../desk/support";
import { completeDraft } from "../filing/support";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";

/**
 * A plain development portal (`npm start`: NODE_ENV=development, no PDND_TOKEN_URL, no SSU_CATALOGUE_ENDPOINTS)
 * talks to its own development Catalogo SSU (ADR 0031): the engine's Catalogo hook is on, and the calls go, over
 * HTTP on loopback, through its embedded PDND (/dev/pdnd) to its own /api/ssu/catalogo_ssu_to_* with signed
 * messages, exactly as the routes of `npm start` serve them. In production the same configuration has no hook,
 * no development Catalogo and no development PDND.
 */
describe.each(DATABASES)("a development portal's own Catalogo SSU on %s", (kind) => {
  let test: TestDatabase;
  let env: Env;
  let services: EngineServices;
  let server: Server;
  let deps: InboundDeps;

  beforeAll(async () => {
    const base = useTestEnv();
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    // This portal's routes as `npm start` serves them: /dev/pdnd/* and /api/ssu/<service>/*.
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const request = new Request(url, {
        method: req.method,
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks),
      });
      const rt = ssuRuntime(env);
      const m = /^\/api\/ssu\/([^/]+)(\/.*)$/.exec(url.pathname);
      let response: Response;
      if (url.pathname.startsWith("/dev/pdnd") && rt.pdnd) {
        await rt.key();
        response = await rt.pdnd.handle(request, url.pathname.replace(/^\/dev\/pdnd/, ""));
      } else if (m) response = await handleSsuRequest(request, m[1]!, m[2]!, deps);
      else response = new Response("not found", { status: 404 });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    env = parseEnv({
      NODE_ENV: "development",
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "ssu-dev-catalogue-")),
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SESSION_SECRET: "s".repeat(48),
    });
    expect(env.PDND_TOKEN_URL).toBeUndefined();
    const wired = engineServices(env);
    services = { ...base, ssuCatalogue: wired.ssuCatalogue };
    deps = await ssuInboundDeps(env, {
      db: test.handle.db,
      files: services.files,
      record: (trx, r) => dispatchResult(trx, services, r),
      available: () => true,
    });
  }, 180_000);

  afterAll(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
    await test?.drop();
  });

  const run = () =>
    runDueCalls(test.handle.db, {
      handlers: new Map([["ssu", ssuHandler(env)]]),
      kinds: ["ssu"],
      execute: { db: test.handle.db, files: services.files, now: () => new Date() },
      resultContext: (at) => ({
        now: at,
        files: services.files,
        publicUrl: services.publicUrl,
        dispatch: (trx, request) => dispatchResult(trx, services, request),
      }),
      alert: async () => {},
      timeoutMs: 60_000,
    });

  it("is wired: the Catalogo hook is on without PDND_TOKEN_URL, and the Catalogo is this portal", () => {
    expect(engineServices(env).ssuCatalogue).toBeDefined();
    const config = ssuConfig(env);
    expect(config.development).toBe(true);
    expect(config.catalogue.development).toBe(true);
    expect(config.catalogue.served).toContain("catalogo_ssu_to_fo");
  });

  it("files a pratica: request_cui, audit and update_times reach its own development Catalogo, signed, over loopback", async () => {
    const owner = await userByEmail(test.handle.db, "impresa@demo.test");
    const id = await completeDraft(test.handle.db, services.files, owner);
    const r = await submitPratica(test.handle.db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: new Date("2026-04-01T09:00:00Z"),
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    await actAs(test.handle.db, services, "operatore@demo.test", id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: "2026-04-02",
      items: ["Planimetria quotata"],
    } as never);
    await actAs(test.handle.db, services, "impresa@demo.test", id, {
      type: "INTEGRATION_RECEIVED",
      at: "2026-04-08",
    } as never);
    while ((await run()).claimed > 0);
    const calls = await test.handle.db
      .selectFrom("integration_calls")
      .select(["operation", "status", "target", "last_error"])
      .where("pratica_id", "=", id)
      .where("operation", "like", "catalogo_%")
      .orderBy("order_seq")
      .execute();
    expect(calls.map((c) => c.operation)).toEqual([
      "catalogo_ssu_to_fo.request_cui",
      "catalogo_ssu_to_bo.audit",
      "catalogo_ssu_to_bo.audit",
      "catalogo_ssu_to_bo.update_times",
    ]);
    for (const c of calls) {
      expect(c, c.operation).toMatchObject({ status: "done", last_error: null });
      expect(c.target.startsWith(`${env.PUBLIC_URL}/api/ssu/catalogo_ssu_to_`)).toBe(true);
    }
    // The development Catalogo (this portal) registered the instance and followed it.
    const registered = await test.handle.db
      .selectFrom("ssu_catalogue_instances")
      .select(["client_id", "audit"])
      .where("cui_uuid", "=", id)
      .executeTakeFirstOrThrow();
    expect(registered.client_id).toBe(ssuConfig(env).clientId);
    expect((registered.audit as { message: string }[]).map((m) => m.message)).toEqual([
      "integration_requested",
      "instance_integrated_retrived",
    ]);
    const pratica = await test.handle.db
      .selectFrom("pratiche")
      .select(["cui", "ssu_cui"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(pratica.ssu_cui).toBe(pratica.cui);
  }, 180_000);

  it("in production the same configuration has no Catalogo hook, no development Catalogo, no development PDND", async () => {
    const prod: Env = {
      ...env,
      NODE_ENV: "production",
      isProduction: true,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "ssu-prod-")),
    };
    expect(engineServices(prod).ssuCatalogue).toBeUndefined();
    expect(ssuConfig(prod).enabled).toBe(false);
    expect(ssuConfig(prod).catalogue.served).toEqual([]);
    expect(() => assertPdndDoubleAllowed(true)).toThrow(/non può essere avviato in produzione/);
    const prodDeps = await ssuInboundDeps(prod, {
      db: test.handle.db,
      files: services.files,
      record: async () => {},
      available: () => true,
    });
    const answer = await handleSsuRequest(
      new Request(`${env.PUBLIC_URL}/api/ssu/catalogo_ssu_to_fo/request_cui`, { method: "POST", body: "{}" }),
      "catalogo_ssu_to_fo",
      "/request_cui",
      prodDeps,
    );
    expect(answer.status).toBe(404);
  }, 60_000);
});
