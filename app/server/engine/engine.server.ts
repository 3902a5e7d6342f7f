import type { Kysely, Transaction } from "kysely";
import { eventLabelsIt } from "../../../workflows/events";
import {
  eventActors,
  type PersistedWorkflow,
  registry,
  type StepResult,
  step,
  type WorkflowDefinition,
  type WorkflowEvent,
  type WorkflowInput,
} from "../../../workflows/index";
import type { Effect } from "../../../workflows/effects";
import { can, type Principal, type PraticaRef } from "~/domain/policy";
import type { Database } from "../db/schema";
import type { FileStore } from "../storage.server";
import { appendAuditEvent } from "./audit.server";
import { registerProtocol } from "./counters.server";
import { type ExecutedDocument, issueDocument } from "./documents.server";
import { once } from "./lookups.server";
import { notify } from "./notify.server";
import { romeDate } from "~/domain/dates";
import type { Sealer } from "../integrations/seal/port.server";

/**
 * The one path every change to a pratica takes: lock the row, check the policy, run the pure machine, save
 * the snapshot and derived columns, append to the hash-chained audit log, execute the effects as rows
 * (protocol entries, documents, outbox mail, deadlines) — all in one transaction.
 */

export type EngineActor =
  | { kind: "user"; userId: string; principal: Principal }
  | { kind: "system"; name: string };

export type EngineErrorCode = "not_found" | "forbidden" | "conflict" | "invalid";

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    readonly messageIt: string,
    messageEn: string,
  ) {
    super(messageEn);
    this.name = "EngineError";
  }
  get status() {
    return { not_found: 404, forbidden: 403, conflict: 409, invalid: 400 }[this.code];
  }
}

export interface EngineServices {
  files: FileStore;
  publicUrl: string;
  now?: () => Date;
  /** The seal port (issue 14): every issued PDF is sealed before it is hashed and stored. */
  sealer?: Sealer;
  /** The officer's signature on a provvedimento, applied before the seal. */
  officerSigner?: Sealer;
}

export interface DispatchRequest {
  praticaId: string;
  event: WorkflowEvent;
  actor: EngineActor;
  /** Only for the first event of a pratica: the workflow input built from the catalogue. */
  start?: WorkflowInput;
}

export interface DispatchOutcome {
  praticaId: string;
  seq: number;
  status: string;
  dueDate: string | null;
  documents: ExecutedDocument[];
  protocol: { label: string; at: Date }[];
}

export async function dispatch(
  db: Kysely<Database>,
  services: EngineServices,
  request: DispatchRequest,
): Promise<DispatchOutcome> {
  return db.transaction().execute((trx) => dispatchInTransaction(trx, services, request));
}

type PraticaRow = Awaited<ReturnType<typeof lockPratica>>;

/** The proceeding codes of a pratica, from the routing the catalogue gave it at filing. */
function proceedingsOf(p: { competent_agencies?: unknown }): string[] {
  const routing = Array.isArray(p.competent_agencies)
    ? (p.competent_agencies as { proceeding?: string }[])
    : [];
  return [...new Set(routing.map((r) => r.proceeding).filter((c): c is string => typeof c === "string"))];
}

