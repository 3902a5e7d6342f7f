import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LoaderFunctionArgs } from "@remix-run/node";

export const SHIPPED_FILE = fileURLToPath(new URL("../../../../catalogue/avc-2026.1.json", import.meta.url));
export const SHIPPED_DIR = fileURLToPath(new URL("../../../../catalogue", import.meta.url));

export function shippedText(): string {
  return readFileSync(SHIPPED_FILE, "utf8");
}

/** A fresh, mutable copy of the shipped catalogue JSON. */
export function shippedJson(): any {
  return JSON.parse(shippedText());
}

/**
 * A fresh, mutable copy of the NEWEST shipped catalogue (what `importBundledCatalogues` makes current): the base
 * for a test that derives a later version after the boot import.
 */
export function newestShippedJson(): any {
  const files = readdirSync(SHIPPED_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(SHIPPED_DIR, f), "utf8")))
    .sort((a, b) => {
      const [ay, an] = a.version.split(".").map(Number);
      const [by, bn] = b.version.split(".").map(Number);
      return ay - by || an - bn;
    });
  return files.at(-1);
}

/** Calls a route loader as Remix would, with a GET Request to `path`. */
export async function callLoader(
  loader: (args: LoaderFunctionArgs) => unknown,
  path: string,
  params: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  const request = new Request(`http://localhost${path}`, { headers });
  try {
    const out = await loader({ request, params, context: {} } as LoaderFunctionArgs);
    if (out instanceof Response) return out;
    return Response.json(out);
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}
