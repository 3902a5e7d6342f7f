import type { CallOutcome } from "../types.server";
import type { RemoteProtocolRegistry, RemoteRegistration, RemoteRegistrationRequest } from "./port.server";

/**
 * The client of a Comune's protocollo informatico (docs/integrations/protocollo.md): POST /registrazioni
 * with a bearer token and an Idempotency-Key. A repeat with the same key answers with the first registration,
 * so a call made again after a crash never registers twice.
 */
export function remoteProtocolRegistry(opts: {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}): RemoteProtocolRegistry {
  const base = opts.baseUrl.replace(/\/$/, "");
  return {
    name: "remote",
    baseUrl: base,
    async register(request: RemoteRegistrationRequest, idempotencyKey: string, signal?: AbortSignal) {
      const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000), ...(signal ? [signal] : [])];
      let response: Response;
      try {
        response = await fetch(`${base}/registrazioni`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            authorization: `Bearer ${opts.token}`,
            "idempotency-key": idempotencyKey,
          },
          body: JSON.stringify(request),
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        const e = error as Error;
        const timeout = e.name === "TimeoutError" || e.name === "AbortError";
        return {
          ok: false,
          timeout,
          message: timeout
            ? "Il protocollo del Comune non ha risposto in tempo."
            : `Il protocollo del Comune non è raggiungibile (${(e.cause as Error | undefined)?.message ?? e.message}).`,
        } satisfies CallOutcome;
      }
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        body = {};
      }
      if (response.status === 200 || response.status === 201) {
        const r = body as Partial<RemoteRegistration>;
        if (typeof r.numero !== "number" || typeof r.anno !== "number" || typeof r.segnatura !== "string") {
          return {
            ok: false,
            timeout: false,
            httpStatus: response.status,
            message: "Il protocollo del Comune ha risposto senza numero, anno o segnatura.",
          };
        }
        return {
          ok: true,
          result: { id: r.id, numero: r.numero, anno: r.anno, data: r.data, segnatura: r.segnatura },
        };
      }
      const code = typeof body.codice === "string" ? body.codice : undefined;
      const message = typeof body.messaggio === "string" ? body.messaggio : text.slice(0, 200);
      return {
        ok: false,
        timeout: false,
        httpStatus: response.status,
        bodyCode: code,
        message: `Il protocollo del Comune ha risposto ${response.status}${code ? ` ${code}` : ""}: ${message}`,
      };
    },
  };
}
