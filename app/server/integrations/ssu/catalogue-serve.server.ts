import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { buildCui } from "../../../domain/filing/cui";
import { romeDate, romeDateTime } from "../../../domain/dates";
import type { Database } from "../../db/schema.server";
import { type SsuAnswer, SsuFault } from "./errors.server";
import { type CatalogueService, checkRequest } from "./openapi.server";
import type { VoucherClaims } from "./security.server";

/**
 * The development Catalogo SSU (ADR 0026): this portal serving the national catalogue's e-services
 * (specs/ssu/openAPI/catalogo-ssu_to_{fo,bo,et}.yaml) on its own /api/ssu/catalogo_ssu_to_*, behind the same
 * checks as every SSU e-service (PDND voucher, Agid-JWT-Signature, OpenAPI both ways, signed answers, errors
 * included). It exists only when SSU_CATALOGUE_ENDPOINTS is unset and never in production
 * (config.server.ts); the portal's catalogue port calls it exactly as it calls the national one.
 *
 * - `request_cui` (to_fo): registers the descriptor and answers it with its CUI. The CUI is made here by the
 *   portal's local rule (app/domain/filing/cui.ts): a CUI proposed in the descriptor whose UUID is new is kept
 *   (the front office's own, as this portal files it), otherwise a new one with this catalogue's yearly counter.
 * - `audit` (all): appends the message; a message that is a state of the descriptor (end_by_*, correction_request,
 *   integration_requested, ...) extends its `instance_status` and raises its `version`. After an ending the
 *   answer is `out_of_flow`.
 * - `instance_descriptor/{cui_uuid}` (all): the descriptor as last told; unknown: 404 where the spec lists it
 *   (to_fo), else ERROR_500_002.
 * - `update_times` (to_bo): replaces `times`, raises `version`, answers the descriptor.
 */

type Json = Record<string, any>;

/** The audit messages that are a state of the descriptor (the states' names in instance_status). */
const AUDIT_STATE: Record<string, string> = {
  correction_request: "correction_requested",
  corrected_instance_retrived: "corrected",
  end_by_instance_refused: "refused",
  integration_requested: "integration_requested",
  end_by_integration_request_time_expired: "ended_by_integration_times_expired",
  instance_integrated_retrived: "integrated",
  cdss_convened: "cdss_convened",
  end_by_suspension_requested: "ended_by_suspension_requested",
  end_by_conformation_requested: "ended_by_conformation_requested",
  end_by_proceeding_time_expired: "ended_by_proceeding_time_expired",
  end_by_positive_outcome: "ended_by_positive_outcome",
  end_by_negative_outcome: "ended_by_negative_outcome",
  end_by_submitter_cancel_requested: "ended_by_submitter_cancel_requested",
};

const ENDED = new Set([
  "refused",
  "ended_by_integration_times_expired",
  "ended_by_suspension_requested",
  "ended_by_conformation_requested",
  "ended_by_proceeding_time_expired",
  "ended_by_positive_outcome",
  "ended_by_negative_outcome",
  "ended_by_submitter_cancel_requested",
]);

export interface CatalogueRoute {
  service: CatalogueService;
  operation: string;
  cuiUuid?: string;
}

