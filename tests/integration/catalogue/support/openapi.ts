import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";

/**
 * Validators for the responses of the official Catalogo SSU OpenAPI (specs/ssu, AgID, CC BY 4.0). OpenAPI
 * 3.0 schemas become JSON Schema: local `$ref`s are inlined, `example` dropped, `nullable` mapped.
 */
const SPEC_FILE = fileURLToPath(
  new URL("../../../../specs/ssu/openAPI/catalogo-ssu_meta.yaml", import.meta.url),
);

type Json = any;

export function loadSpec(): Json {
  // The upstream file has a TAB on a blank line that strict YAML rejects (see specs/ssu/README.md).
  const text = readFileSync(SPEC_FILE, "utf8").replace(/^[ \t]+$/gm, "");
  return parse(text);
}

function resolve(spec: Json, node: Json, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => resolve(spec, n, seen));
  if (node === null || typeof node !== "object") return node;
  if (typeof node.$ref === "string") {
    const ref: string = node.$ref;
    if (!ref.startsWith("#/")) throw new Error(`external $ref not supported: ${ref}`);
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
    if (k === "example" || k === "examples") continue;
    out[k] = resolve(spec, v, seen);
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: "null" }] };
  }
  delete out.nullable;
  return out;
}

export interface ResponseSpec {
  schema: Json;
  contentType: string;
}

export function responseSchema(spec: Json, path: string, status: string): ResponseSpec {
  const op = spec.paths?.[path]?.get;
  if (!op) throw new Error(`no GET ${path} in the spec`);
  const response = resolve(spec, op.responses?.[status]);
  if (!response?.content) throw new Error(`no ${status} content for GET ${path}`);
  const [contentType, media] = Object.entries(response.content)[0] as [string, Json];
  return { schema: media.schema, contentType };
}

export function validatorFor(spec: Json, path: string, status: string) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const { schema, contentType } = responseSchema(spec, path, status);
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    contentType,
    check(body: unknown): string[] {
      return validate(body)
        ? []
        : (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message ?? ""}`);
    },
  };
}
