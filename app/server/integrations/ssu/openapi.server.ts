import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";

/**
 * The SSU e-services' official OpenAPI files (specs/ssu/openAPI, AgID, CC BY 4.0), turned into validators of
 * every message: the inbound requests this portal serves and the responses it sends, the outbound requests it
 * makes and the responses it receives. OpenAPI 3.0.3 schemas become JSON Schema here: local `$ref`s inlined,
 * `example` dropped, `nullable` mapped; the files' known defects are handled at load time (specs/ssu/README.md).
 */

export const SSU_SERVICES = ["bo_to_fo", "fo_to_bo", "bo_to_et", "et_to_bo"] as const;
export type SsuService = (typeof SSU_SERVICES)[number];

export function isSsuService(value: string): value is SsuService {
  return (SSU_SERVICES as readonly string[]).includes(value);
}

/**
 * The Catalogo SSU's e-services (specs/ssu/openAPI/catalogo-ssu_to_{fo,bo,et}.yaml): what the national
 * catalogue provides to each component (request_cui, audit, instance_descriptor, update_times). Named with `_`
 * (`catalogo_ssu_to_fo`) so they fit SSU_PURPOSES; the file is `catalogo-ssu_to_fo.yaml`.
 */
export const CATALOGUE_SERVICES = ["catalogo_ssu_to_fo", "catalogo_ssu_to_bo", "catalogo_ssu_to_et"] as const;
export type CatalogueService = (typeof CATALOGUE_SERVICES)[number];
/** Every e-service whose OpenAPI this portal checks messages against. */
export type SpecService = SsuService | CatalogueService;

export function isCatalogueService(value: string): value is CatalogueService {
  return (CATALOGUE_SERVICES as readonly string[]).includes(value);
}

/** The path of the Catalogo's descriptor look-up, and our name for it. */
export const DESCRIPTOR_PATH = "/instance_descriptor/{cui_uuid}";
export const DESCRIPTOR_OPERATION = "instance_descriptor";

/** The path of the document operation in every e-service. */
export const DOCUMENT_PATH = "/instance/{cui_uuid}/document/{resource_id}";
/** Our name for it (the spec's test tables call it request_instance_document). */
export const DOCUMENT_OPERATION = "document";

type Json = any;

interface ResponseSpec {
  contentType: string | null;
  validate: ValidateFunction | null;
}

export interface OperationSpec {
  service: SpecService;
  operation: string;
  method: "get" | "post";
  path: string;
  requestRequired: boolean;
  request: ValidateFunction | null;
  responses: Map<number, ResponseSpec>;
  /** Header parameters the operation requires (e.g. If-Match on the document operation), lower case. */
  requiredHeaders: string[];
}

export interface ServiceSpec {
  service: SpecService;
  title: string;
  operations: Map<string, OperationSpec>;
}

function specDir(): string {
  return path.resolve(process.env.SSU_SPEC_DIR ?? "specs/ssu/openAPI");
}

function resolve(spec: Json, node: Json, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => resolve(spec, n, seen));
  if (node === null || typeof node !== "object") return node;
  if (typeof node.$ref === "string") {
    const ref: string = node.$ref;
    if (!ref.startsWith("#/")) throw new Error(`riferimento esterno non supportato: ${ref}`);
    if (seen.includes(ref)) throw new Error(`riferimento ricorsivo ${ref}`);
    const target = ref
      .slice(2)
      .split("/")
      .reduce((o: Json, k: string) => o?.[k], spec);
    if (target === undefined) throw new Error(`riferimento non risolto ${ref}`);
    // Siblings of a $ref (title, description) are annotations: the target is the schema.
    return resolve(spec, target, [...seen, ref]);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "example" || k === "examples") continue;
    out[k] = resolve(spec, v, seen);
  }
  if (Array.isArray(out.allOf)) {
    // et_to_bo's CdssNotifyMessage is allOf NotifyMessage (whose `event` enum lacks cdss_convened) and a branch
    // whose `event` is only cdss_convened: as written nothing can match it, and the BO could never tell an
    // agency the conferenza was convened. A later branch that narrows a property to an enum disjoint from an
    // earlier branch's is the refinement: the earlier branches' enum of that property is dropped.
    const branches = out.allOf as Json[];
    branches.forEach((later, i) => {
      for (const [name, prop] of Object.entries<Json>(later?.properties ?? {})) {
        if (!Array.isArray(prop?.enum)) continue;
        for (const earlier of branches.slice(0, i)) {
          const e = earlier?.properties?.[name];
          if (Array.isArray(e?.enum) && !e.enum.some((v: unknown) => prop.enum.includes(v))) delete e.enum;
        }
      }
    });
  }
  if (out.discriminator && Array.isArray(out.oneOf)) {
    // The discriminated unions' branches are told apart by the discriminator's enum; et_to_bo's notify has a
    // branch built with allOf whose event also belongs to another branch (cdss_convened), so "exactly one"
    // cannot hold there. The union is checked as "any of" the branches: the same answer wherever the enums
    // are disjoint (fo_to_bo notify, send_conclusions).
    out.anyOf = out.oneOf;
    delete out.oneOf;
    delete out.discriminator;
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: "null" }] };
  }
  delete out.nullable;
  return out;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  // A compact JWS (RFC 7515): three base64url parts.
  ajv.addFormat("JWS", /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/);
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  return ajv;
}