async function lockPratica(trx: Transaction<Database>, id: string) {
  return trx.selectFrom("pratiche").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function praticaRef(trx: Transaction<Database> | Kysely<Database>, p: NonNullable<PraticaRow>) {
  const agencies = await trx
    .selectFrom("pratica_agencies")
    .select("agency_id")
    .where("pratica_id", "=", p.id)
    .execute();
  const ref: PraticaRef = {
    businessId: p.business_id,
    filerUserId: p.filer_user_id,
    filerOrganisationId: p.filer_organisation_id,
    deskId: p.desk_id,
    agencyIds: agencies.map((a) => a.agency_id),
    proceedings: proceedingsOf(p),
    filedOn: p.submitted_at ? romeDate(new Date(p.submitted_at as unknown as string)) : null,
  };
  return ref;
}

async function authorise(
  trx: Transaction<Database>,
  pratica: NonNullable<PraticaRow>,
  request: DispatchRequest,
) {
  const allowed = eventActors[request.event.type];
  const label = eventLabelsIt[request.event.type] ?? request.event.type;
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
): Promise<DispatchOutcome> {
  const now = services.now?.() ?? new Date();
  const pratica = await lockPratica(trx, request.praticaId);
  if (!pratica) throw new EngineError("not_found", "Pratica non trovata.", "Pratica not found");
  const actorKind = await authorise(trx, pratica, request);

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
  if (!result.accepted) throw new EngineError("conflict", result.reason, result.reasonEn);

  const desk = await once(trx, `desk:${pratica.desk_id}`, () =>
    trx
      .selectFrom("entities")
      .select(["id", "code", "name"])
      .where("id", "=", pratica.desk_id)
      .executeTakeFirstOrThrow(),
  );

  const payload = eventPayload(request.event);
  const audit = await appendAuditEvent(trx, {
    praticaId: pratica.id,
    type: request.event.type,
    actorUserId: request.actor.kind === "user" ? request.actor.userId : null,
    actorKind: request.actor.kind === "system" ? `system:${request.actor.name}` : actorKind,
    payload,
    stateBefore: pratica.status,
    stateAfter: result.status,
    at: now.toISOString(),
  });

  // 1. Protocol entries first: documents of this step are registered under them.
  const protocolEntries: { id: number; label: string; direction: "in" | "out"; at: Date }[] = [];
  let incomingLabel = pratica.protocol_number;
  for (const effect of result.effects) {
    if (effect.type !== "protocol") continue;
    const entry = await registerProtocol(trx, {
      entityId: desk.id,
      entityCode: desk.code,
      direction: effect.direction,
      subject: `${effect.subject} - ${pratica.title}`,
      praticaId: pratica.id,
      at: now,
    });
    protocolEntries.push({ id: entry.id, label: entry.label, direction: effect.direction, at: now });
    if (effect.direction === "in" && !incomingLabel) incomingLabel = entry.label;
  }

  // 2. Save the new state with its derived columns (the worklist reads these, never the snapshot).
  await trx
    .updateTable("pratiche")
    .set({
      workflow: def.key,
      snapshot: JSON.stringify(result.snapshot),
      status: result.status,
      ssu_status: result.ssu,
      ended: result.ended || result.final,
      suspended: result.suspended,
      due_date: result.dueDates.final ?? null,
      protocol_number: incomingLabel,
      submitted_at: pratica.submitted_at ?? (request.event.type === "SUBMIT" ? now : null),
      event_count: audit.seq,
      updated_at: now,
    })
    .where("id", "=", pratica.id)
    .execute();
  const saved = { ...pratica, protocol_number: incomingLabel, status: result.status };

  await syncAgencies(trx, pratica.id, result);

  // 3. Documents (PDF rendered, stored by hash, registered).
  const documents: ExecutedDocument[] = [];
  for (const effect of result.effects) {
    if (effect.type !== "document") continue;
    let entry = effect.kind === "ricevuta" ? null : protocolEntries.find((p) => p.direction === "out");
    if (effect.kind === "parere") entry = protocolEntries.find((p) => p.direction === "in") ?? null;
    if (effect.kind !== "ricevuta" && !entry) {
      // Outgoing documents get their own protocol number.
      const e = await registerProtocol(trx, {
        entityId: desk.id,
        entityCode: desk.code,
        direction: effect.kind === "parere" ? "in" : "out",
        subject: `${eventLabelsIt[request.event.type]} - ${pratica.title}`,
        praticaId: pratica.id,
        at: now,
      });
      entry = { id: e.id, label: e.label, direction: effect.kind === "parere" ? "in" : "out", at: now };
      protocolEntries.push(entry);
    }
    const protocol = entry ?? {
      id: null,
      label: incomingLabel ?? "",
      at: pratica.submitted_at ? new Date(pratica.submitted_at as unknown as string) : now,
    };
    documents.push(
      await issueDocument(trx, services, {
        pratica: saved,
        desk,
        kind: effect.kind,
        data: effect.data ?? {},
        event: request.event,
        result,
        protocol: { id: protocol.id, label: protocol.label, at: protocol.at },
        seq: audit.seq,
        now,
      }),
    );
  }

  // 4. Mail through the outbox, with this step's documents attached.
  for (const effect of result.effects) {
    if (effect.type !== "notify") continue;
    await notify(trx, services, {
      pratica: saved,
      template: effect.template,
      to: effect.to,
      documents,
      result,
      event: request.event,
      seq: audit.seq,
    });
  }

  // 5. Deadlines: the table is the truth the sweep and the worklists read.
  await applyDeadlineEffects(trx, pratica.id, result.effects, now);
  if (result.final) {
    await trx
      .updateTable("deadlines")
      .set({ status: "done", updated_at: now })
      .where("pratica_id", "=", pratica.id)
      .where("status", "in", ["active", "suspended"])
      .execute();
  }

  return {
    praticaId: pratica.id,
    seq: audit.seq,
    status: result.status,
    dueDate: result.dueDates.final ?? null,
    documents,
    protocol: protocolEntries.map((p) => ({ label: p.label, at: p.at })),
  };
}

function eventPayload(event: WorkflowEvent): Record<string, unknown> {
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

export async function applyDeadlineEffects(
  trx: Transaction<Database>,
  praticaId: string,
  effects: Effect[],
  now: Date,
) {
  for (const effect of effects) {
    switch (effect.type) {
      case "deadline.set": {
        // A new deadline with the same name replaces the live one (e.g. after a reset).
        await trx
          .updateTable("deadlines")
          .set({ status: "cancelled", updated_at: now })
          .where("pratica_id", "=", praticaId)
          .where("name", "=", effect.name)
          .where("status", "in", ["active", "suspended"])
          .execute();
        await trx
          .insertInto("deadlines")
          .values({
            pratica_id: praticaId,
            name: effect.name,
            due: effect.due,
            event: effect.event,
            payload: JSON.stringify(effect.payload ?? {}),
          })
          .execute();
        break;
      }
      case "deadline.suspend":
        await trx
          .updateTable("deadlines")
          .set({ status: "suspended", updated_at: now })
          .where("pratica_id", "=", praticaId)
          .where("name", "=", effect.name)
          .where("status", "=", "active")
          .execute();
        break;
      case "deadline.resume":
        await trx
          .updateTable("deadlines")
          .set({ status: "active", due: effect.due, updated_at: now })
          .where("pratica_id", "=", praticaId)
          .where("name", "=", effect.name)
          .where("status", "in", ["active", "suspended"])
          .execute();
        break;
      case "deadline.cancel":
        await trx
          .updateTable("deadlines")
          .set({ status: "cancelled", updated_at: now })
          .where("pratica_id", "=", praticaId)
          .where("name", "=", effect.name)
          .where("status", "in", ["active", "suspended"])
          .execute();
        break;
      default:
        break;
    }
  }
}
