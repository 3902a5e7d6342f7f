import type { Kysely, Transaction } from "kysely";
import type { Database } from "../db/schema";
import { dispatchResult } from "../engine/engine.server";
import type { EngineServices } from "../engine/types.server";
import { enqueue } from "../mail/outbox.server";
import { renderTemplate } from "../notifications/templates";
import { type AlertDesk, type RunReport, runDueCalls } from "../integrations/queue.server";
import type { IntegrationCall, IntegrationHandler, IntegrationKind } from "../integrations/types.server";

/**
 * The queue of external calls, wired: the registry's handlers, the engine's dispatch injected into the
 * handlers' `onResult` (so no handler imports the engine), and the desk alert.
 */

export interface IntegrationRunnerOptions {
  handlers: ReadonlyMap<IntegrationKind, IntegrationHandler>;
  services: EngineServices;
  now?: () => Date;
  leaseMs?: number;
  timeoutMs?: number;
  limit?: number;
}

export function integrationRunner(
  db: Kysely<Database>,
  opts: IntegrationRunnerOptions,
): () => Promise<RunReport> {
  const now = opts.now ?? opts.services.now ?? (() => new Date());
  return () =>
    runDueCalls(db, {
      handlers: opts.handlers,
      execute: { db, files: opts.services.files, now },
      resultContext: (at) => ({
        now: at,
        files: opts.services.files,
        publicUrl: opts.services.publicUrl,
        dispatch: (trx, request) => dispatchResult(trx, { ...opts.services, now: () => at }, request),
      }),
      alert: deskAlert(opts.services),
      leaseMs: opts.leaseMs,
      timeoutMs: opts.timeoutMs,
      limit: opts.limit,
    });
}

/** A mail to the desk of the call's pratica (its PEC and e-mail); the `alerted` status is the visible flag. */
export function deskAlert(services: EngineServices): AlertDesk {
  return async (trx: Transaction<Database>, call: IntegrationCall) => {
    if (!call.pratica_id) return;
    const p = await trx
      .selectFrom("pratiche as p")
      .innerJoin("entities as d", "d.id", "p.desk_id")
      .innerJoin("entities as c", "c.id", "p.municipality_id")
      .innerJoin("businesses as b", "b.id", "p.business_id")
      .select([
        "p.id",
        "p.title",
        "p.cui",
        "p.protocol_number",
        "p.status",
        "p.due_date",
        "d.pec",
        "d.email",
        "c.name as comune",
        "b.name as business",
      ])
      .where("p.id", "=", call.pratica_id)
      .executeTakeFirst();
    if (!p) return;
    const link = `${services.publicUrl.replace(/\/$/, "")}/scrivania/pratiche/${p.id}`;
    const rendered = renderTemplate("integrazione_in_errore", "it", {
      title: p.title,
      cui: p.cui ?? "",
      protocolNumber: p.protocol_number,
      comune: p.comune,
      business: p.business,
      statusLabel: p.status,
      finalDue: p.due_date,
      integrationDue: null,
      observationsDue: null,
      reasons: `${call.kind} / ${call.operation}: ${call.last_error ?? ""}`,
      link,
      audience: "desk",
    });
    const recipients = [...new Set([p.pec, p.email].filter((a): a is string => !!a))];
    await enqueue(
      trx,
      recipients.map((recipient) => ({
        dedupeKey: `integration-alert:${call.id}:${call.attempts}:${recipient.toLowerCase()}`,
        recipient,
        template: "integrazione_in_errore",
        subject: rendered.subject,
        text: rendered.text,
        praticaId: p.id,
      })),
    );
  };
}
