import type { CallOutcome } from "../types.server";

/**
 * The preservation port (conservazione, AgID "Linee guida sulla formazione, gestione e conservazione dei
 * documenti informatici", 2021, par. 4): the SUAP hands documents to its preservation service as a submission
 * package (pacchetto di versamento, PdV) whose index follows UNI 11386 SInCRO; the service checks it and answers
 * with a rapporto di versamento. Adapters: `remote` (the HTTP interface of docs/integrations/conservazione.md)
 * and its development double (`double.server.ts`, the same interface on loopback; refuses production).
 */

export interface PackageFile {
  /** The path the index names (sincro:Path). */
  nome: string;
  /** The bytes, base64. */
  contenuto: string;
}

/** The body of POST /versamenti. */
export interface SubmissionPackage {
  /** The SInCRO index (IdC) of the package, XML. */
  indice: string;
  file: PackageFile[];
}

/** The answer (201 the first time; 200 with the same report on a repeat of the Idempotency-Key). */
export interface SubmissionReport {
  /** The service's id of the deposit (identificativo del rapporto di versamento). */
  id: string;
  esito: "POSITIVO";
  /** The rapporto di versamento, XML: id, UTC time, SHA-256 of the whole package. */
  rapportoDiVersamento: string;
  data: string;
}

export interface PreservationService {
  readonly baseUrl: string;
  deposit(pkg: SubmissionPackage, idempotencyKey: string, signal?: AbortSignal): Promise<CallOutcome>;
}
