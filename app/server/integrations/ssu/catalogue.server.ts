import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Transaction } from "kysely";
import type { Database } from "../../db/schema.server";
import type { SsuConfig } from "./config.server";
import type { SsuService } from "./openapi.server";

/**
 * The catalogue port: where the peers' e-services are (the Catalogo SSU's fo_system, bo_system and
 * third_party_system data: `e_service_to_bo`, `e_service_to_fo`, `e_service_to_et`) and where audit messages
 * go (`audit(cui, event)`: instance_retrived, end_by_*, retry_requested_for_*, ...).
 *
 * The development adapter is this portal's own catalogue: peers come from SSU_CATALOGUE_FILE (the same data
 * the national catalogue returns, keyed by SUAP and by agency office) or, without it, this portal itself for
 * every role; audit messages are kept in ssu_messages (service `catalogo`, operation `audit`). An adapter of the
 * national Catalogo would read the same data from its API and queue the audit calls.
 */

export interface PeerSystems {
  /** per SUAP (the CUI context, e.g. SUAP-AVC; "*" for any) */
  suap?: Record<
    string,
    {
      fo_system?: { e_service_to_bo?: string };
      bo_system?: { e_service_to_fo?: string; e_service_to_et?: string };
    }
  >;
  /** per agency office (`ipacode/officecode`, or "*") */
  third_party_system?: Record<string, { e_service_to_bo?: string }>;
}

export interface CataloguePort {
  /** The address of the e-service `service` for this SUAP (or agency office); null when the catalogue has none. */
  endpoint(service: SsuService, opts: { suap: string; office?: string }): string | null;
  audit(
    trx: Transaction<Database>,
    entry: { cuiUuid: string; event: string; praticaId?: string | null },
  ): Promise<void>;
}

export function developmentCatalogue(config: SsuConfig): CataloguePort {
  // Read at each look-up: the catalogue's data change (REQ_11-12: no stale cache), and the file is small.
  const read = (): PeerSystems | null => {
    if (!config.catalogueFile) return null;
    try {
      return JSON.parse(readFileSync(config.catalogueFile, "utf8")) as PeerSystems;
    } catch (error) {
      throw new Error(
        `SSU_CATALOGUE_FILE non è leggibile o non è JSON (${(error as Error).message}): indica il file con i sistemi FO, BO ed enti terzi.`,
      );
    }
  };
  return {
    endpoint(service, { suap, office }) {
      const systems = read();
      if (!systems) return `${config.audience}/${service}`;
      const s = systems.suap?.[suap] ?? systems.suap?.["*"];
      const t = office
        ? (systems.third_party_system?.[office] ?? systems.third_party_system?.["*"])
        : undefined;
      const url =
        service === "fo_to_bo"
          ? s?.fo_system?.e_service_to_bo
          : service === "bo_to_fo"
            ? s?.bo_system?.e_service_to_fo
            : service === "bo_to_et"
              ? s?.bo_system?.e_service_to_et
              : t?.e_service_to_bo;
      return url ? url.replace(/\/$/, "") : null;
    },
    async audit(trx, entry) {
      await trx
        .insertInto("ssu_messages")
        .values({
          id: randomUUID(),
          direction: "out",
          service: "catalogo",
          operation: "audit",
          cui_uuid: entry.cuiUuid,
          pratica_id: entry.praticaId ?? null,
          peer: "catalogo-sviluppo",
          body: JSON.stringify({ cui_uuid: entry.cuiUuid, event: entry.event }),
          http_status: 200,
          message_key: `audit:${randomUUID()}`,
        })
        .execute();
    },
  };
}
