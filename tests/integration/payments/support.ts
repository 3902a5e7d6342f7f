import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { Kysely } from "kysely";
import type { Database } from "~/server/db/schema.server";
import type { PaymentConfig } from "~/server/integrations/payment/config.server";
import { handleDoubleApi } from "~/server/integrations/payment/double.server";
import { receiveNotification } from "~/server/integrations/payment/service.server";
import type { FileStore } from "~/server/storage.server";

type Json = any;

/** The official pagoPA OpenAPI files (specs/pagopa, see its README for source and licence). */
export function loadPagopaSpec(name: "gpd" | "checkout_v1"): Json {
  const file = fileURLToPath(new URL(`../../../specs/pagopa/${name}.json`, import.meta.url));
  return JSON.parse(readFileSync(file, "utf8"));
}

function resolve(spec: Json, node: Json, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => resolve(spec, n, seen));
  if (node === null || typeof node !== "object") return node;
  if (typeof node.$ref === "string") {
    const ref: string = node.$ref;
    if (seen.includes(ref)) throw new Error(`recursive $ref ${ref}`);
    const target = ref
      .slice(2)
      .split("/")
      .reduce((o: Json, k: string) => o?.[k], spec);
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    return resolve(spec, target, [...seen, ref]);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "example" || k === "examples" || k === "readOnly") continue;
    out[k] = resolve(spec, v, seen);
  }
  return out;
}

export interface Validator {
  check(body: unknown): string[];
}

function compile(schema: Json): Validator {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    check(body) {
      return validate(body)
        ? []
        : (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message ?? ""}`);
    },
  };
}

export function requestValidator(spec: Json, path: string, method: string): Validator {
  const op = spec.paths?.[path]?.[method];
  const schema = resolve(spec, op?.requestBody?.content?.["application/json"]?.schema);
  if (!schema) throw new Error(`no request body for ${method} ${path}`);
  return compile(schema);
}

export function responseValidator(spec: Json, path: string, method: string, status: string): Validator {
  const op = spec.paths?.[path]?.[method];
  const schema = resolve(spec, op?.responses?.[status]?.content?.["application/json"]?.schema);
  if (!schema) throw new Error(`no ${status} JSON body for ${method} ${path}`);
  return compile(schema);
}

export interface Exchange {
  method: string;
  path: string;
  query: string;
  requestBody: unknown;
  status: number;
  responseBody: unknown;
  headers: Record<string, string>;
}

/**
 * The development double on a real loopback HTTP server (as the Remix route mounts it at /dev/pagopa), plus
 * the portal's notification endpoint, recording every exchange so the tests can validate them.
 */
export async function startDoubleServer(
  db: Kysely<Database>,
  files: FileStore,
  makeConfig: (port: number) => PaymentConfig = testConfig,
) {
  const exchanges: Exchange[] = [];
  let config!: PaymentConfig;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", config.publicUrl);
    if (url.pathname === "/api/pagopa/notifiche") {
      const r = await receiveNotification(
        db,
        files,
        config,
        raw,
        String(req.headers["x-pagopa-signature"] ?? "") || null,
      );
      res.writeHead(r.status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(r));
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new Request(url, {
      method: req.method,
      headers,
      body: raw && req.method !== "GET" ? raw : undefined,
    });
    const path = url.pathname.replace(/^\/dev\/pagopa/, "");
    const response = await handleDoubleApi(request, path, { db, config });
    const text = await response.text();
    const out: Record<string, string> = {};
    response.headers.forEach((v, k) => {
      out[k] = v;
    });
    exchanges.push({
      method: req.method ?? "GET",
      path,
      query: url.search,
      requestBody: raw ? JSON.parse(raw) : undefined,
      status: response.status,
      responseBody: text ? JSON.parse(text) : undefined,
      headers: out,
    });
    res.writeHead(response.status, out);
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  config = makeConfig(port);
  return {
    port,
    config,
    exchanges,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export class MemoryFileStore implements FileStore {
  files = new Map<string, Buffer>();
  async put(bytes: Uint8Array) {
    const { createHash } = await import("node:crypto");
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    this.files.set(sha256, Buffer.from(bytes));
    return { key: sha256, sha256, size: bytes.byteLength };
  }
  async get(key: string) {
    const b = this.files.get(key);
    if (!b) throw new Error(`no file ${key}`);
    return b;
  }
  async exists(key: string) {
    return this.files.has(key);
  }
}

export function testConfig(port: number): PaymentConfig {
  const base = `http://127.0.0.1:${port}`;
  return {
    enabled: true,
    double: true,
    gpdUrl: `${base}/dev/pagopa/gpd`,
    checkoutUrl: `${base}/dev/pagopa/checkout/ec/v1`,
    apiKey: "test-api-key-0123456789",
    notifySecret: "test-notify-secret-0123456789abcdef0123456789",
    creditors: ["050011"],
    dueDays: 30,
    publicUrl: base,
    agencyCreditors: ["ASL-TNO"],
    ebollo: ["050011"],
    pollMinutes: 60,
    reminderDays: 3,
  };
}
