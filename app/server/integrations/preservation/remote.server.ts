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
      const signals = [AbortSignal.timeout(opts.timeoutMs ?? 60_000), ...(signal ? [signal] : [])];
      let response: Response;
      try {
        response = await fetch(`${base}/versamenti`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            authorization: `Bearer ${opts.token}`,
            "idempotency-key": idempotencyKey,
          },
          body: JSON.stringify(pkg),
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        const e = error as Error;
        const timeout = e.name === "TimeoutError" || e.name === "AbortError";
        return {
          ok: false,
          timeout,
          message: timeout
            ? "Il servizio di conservazione non ha risposto in tempo."
            : `Il servizio di conservazione non è raggiungibile (${(e.cause as Error | undefined)?.message ?? e.message}).`,
        };
      }
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = {};
      }
      if (response.status === 200 || response.status === 201) {
        const r = body as Partial<SubmissionReport>;
        if (
          typeof r.id !== "string" ||
          r.esito !== "POSITIVO" ||
          typeof r.rapportoDiVersamento !== "string"
        ) {
          return {
            ok: false,
            timeout: false,
            httpStatus: response.status,
            message: "Il servizio di conservazione ha risposto senza rapporto di versamento.",
          };
        }
        return {
          ok: true,
          result: { id: r.id, esito: r.esito, rapportoDiVersamento: r.rapportoDiVersamento, data: r.data },
        };
      }
      const code = typeof body.codice === "string" ? body.codice : undefined;
      const message = typeof body.messaggio === "string" ? body.messaggio : text.slice(0, 200);
      return {
        ok: false,
        timeout: false,
        httpStatus: response.status,
        bodyCode: code,
        message: `Il servizio di conservazione ha risposto ${response.status}${code ? ` ${code}` : ""}: ${message}`,
      };
    },
  };
}