function loadService(service: SpecService): ServiceSpec {
  const file = path.join(specDir(), `${service.replace(/^catalogo_ssu/, "catalogo-ssu")}.yaml`);
  // bo_to_et.yaml repeats a key in the retry request (same schema twice): duplicate keys are allowed here.
  const text = readFileSync(file, "utf8").replace(/^[ \t]+$/gm, "");
  const spec = parse(text, { uniqueKeys: false }) as Json;
  const ajv = newAjv();
  const operations = new Map<string, OperationSpec>();
  for (const [p, item] of Object.entries<Json>(spec.paths ?? {})) {
    for (const method of ["get", "post"] as const) {
      const op = item?.[method];
      if (!op) continue;
      const operation =
        p === DOCUMENT_PATH
          ? DOCUMENT_OPERATION
          : p === DESCRIPTOR_PATH
            ? DESCRIPTOR_OPERATION
            : p.replace(/^\//, "");
      const body = op.requestBody ? resolve(spec, op.requestBody) : null;
      const schema = body?.content?.["application/json"]?.schema;
      const responses = new Map<number, ResponseSpec>();
      for (const [status, raw] of Object.entries<Json>(op.responses ?? {})) {
        const r = resolve(spec, raw);
        const [contentType, media] = (Object.entries(r?.content ?? {})[0] ?? [null, null]) as [
          string | null,
          Json,
        ];
        responses.set(Number(status), {
          contentType,
          validate: media?.schema ? ajv.compile(media.schema) : null,
        });
      }
      const requiredHeaders = (op.parameters ?? [])
        .map((x: Json) => resolve(spec, x))
        .filter((x: Json) => x.in === "header" && x.required)
        .map((x: Json) => String(x.name).toLowerCase());
      operations.set(operation, {
        service,
        operation,
        method,
        path: p,
        requestRequired: body?.required === true,
        request: schema ? ajv.compile(schema) : null,
        responses,
        requiredHeaders,
      });
    }
  }
  return { service, title: String(spec.info?.title ?? service), operations };
}

const cache = new Map<SpecService, ServiceSpec>();

/** The parsed e-service (loaded once per process). */
export function serviceSpec(service: SpecService): ServiceSpec {
  let s = cache.get(service);
  if (!s) {
    s = loadService(service);
    cache.set(service, s);
  }
  return s;
}

export function operationSpec(service: SpecService, operation: string): OperationSpec | undefined {
  return serviceSpec(service).operations.get(operation);
}

function errorsOf(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath || "(radice)"} ${e.message ?? ""}`.trim());
}

/** The errors of a request body against its operation (empty: valid). `undefined` means no body was sent. */
export function checkRequest(service: SpecService, operation: string, body: unknown): string[] {
  const op = operationSpec(service, operation);
  if (!op) return [`l'operazione ${operation} non esiste nell'e-service ${service}`];
  if (body === undefined) return op.requestRequired ? ["il corpo della richiesta è obbligatorio"] : [];
  if (!op.request) return [];
  return op.request(body) ? [] : errorsOf(op.request);
}

/**
 * The errors of a response against its operation: the status must be one the spec lists, and a JSON body must
 * match its schema (a text body, the document's base64, must be base64).
 */
export function checkResponse(
  service: SpecService,
  operation: string,
  status: number,
  body: unknown,
): string[] {
  const op = operationSpec(service, operation);
  if (!op) return [`l'operazione ${operation} non esiste nell'e-service ${service}`];
  const r = op.responses.get(status);
  if (!r) return [`lo stato HTTP ${status} non è previsto per ${operation}`];
  if (!r.validate) return [];
  if (body === undefined) return [`la risposta ${status} deve avere un corpo ${r.contentType}`];
  return r.validate(body) ? [] : errorsOf(r.validate);
}

/** The content type a response of this status carries, per the spec (null: no body). */
export function responseContentType(service: SpecService, operation: string, status: number) {
  return operationSpec(service, operation)?.responses.get(status)?.contentType ?? null;
}
