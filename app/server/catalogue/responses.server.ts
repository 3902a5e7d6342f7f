import type { Kysely } from "kysely";
import type { Database } from "../db/schema.server";
import { cachedResponse, LICENCE_HEADERS } from "./http.server";
import { catalogueCsv, catalogueJson } from "../../domain/catalogue/open-data";
import { currentCatalogue } from "./repository.server";
import type { SsuAnswer } from "./ssu.server";

/** Response builders of the catalogue's resource routes (JSON, CSV, SSU API): the routes stay one line. */

export async function catalogueJsonResponse(db: Kysely<Database>, request: Request): Promise<Response> {
  const { version, catalogue } = await currentCatalogue(db);
  return cachedResponse(
    request,
    version.contentHash,
    () => JSON.stringify(catalogueJson(catalogue, version)),
    {
      "Content-Type": "application/json; charset=utf-8",
      ...LICENCE_HEADERS,
    },
  );
}

export async function catalogueCsvResponse(db: Kysely<Database>, request: Request): Promise<Response> {
  const { version, catalogue } = await currentCatalogue(db);
  return cachedResponse(request, version.contentHash, () => catalogueCsv(catalogue, version), {
    "Content-Type": "text/csv; charset=utf-8; header=present",
    "Content-Disposition": `inline; filename="procedimenti-${version.catalogueId.toLowerCase()}-${version.version}.csv"`,
    ...LICENCE_HEADERS,
  });
}

/** An SSU answer as JSON; errors are never cached, successes carry the catalogue's ETag. */
export function ssuResponse(request: Request, answer: SsuAnswer): Response {
  const headers = { "Content-Type": "application/json; charset=utf-8", ...LICENCE_HEADERS };
  if (answer.status !== 200 || !answer.contentHash) {
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { ...headers, "Cache-Control": "no-store" },
    });
  }
  return cachedResponse(request, answer.contentHash, () => JSON.stringify(answer.body), headers);
}