export async function serveCatalogue(
  route: CatalogueRoute,
  bytes: Uint8Array,
  voucher: VoucherClaims,
  deps: { db: Kysely<Database>; now?: () => Date },
): Promise<SsuAnswer> {
  const now = deps.now?.() ?? new Date();
  if (route.operation === "instance_descriptor") {
    const row = await registered(deps.db, route.cuiUuid ?? "");
    if (!row) throw new SsuFault(route.service === "catalogo_ssu_to_fo" ? "ERROR_404_001" : "ERROR_500_002");
    return { status: 200, body: row.descriptor };
  }
  let body: Json;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Json;
  } catch {
    throw new SsuFault("ERROR_400_001", "il corpo non è JSON");
  }
  const problems = checkRequest(route.service, route.operation, body);
  if (problems.length) throw new SsuFault("ERROR_400_001", problems.slice(0, 5).join("; "));
  return deps.db.transaction().execute(async (trx) => {
    if (route.operation === "request_cui") return requestCui(trx, body, voucher, now);
    const uuid = String(body.cui?.uuid ?? "");
    const row = await registered(trx, uuid, true);
    if (!row) throw new SsuFault("ERROR_500_002", "CUI non registrato nel Catalogo");
    const descriptor = row.descriptor as Json;
    if (route.operation === "update_times") {
      const times = body.times as Json;
      if (typeof times.start !== "string" || !Number.isInteger(times.max_gg_proc) || times.max_gg_proc < 0)
        throw new SsuFault("ERROR_500_006");
      const next = { ...descriptor, times, version: Number(descriptor.version ?? 1) + 1 };
      await save(trx, uuid, next, row.audit, now);
      return { status: 200, body: next };
    }
    // audit
    const message = String(body.message);
    const states = (descriptor.instance_status ?? []) as { state: string; timestamp: string }[];
    const ended = states.some((s) => ENDED.has(s.state));
    const audit = [
      ...row.audit,
      { message, event_time: String(body.event_time), client_id: voucher.clientId },
    ];
    const state = AUDIT_STATE[message];
    let next = descriptor;
    if (state && !ended && states.at(-1)?.state !== state) {
      next = {
        ...descriptor,
        instance_status: [...states, { state, timestamp: romeDateTime(new Date(String(body.event_time))) }],
        version: Number(descriptor.version ?? 1) + 1,
      };
    }
    await save(trx, uuid, next, audit, now);
    return { status: 200, body: { type: ended ? "out_of_flow" : "ok" } };
  });
}

async function requestCui(trx: Transaction<Database>, body: Json, voucher: VoucherClaims, now: Date) {
  const proposed = body.cui as Json | undefined;
  const existing = proposed?.uuid ? await registered(trx, String(proposed.uuid), true) : null;
  if (existing && existing.client_id === voucher.clientId) return { status: 200, body: existing.descriptor };
  let cui: Record<string, string>;
  if (proposed?.uuid && !existing && /^[0-9a-f-]{36}$/i.test(String(proposed.uuid))) {
    const progressive = String(proposed.progressive ?? proposed.progressivo ?? "");
    cui = {
      context: String(proposed.context),
      data: String(proposed.data),
      progressive,
      progressivo: progressive,
      uuid: String(proposed.uuid).toLowerCase(),
    };
  } else {
    const date = romeDate(now);
    const count = await trx
      .selectFrom("ssu_catalogue_instances")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("created_at", ">=", new Date(`${date.slice(0, 4)}-01-01T00:00:00Z`))
      .executeTakeFirstOrThrow();
    const made = buildCui(
      String(proposed?.context ?? `SUAP-${body.municipality}`),
      date,
      Number(count.n) + 1,
      randomUUID(),
    );
    cui = { ...made, progressivo: made.progressive };
  }
  const descriptor = { ...body, cui, version: Number(body.version ?? 1) };
  await trx
    .insertInto("ssu_catalogue_instances")
    .values({
      cui_uuid: cui.uuid!,
      cui: JSON.stringify(cui),
      descriptor: JSON.stringify(descriptor),
      client_id: voucher.clientId,
      audit: "[]",
    })
    .execute();
  return { status: 200, body: descriptor };
}

async function registered(db: Kysely<Database> | Transaction<Database>, uuid: string, lock = false) {
  let q = db.selectFrom("ssu_catalogue_instances").selectAll().where("cui_uuid", "=", uuid.toLowerCase());
  if (lock) q = q.forUpdate();
  return (await q.executeTakeFirst()) ?? null;
}

async function save(
  trx: Transaction<Database>,
  uuid: string,
  descriptor: Json,
  audit: { message: string; event_time: string; client_id: string }[],
  now: Date,
) {
  await trx
    .updateTable("ssu_catalogue_instances")
    .set({ descriptor: JSON.stringify(descriptor), audit: JSON.stringify(audit), updated_at: now })
    .where("cui_uuid", "=", uuid.toLowerCase())
    .execute();
}
