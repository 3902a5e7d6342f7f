import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import YAML from "yaml";

/**
 * The SSU JSON schemas of the instance descriptor (specs/ssu/json-schema, AgID, CC BY 4.0) as one validator,
 * their remote `$ref`s (raw.githubusercontent.com/AgID/…) resolved to the project's copies and their repeated
 * nested `$id`s dropped (ajv rejects them as ambiguous). The catalogue port checks every descriptor it sends
 * with it, beside the Catalogo's OpenAPI.
 */

const BASE = "https://raw.githubusercontent.com/AgID/specifiche-tecniche-DPR-160-2010/json-schema/";

function stripIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => stripIds(n));
  if (node && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === "$id" || k === "$schema") continue;
      out[k] = stripIds(v);
    }
    return out;
  }
  return node;
}

let cached: ValidateFunction | undefined;

export function descriptorSchema(): ValidateFunction {
  if (cached) return cached;
  const dir = path.resolve(process.env.SSU_JSON_SCHEMA_DIR ?? "specs/ssu/json-schema");
  const load = (f: string) =>
    stripIds(YAML.parse(readFileSync(path.join(dir, f), "utf8"))) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  for (const f of ["cui-schema.yaml", "times-schema.yaml", "administration-schema.yaml"])
    ajv.addSchema(load(f), BASE + f);
  cached = ajv.compile(load("instance-descriptor-schema.yaml"));
  return cached;
}

/** The descriptor's problems against the SSU JSON schema (empty: valid). */
export function descriptorProblems(descriptor: unknown): string[] {
  const validate = descriptorSchema();
  if (validate(descriptor)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "(radice)"} ${e.message ?? ""}`.trim());
}
