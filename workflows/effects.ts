/**
 * Effects are data. A machine step returns the list of things that must happen because of it; the engine
 * executes them inside the same database transaction that saves the snapshot, so either the new state and all
 * its consequences are committed, or none is. Nothing here performs I/O.
 */
import type { IsoDate } from "./clock";
import type { EventType } from "./events";

export type Recipient = "applicant" | "desk" | { agencyId: string };

export type DocumentKind =
  | "ricevuta"
  | "richiesta_regolarizzazione"
  | "dichiarazione_irricevibilita"
  | "inoltro_enti"
  | "indizione_conferenza"
  | "richiesta_integrazione"
  | "inoltro_integrazione"
  | "richiesta_conformazione"
  | "preavviso_rigetto"
  | "provvedimento"
  | "attestazione_silenzio_assenso"
  | "parere"
  /** the office's communication that the procedure is closed without a decision (CANCEL_BY_OFFICE) */
  | "chiusura_ufficio";

/**
 * The systems outside the database a step may need (each behind a port in app/server/integrations/<kind>/).
 * Declared here, not in app/, because workflows depend on nothing of the project's.
 */
export type IntegrationKind =
  | "protocol"
  | "identity"
  | "signature"
  | "seal"
  | "payment"
  | "ssu"
  | "pec"
  | "business_register"
  | "preservation"
  /** the documents of a step rendered after its COMMIT (the submission's receipt, ADR 0032) */
  | "document";

/**
 * Which protocol entry a document is registered under: "pratica" = the pratica's own incoming registration
 * (the receipt); "in" = this step's incoming entry, created if the step has none (an agency's opinion); "out" =
 * this step's outgoing entry, created if none (every act of the office). Absent: the engine's rule by kind.
 */
export type DocumentProtocol = "pratica" | "in" | "out";

/** Stable deadline names: "final", "integration", "observations", "conformation", "agency:<id>", ... */
export type DeadlineName = string;

export type Effect =
  | { type: "protocol"; direction: "in" | "out"; subject: string }
  | { type: "document"; kind: DocumentKind; data?: Record<string, unknown>; protocol?: DocumentProtocol }
  | { type: "notify"; template: string; to: Recipient[]; data?: Record<string, unknown> }
  | {
      type: "deadline.set";
      name: DeadlineName;
      due: IsoDate;
      /**
       * Event the deadline sweep dispatches when `due` is reached. `null` marks a reminder only (a duty of the
       * office with no automatic legal consequence, e.g. convening the conferenza within 5 days): it shows in
       * the worklist and nothing is dispatched.
       */
      event: EventType | null;
      payload?: Record<string, unknown>;
    }
  | { type: "deadline.suspend"; name: DeadlineName }
  | { type: "deadline.resume"; name: DeadlineName; due: IsoDate }
  | { type: "deadline.cancel"; name: DeadlineName }
  | {
      /**
       * A call to another system. The engine commits it as a queued row with the event; the worker makes the
       * call after COMMIT and the result comes back as an event. `key` makes the idempotency key (unique per
       * pratica); without it the engine derives one from the pratica, the event number and the effect index.
       */
      type: "external";
      kind: IntegrationKind;
      operation: string;
      payload: Record<string, unknown>;
      key?: string;
    };

export type EffectType = Effect["type"];

export const agencyDeadline = (agencyId: string): DeadlineName => `agency:${agencyId}`;
