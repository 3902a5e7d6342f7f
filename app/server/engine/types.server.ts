import type { Transaction } from "kysely";
import type { Principal } from "~/domain/policy";
import type { DueDates, Refusal, WorkflowEvent, WorkflowInput } from "../../../workflows/index";
import type { Database, Pratica } from "../db/schema.server";
import type { IntegrationResultEvent, PecActor, PeerActor } from "../integrations/types.server";
import type { FileStore } from "../storage.server";
import type { Sealer } from "../integrations/seal/port.server";

/**
 * The engine's shared types: what `dispatch` and the effect executors (engine/effects/) both speak. Executors
 * import this module, never engine.server.ts, so there is no import cycle.
 */

export type EngineActor =
  | { kind: "user"; userId: string; principal: Principal }
  | { kind: "system"; name: string }
  | PeerActor
  /**
   * A party outside the portal speaking by certified mail (ADR 0028): the PEC's sender is the identity. `as`
   * is the kind of actor the law gives the act to; an agency speaks only for itself (`agencyCode`).
   */
  | PecActor;

/**
 * Runs after a step's effects, in its transaction (the SSU exchange's table of "this event on a pratica linked
 * to an SSU peer queues that operation": app/server/integrations/ssu/flow.server.ts, injected by
 * engineServices). `prior` is the pratica as it was before the step.
 */
export type AfterStepHook = (
  ctx: EffectContext,
  prior: { status: string; ended: boolean; ssu_status?: string | null },
) => Promise<void>;

export type EngineErrorCode = "not_found" | "forbidden" | "conflict" | "invalid";

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    readonly messageIt: string,
    messageEn: string,
    /** set when the workflow refused the act: the codes the i18n module words in the user's language */
    readonly refusal?: Refusal,
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
  /**
   * Which protocol register numbers the entries (PROTOCOL_REGISTRY): "internal" (default) numbers them in the
   * transaction; "remote" queues a registration call and the number arrives later.
   */
  protocolRegistry?: "internal" | "remote";
  /** The SSU exchange's outbound table (ADR 0025); absent: no SSU message is ever queued by a step. */
  afterStep?: AfterStepHook;
  /**
   * The Catalogo SSU port (issue 16, ADR 0026): after each step, in the step's transaction, queues what the
   * Catalogo must be told (request_cui when filed, audit on a change of SSU state, update_times on a change of
   * the clock); the calls run after COMMIT. Absent: nothing is told (tests, SSU off).
   */
  ssuCatalogue?: SsuCatalogueHook;
  /**
   * The submission's receipt after COMMIT (ADR 0032): a step that issues documents queues them, with the
   * step's mail that carries them, as one "document/render" call instead of rendering them in its
   * transaction (internal register only; engine/deferred.server.ts completes it). Set by the filing only.
   */
  deferDocuments?: boolean;
}

export interface SsuCatalogueHook {
  afterStep(
    trx: Transaction<Database>,
    step: { before: Pratica; after: Pratica; event: WorkflowEvent; now: Date },
  ): Promise<void>;
}

export interface DispatchRequest {
  praticaId: string;
  event: WorkflowEvent;
  actor: EngineActor;
  /** Only for the first event of a pratica: the workflow input built from the catalogue. */
  start?: WorkflowInput;
  /** The pratica's row as the caller already locked it in this transaction (the deadline sweep's claim). */
  locked?: Pratica;
}

export interface ExecutedDocument {
  id: string;
  kind: string;
  title: string;
  filename: string;
  storageKey: string;
  sha256: string;
  verificationCode: string;
  protocolLabel: string;
}

export interface DispatchOutcome {
  praticaId: string;
  seq: number;
  status: string;
  dueDate: string | null;
  documents: ExecutedDocument[];
  protocol: { label: string; at: Date }[];
  /** external calls this step queued (the caller kicks the worker after COMMIT when > 0) */
  queuedCalls: number;
  /** The pratica's row as this step left it (still locked): a next step in the same transaction starts from it. */
  pratica: Pratica;
}

/** What documents and mail show of the pratica's state after the step. */
export interface StepView {
  status: string;
  suspended: boolean;
  dueDates: DueDates;
}

/** A protocol entry of this step: numbered (id, label), or queued at a remote register (callId, no label). */
export interface ProtocolRef {
  id: number | null;
  label: string;
  direction: "in" | "out";
  at: Date;
  callId?: string;
}

/** Everything an executor may use; it runs inside the pratica's transaction, after the state was saved. */
export interface EffectContext {
  trx: Transaction<Database>;
  services: EngineServices;
  now: Date;
  /** The saved pratica row; the protocol executor keeps `protocol_number` current in it. */
  pratica: Pratica;
  desk: { id: number; code: string; name: string };
  event: WorkflowEvent | IntegrationResultEvent;
  /** The event's Italian label (protocol subjects). */
  eventLabel: string;
  /** This event's number in the pratica's audit chain. */
  seq: number;
  view: StepView;
  protocolEntries: ProtocolRef[];
  documents: ExecutedDocument[];
  queuedCalls: number;
}
