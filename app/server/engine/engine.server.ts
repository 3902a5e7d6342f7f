import type { Kysely, Transaction } from "kysely";
import { can } from "~/domain/policy";
import { eventText } from "~/i18n/modules/words";
import type { Effect } from "../../../workflows/effects";
import {
  eventActors,
  type PersistedWorkflow,
  registry,
  type StepResult,
  step,
  type WorkflowDefinition,
  type WorkflowEvent,
} from "../../../workflows/index";
import type { Database, Pratica } from "../db/schema.server";
import type { ResultDispatch } from "../integrations/types.server";
import { callsQueued } from "../jobs/kick.server";
import { lockPratica, praticaRef } from "../pratiche/repository.server";
import { actorIdentityOf, appendAuditEventAfter } from "./audit.server";
import { applyDeadlineEffects } from "./effects/deadline.server";
import { runEffects } from "./effects/index.server";
import { once } from "./lookups.server";
import {
  type DispatchOutcome,
  type DispatchRequest,
  type EffectContext,
  EngineError,
  type EngineServices,
  type StepView,
} from "./types.server";

/**
 * The one path every change to a pratica takes, in one transaction: lock the row, authorise, step the pure
 * machine, append to the hash-chained audit log, save the snapshot and derived columns, execute the effects
 * (one executor per kind in engine/effects/: protocol entries, documents, outbox mail, queued external calls,
 * deadlines). External systems are never called here: their calls are queued rows the worker makes after
 * COMMIT, and their results come back through `dispatchResult`.
 */

export type {
  DispatchOutcome,
  DispatchRequest,
  EngineActor,
  EngineErrorCode,
  EngineServices,
} from "./types.server";
export { EngineError } from "./types.server";
export { applyDeadlineEffects };

export async function dispatch(
  db: Kysely<Database>,
  services: EngineServices,
  request: DispatchRequest,
): Promise<DispatchOutcome> {
  const outcome = await db.transaction().execute((trx) => dispatchInTransaction(trx, services, request));
  if (outcome.queuedCalls) callsQueued();
  return outcome;
}

type PraticaRow = Awaited<ReturnType<typeof lockPratica>>;

async function authorise(
  trx: Transaction<Database>,
  pratica: NonNullable<PraticaRow>,
  request: DispatchRequest,
) {
  const allowed = eventActors[request.event.type];
  const label = eventText("it", request.event.type);
  if (request.actor.kind === "peer") {
    // Another SSU system, authenticated by its PDND voucher and bound to this pratica by its link (ADR 0025).
    const as = request.actor.as;
    if (!allowed.includes(as)) {
      throw new EngineError(
        "forbidden",
        `L'atto «${label}» non può arrivare da un altro sistema SSU come ${as}.`,
        "Not an act of this peer's role",
      );
    }
    if ("agencyId" in request.event && as === "agency" && request.event.agencyId !== request.actor.agencyId) {
      throw new EngineError(
        "forbidden",
        "Il sistema dell'ente può inviare atti solo a nome del proprio ente.",
        "A peer acts only for its own agency",
      );
    }
    return as;
  }
  if (request.actor.kind === "system") {
    if (!allowed.includes("system")) {
      throw new EngineError(
        "forbidden",
        `L'atto «${label}» non può essere automatico.`,
        "Not a system event",
      );
    }
    return "system" as const;
  }
  if (request.actor.kind === "pec") {
    // The sender of a certified message, already matched to the pratica's agency or business by the caller.
    const speaksFor = "agencyId" in request.event ? request.event.agencyId : undefined;
    if (!allowed.includes(request.actor.as) || (speaksFor && speaksFor !== request.actor.agencyCode)) {
      throw new EngineError(
        "forbidden",
        `Il mittente della PEC non può compiere l'atto «${label}».`,
        "The PEC sender cannot send this event",
      );
    }
    return request.actor.as;
  }
  const ref = await praticaRef(trx, pratica);
  const { principal } = request.actor;
  if (!can(principal, { type: "pratica.view", pratica: ref })) {
    // Not even visible: do not reveal that it exists.
    throw new EngineError("not_found", "Pratica non trovata.", "Pratica not found");
  }
  if (!can(principal, { type: "pratica.event", pratica: ref, allowedActors: allowed })) {
    throw new EngineError(
      "forbidden",
      `Con il tuo ruolo non puoi compiere l'atto «${label}» su questa pratica.`,
      "Your role cannot send this event",
    );
  }
  // An agency reviewer speaks only for their own agency.
  if ("agencyId" in request.event && allowed.includes("agency")) {
    const entity = await trx
      .selectFrom("entities")
      .select("id")
      .where("code", "=", request.event.agencyId)
      .executeTakeFirst();
    const mine = principal.grants.some((g) => g.role === "agency_reviewer" && g.entityId === entity?.id);
    if (!mine) {
      throw new EngineError(
        "forbidden",
        "Puoi inviare atti solo a nome del tuo ente.",
        "Reviewers act only for their own agency",
      );
    }
  }
  return allowed.find((a) => a !== "system") ?? "applicant";
}

