import type { Transaction } from "kysely";
import { romeDateTime } from "../../../domain/dates";
import type { PersistedWorkflow } from "../../../../workflows/index";
import type { Database, Pratica } from "../../db/schema.server";
import type { SsuCatalogueHook } from "../../engine/types.server";
import { descriptorOfPratica, descriptorTimes } from "../../filing/descriptor.server";
import { cuiObject, queueCatalogueCall } from "./catalogue.server";
import type { SsuConfig } from "./config.server";
import { descriptorProblems } from "./descriptor-schema.server";

/**
 * What the Catalogo SSU is told as a pratica moves (ADR 0026), queued in the step's transaction and sent after
 * COMMIT through the queue (SSU retry rule):
 * - filed (PROTOCOL, the descriptor has `started` and `presented`): `request_cui` with the whole descriptor,
 *   checked against the SSU JSON schema and the Catalogo's OpenAPI;
 * - a new SSU state: the `audit` message of that state (the spec's audit vocabulary: end_by_instance_refused,
 *   correction_request, integration_requested, end_by_positive_outcome, ...); the Catalogo's descriptor
 *   follows from them (the spec has no operation that pushes a whole descriptor after request_cui);
 * - a change of the times (a completed suspension, a resumption, a new term): `update_times`.
 */

/** The audit message of an SSU state (the descriptor's state names, and the machines' for the refusal). */
export const AUDIT_OF_STATE: Record<string, string> = {
  correction_requested: "correction_request",
  corrected: "corrected_instance_retrived",
  refused: "end_by_instance_refused",
  ended_by_instance_refused: "end_by_instance_refused",
  integration_requested: "integration_requested",
  integrated: "instance_integrated_retrived",
  ended_by_integration_times_expired: "end_by_integration_request_time_expired",
  cdss_convened: "cdss_convened",
  ended_by_suspension_requested: "end_by_suspension_requested",
  ended_by_conformation_requested: "end_by_conformation_requested",
  ended_by_proceeding_time_expired: "end_by_proceeding_time_expired",
  ended_by_positive_outcome: "end_by_positive_outcome",
  ended_by_negative_outcome: "end_by_negative_outcome",
  ended_by_submitter_cancel_requested: "end_by_submitter_cancel_requested",
};

const submitted = (p: Pratica) => (p.submitted_at ? new Date(p.submitted_at as unknown as string) : null);

export function ssuCatalogueHook(config: SsuConfig): SsuCatalogueHook {
  return {
    async afterStep(trx: Transaction<Database>, { before, after, event, now }) {
      if (!after.cui || after.status === "draft") return;
      const seq = after.event_count;
      if (event.type === "PROTOCOL" && !after.ssu_cui) {
        const descriptor = await descriptorOfPratica(trx, after.id);
        const problems = descriptor ? descriptorProblems(descriptor) : ["nessun descrittore"];
        if (problems.length) {
          console.error(`[ssu] descrittore non conforme per ${after.cui}: ${problems.join("; ")}`);
        } else {
          await queueCatalogueCall(trx, config, {
            operation: "request_cui",
            cuiUuid: after.id,
            praticaId: after.id,
            body: descriptor as unknown as Record<string, unknown>,
            idempotencyKey: `ssu-cui:${after.id}`,
          });
        }
      }
      const cui = await cuiObject(trx, after.id);
      if (!cui) return;
      const message = after.ssu_status ? AUDIT_OF_STATE[after.ssu_status] : undefined;
      if (message && before.ssu_status !== after.ssu_status) {
        // The business did not answer the integration in time: the Catalogo is told the term expired, then the
        // end it brought (the spec's two audit messages, in this order: the queue keeps it, 0027).
        if (after.ssu_status === "ended_by_integration_times_expired")
          await queueCatalogueCall(trx, config, {
            operation: "audit",
            cuiUuid: after.id,
            praticaId: after.id,
            body: { cui, message: "integration_request_time_expired", event_time: romeDateTime(now) },
            idempotencyKey: `ssu-audit:${after.id}:${seq}:term`,
          });
        await queueCatalogueCall(trx, config, {
          operation: "audit",
          cuiUuid: after.id,
          praticaId: after.id,
          body: { cui, message, event_time: romeDateTime(now) },
          idempotencyKey: `ssu-audit:${after.id}:${seq}`,
        });
      }
      if (!before.snapshot || !after.snapshot) return;
      const was = descriptorTimes(submitted(before), before.snapshot as PersistedWorkflow);
      const is = descriptorTimes(submitted(after), after.snapshot as PersistedWorkflow);
      if (JSON.stringify(was) !== JSON.stringify(is)) {
        await queueCatalogueCall(trx, config, {
          operation: "update_times",
          cuiUuid: after.id,
          praticaId: after.id,
          body: { cui, times: is },
          idempotencyKey: `ssu-times:${after.id}:${seq}`,
        });
      }
    },
  };
}
