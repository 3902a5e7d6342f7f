import { postIdempotentJson } from "../json-post.server";
import type { CallOutcome } from "../types.server";
import type { PreservationService, SubmissionPackage, SubmissionReport } from "./port.server";

/**
 * The client of the preservation service (docs/integrations/conservazione.md): POST /versamenti with a bearer
 * token and an Idempotency-Key; a repeat with the same key answers with the first rapporto di versamento.
 */
export function remotePreservationService(opts: {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}): PreservationService {
  const base = opts.baseUrl.replace(/\/$/, "");
  return {
    baseUrl: base,
    async deposit(
      pkg: SubmissionPackage,
      idempotencyKey: string,
      signal?: AbortSignal,
    ): Promise<CallOutcome> {
      return postIdempotentJson({
        url: `${base}/versamenti`,
        token: opts.token,
        idempotencyKey,
        body: pkg,
        timeoutMs: opts.timeoutMs ?? 60_000,
        signal,
        service: "Il servizio di conservazione",
        accept: (status, body) => {
          const r = body as Partial<SubmissionReport>;
          if (
            typeof r.id !== "string" ||
            r.esito !== "POSITIVO" ||
            typeof r.rapportoDiVersamento !== "string"
          ) {
            return {
              ok: false,
              timeout: false,
              httpStatus: status,
              message: "Il servizio di conservazione ha risposto senza rapporto di versamento.",
            };
          }
          return {
            ok: true,
            result: { id: r.id, esito: r.esito, rapportoDiVersamento: r.rapportoDiVersamento, data: r.data },
          };
        },
      });
    },
  };
}
