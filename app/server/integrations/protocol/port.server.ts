import type { Transaction } from "kysely";
import type { Database } from "../../db/schema.server";
import type { CallOutcome } from "../types.server";

/**
 * The protocol registry port (protocollo informatico, DPR 445/2000 artt. 53-57). Two adapters:
 *  - `internal`: the desk's own register, gapless per desk and year (year in Rome time), numbered inside the
 *    pratica's transaction, so the receipt carries the number in the same request;
 *  - `remote`: a Comune's protocollo informatico over the JSON web service described in
 *    docs/integrations/protocollo.md; the registration is a queued call, the number arrives later.
 */

export type Direction = "in" | "out";

/** What the desk registers (both adapters). */
export interface RegistrationInput {
  entityId: number;
  /** The desk's code, the AOO (area organizzativa omogenea) the registration belongs to. */
  entityCode: string;
  direction: Direction;
  subject: string;
  praticaId: string | null;
  at: Date;
  /** The registered document's SHA-256 (hex), when the document exists at registration. */
  documentSha256?: string | null;
}

export interface RegisteredEntry {
  id: number;
  label: string;
  number: number;
  year: number;
  registered_at: Date;
}

export interface InternalProtocolRegistry {
  readonly name: "internal";
  register(trx: Transaction<Database>, input: RegistrationInput): Promise<RegisteredEntry>;
}

/** The body of POST /registrazioni (see docs/integrations/protocollo.md). */
export interface RemoteRegistrationRequest {
  aoo: string;
  verso: "entrata" | "uscita";
  oggetto: string;
  /** Our reference: the pratica's CUI, or its id before it has one. */
  riferimento: string | null;
  /** When the document reached (or left) the desk, ISO 8601. */
  data: string;
  documento: { nome: string; impronta: string; algoritmo: "SHA-256" } | null;
}

/** The answer (201 on the first request with an Idempotency-Key, 200 with the same answer on a repeat). */
export interface RemoteRegistration {
  id: string;
  numero: number;
  anno: number;
  /** ISO 8601 date-time of the registration */
  data: string;
  /** The registration's printable label (segnatura di protocollo) */
  segnatura: string;
}

/** The body of POST /registrazioni/{id}/annullamento (DPR 445/2000 art. 54). */
export interface RemoteAnnulmentRequest {
  /** Why the registration is annulled (required). */
  motivo: string;
  /** The act that authorises the annulment (e.g. the manager's order), or null. */
  autorizzazione: string | null;
  /** When the desk annulled it, ISO 8601. */
  data: string;
  /** Who annulled it (name of the manager). */
  operatore: string;
}

/** The answer: 201 the first time, 200 with the same annulment when the registration was already annulled. */
export interface RemoteAnnulment {
  id: string;
  segnatura: string;
  annullata: true;
  /** ISO 8601 date-time of the annulment at the register */
  data: string;
}

export interface RemoteProtocolRegistry {
  readonly name: "remote";
  readonly baseUrl: string;
  register(
    request: RemoteRegistrationRequest,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<CallOutcome>;
  /** Annuls a registration by the register's id (`RemoteRegistration.id`); the number is never reused. */
  annul(
    registrationId: string,
    request: RemoteAnnulmentRequest,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<CallOutcome>;
}

export const versoOf = (d: Direction): RemoteRegistrationRequest["verso"] =>
  d === "in" ? "entrata" : "uscita";
