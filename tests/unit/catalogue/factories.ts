import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Catalogue, parseCatalogue } from "~/domain/catalogue";

export const CATALOGUE_FILE = fileURLToPath(new URL("../../../catalogue/avc-2026.1.json", import.meta.url));

/** A fresh copy of the shipped catalogue JSON on every call: tests mutate it freely. */
export function shippedJson(): any {
  return JSON.parse(readFileSync(CATALOGUE_FILE, "utf8"));
}

export function shippedCatalogue(): Catalogue {
  const r = parseCatalogue(shippedJson());
  if (!r.ok) throw new Error(JSON.stringify(r.errors.slice(0, 5)));
  return r.catalogue;
}