export async function dispatchInTransaction(
  trx: Transaction<Database>,
  services: EngineServices,
  request: DispatchRequest,
  extraEffects: Effect[] = [],
): Promise<DispatchOutcome> {
  const now = services.now?.() ?? new Date();
  // 1. Lock. 2. Authorise.
  const pratica =
    request.locked?.id === request.praticaId ? request.locked : await lockPratica(trx, request.praticaId);
  if (!pratica) throw new EngineError("not_found", "Pratica non trovata.", "Pratica not found");
  const actorKind = await authorise(trx, pratica, request);

  // 3. Step the pure machine.
  const { def, result } = stepMachine(pratica, request);

  // 4. Audit: the event is the next link of the pratica's hash chain.
  // (the locked row knows the chain's tail; step 5 saves the new head with the rest of the row)
  const audit = await appendAuditEventAfter(trx, pratica, {
    praticaId: pratica.id,
    type: request.event.type,
    actorUserId: request.actor.kind === "user" ? request.actor.userId : null,
    actorKind:
      request.actor.kind === "system"
        ? `system:${request.actor.name}`
        : request.actor.kind === "peer"
          ? `ssu:${actorKind}:${request.actor.name}`
          : request.actor.kind === "pec"
            ? `pec:${request.actor.as}:${request.actor.sender}`
            : actorKind,
    payload: eventPayload(request.event),
    stateBefore: pratica.status,
    stateAfter: result.status,
    at: now.toISOString(),
    actorIdentity:
      request.actor.kind === "user"
        ? await actorIdentityOf(trx, request.actor.userId, request.actor.principal)
        : null,
  });

  // 5. Save the new state with its derived columns (the worklist reads these, never the snapshot).
  const saved = await trx
    .updateTable("pratiche")
    .set({
      workflow: def.key,
      snapshot: JSON.stringify(result.snapshot),
      status: result.status,
      ssu_status: result.ssu,
      ended: result.ended || result.final,
      suspended: result.suspended,
      due_date: result.dueDates.final ?? null,
      submitted_at: pratica.submitted_at ?? (request.event.type === "SUBMIT" ? now : null),
      event_count: audit.seq,
      audit_head: audit.hash,
      updated_at: now,
    })
    .where("id", "=", pratica.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await syncAgencies(trx, pratica.id, result);
  if (services.ssuCatalogue)
    await services.ssuCatalogue.afterStep(trx, { before: pratica, after: saved, event: request.event, now });

  // 6. Execute the effects.
  const ctx = await effectContext(trx, services, saved, request.event, audit.seq, result, now);
  await runEffects(ctx, [...result.effects, ...extraEffects], { final: result.final });
  if (services.afterStep)
    await services.afterStep(ctx, {
      status: pratica.status,
      ended: pratica.ended,
      ssu_status: pratica.ssu_status,
    });

  return {
    praticaId: pratica.id,
    seq: audit.seq,
    status: result.status,
    dueDate: result.dueDates.final ?? null,
    documents: ctx.documents,
    protocol: ctx.protocolEntries.filter((p) => p.label).map((p) => ({ label: p.label, at: p.at })),
    queuedCalls: ctx.queuedCalls,
    pratica: ctx.pratica,
  };
}

/**
 * Whether the pratica's machine would take `event` now (pure: nothing is written). For a caller that must
 * choose between stepping and recording, e.g. an incoming PEC (an error inside a transaction cannot be undone
 * on Postgres without a savepoint).
 */
export async function wouldAccept(
  trx: Transaction<Database>,
  praticaId: string,
  event: WorkflowEvent,
): Promise<boolean> {
  const pratica = await lockPratica(trx, praticaId);
  if (!pratica?.snapshot) return false;
  try {
    stepMachine(pratica, { praticaId, event, actor: { kind: "system", name: "dry-run" } });
    return true;
  } catch (error) {
    if (error instanceof EngineError) return false;
    throw error;
  }
}

export function stepMachine(pratica: Pratica, request: DispatchRequest) {
  let def: WorkflowDefinition | undefined;
  let result: StepResult;
  if (pratica.snapshot === null) {
    if (!request.start) {
      throw new EngineError("invalid", "La pratica non è ancora stata avviata.", "Workflow not started");
    }
    def = registry.current(request.start.regime);
    result = step(def, null, request.event, { ...request.start, praticaId: pratica.id });
  } else {
    const persisted = pratica.snapshot as PersistedWorkflow;
    def = registry.byKey(persisted.machine);
    if (!def) {
      throw new EngineError(
        "conflict",
        `La versione del procedimento ${persisted.machine} non è più disponibile.`,
        "Workflow version missing",
      );
    }
    result = step(def, persisted, request.event);
  }
  if (!result.accepted) throw new EngineError("conflict", result.reason, result.reasonEn, result.refusal);
  return { def, result };
}

export async function effectContext(
  trx: Transaction<Database>,
  services: EngineServices,
  pratica: Pratica,
  event: EffectContext["event"],
  seq: number,
  view: StepView,
  now: Date,
): Promise<EffectContext> {
  const desk = await once(trx, `desk:${pratica.desk_id}`, () =>
    trx
      .selectFrom("entities")
      .select(["id", "code", "name"])
      .where("id", "=", pratica.desk_id)
      .executeTakeFirstOrThrow(),
  );
  return {
    trx,
    services,
    now,
    pratica,
    desk,
    event,
    eventLabel:
      event.type === "INTEGRATION_RESULT" ? "Esito di un servizio esterno" : eventText("it", event.type),
    seq,
    view,
    protocolEntries: [],
    documents: [],
    queuedCalls: 0,
  };
}

/**
 * The result of an external call coming back to its pratica (the `dispatch` the queue injects into the
 * handlers' `onResult`). A workflow event steps the machine as any other system event; an
 * `INTEGRATION_RESULT` is recorded in the audit chain without moving the machine. Either way the extra
 * effects (e.g. the mail carrying the protocol number) run in the same transaction.
 */
export async function dispatchResult(
  trx: Transaction<Database>,
  services: EngineServices,
  request: ResultDispatch,
): Promise<void> {
  const { event } = request;
  if (event.type !== "INTEGRATION_RESULT") {
    await dispatchInTransaction(
      trx,
      services,
      {
        praticaId: request.praticaId,
        event,
        actor: request.actor ?? { kind: "system", name: "integration" },
        start: request.start,
      },
      request.effects,
    );
    return;
  }
  const now = services.now?.() ?? new Date();
  const pratica = await lockPratica(trx, request.praticaId);
  if (!pratica) throw new EngineError("not_found", "Pratica non trovata.", "Pratica not found");
  const { type: _type, ...payload } = event;
  const audit = await appendAuditEventAfter(trx, pratica, {
    praticaId: pratica.id,
    type: event.type,
    actorUserId: null,
    actorKind: `system:integration:${event.kind}`,
    payload: JSON.parse(JSON.stringify(payload)),
    stateBefore: pratica.status,
    stateAfter: pratica.status,
    at: now.toISOString(),
  });
  const saved = await trx
    .updateTable("pratiche")
    .set({ event_count: audit.seq, audit_head: audit.hash, updated_at: now })
    .where("id", "=", pratica.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const view: StepView = request.view ?? {
    status: saved.status,
    suspended: saved.suspended,
    dueDates: { final: saved.due_date ?? undefined, agencies: {}, other: {} },
  };
  const ctx = await effectContext(trx, services, saved, event, audit.seq, view, now);
  await runEffects(ctx, request.effects ?? [], { final: false });
}

export function eventPayload(event: WorkflowEvent): Record<string, unknown> {
  const { type: _type, ...rest } = event;
  return JSON.parse(JSON.stringify(rest));
}

async function syncAgencies(
  trx: Transaction<Database>,
  praticaId: string,
  result: StepResult & { accepted: true },
) {
  const agencies = result.snapshot.context.agencies;
  const codes = Object.keys(agencies);
  if (!codes.length) return;
  const entities = await trx
    .selectFrom("entities")
    .select(["id", "code"])
    .where("code", "in", codes)
    .execute();
  for (const e of entities) {
    const a = agencies[e.code]!;
    await trx
      .insertInto("pratica_agencies")
      .values({
        pratica_id: praticaId,
        agency_id: e.id,
        status: a.status,
        outcome: a.outcome ?? null,
        due_date: result.dueDates.agencies[e.code] ?? null,
      })
      .onConflict((oc) =>
        oc.columns(["pratica_id", "agency_id"]).doUpdateSet({
          status: a.status,
          outcome: a.outcome ?? null,
          due_date: result.dueDates.agencies[e.code] ?? null,
        }),
      )
      .execute();
  }
}
