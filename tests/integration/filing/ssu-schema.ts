import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import YAML from "yaml";

const BASE = "https://raw.githubusercontent.com/AgID/specifiche-tecniche-DPR-160-2010/json-schema/";
const DIR = path.resolve("specs/ssu/json-schema");

/** Drops nested `$id`s (the upstream files repeat them; ajv rejects that as ambiguous). */
function stripIds(node: unknown, root = true): unknown {
  if (Array.isArray(node)) return node.map((n) => stripIds(n, false));
  if (node && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === "$id" && !root) continue;
      if (k === "$id" || k === "$schema") continue;
      out[k] = stripIds(v, false);
    }
    return out;
  }
  return node;
}

function load(file: string) {
  return stripIds(YAML.parse(readFileSync(path.join(DIR, file), "utf8"))) as Record<string, unknown>;
}

/** A validator of the SSU instance descriptor with its remote $refs resolved to the project's copies. */
export function descriptorValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  for (const f of ["cui-schema.yaml", "times-schema.yaml", "administration-schema.yaml"])
    ajv.addSchema(load(f), BASE + f);
  return ajv.compile(load("instance-descriptor-schema.yaml"));
}
