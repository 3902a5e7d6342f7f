import type { CallOutcome } from "../types.server";
import type {
  RemoteAnnulment,
  RemoteAnnulmentRequest,
  RemoteProtocolRegistry,
  RemoteRegistration,
  RemoteRegistrationRequest,
} from "./port.server";

/**
 * The client of a Comune's protocollo informatico (docs/integrations/protocollo.md): POST /registrazioni
 * and POST /registrazioni/{id}/annullamento, with a bearer token and an Idempotency-Key. A repeat with the same
 * key answers with the first result, so a call made again after a crash never registers (or annuls) twice.
 */
export function remoteProtocolRegistry(opts: {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}): RemoteProtocolRegistry {
  const base = opts.baseUrl.replace(/\/$/, "");

  async function post(
    path: string,
    body: unknown,
    idempotencyKey: string,
    signal: AbortSignal | undefined,
    accept: (status: number, body: Record<string, unknown>) => CallOutcome | null,
  ): Promise<CallOutcome> {
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30_000), ...(signal ? [signal] : [])];
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${opts.token}`,
          "idempotency-key": idempotencyKey,
        },
        body: JSON.stringify(body),
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
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = {};
    }
    if (response.status === 200 || response.status === 201) {
      const accepted = accept(response.status, parsed);
      if (accepted) return accepted;
    }
    const code = typeof parsed.codice === "string" ? parsed.codice : undefined;
    const message = typeof parsed.messaggio === "string" ? parsed.messaggio : text.slice(0, 200);
    return {
      ok: false,
      timeout: false,
      httpStatus: response.status,
      bodyCode: code,
      message: `Il protocollo del Comune ha risposto ${response.status}${code ? ` ${code}` : ""}: ${message}`,
    };
  }

  return {
    name: "remote",
    baseUrl: base,
    register(request: RemoteRegistrationRequest, idempotencyKey: string, signal?: AbortSignal) {
      return post("/registrazioni", request, idempotencyKey, signal, (status, body) => {
        const r = body as Partial<RemoteRegistration>;
        if (typeof r.numero !== "number" || typeof r.anno !== "number" || typeof r.segnatura !== "string") {
          return {
            ok: false,
            timeout: false,
            httpStatus: status,
            message: "Il protocollo del Comune ha risposto senza numero, anno o segnatura.",
          };
        }
        return {
          ok: true,
          result: { id: r.id, numero: r.numero, anno: r.anno, data: r.data, segnatura: r.segnatura },
        };
      });
    },
    annul(
      registrationId: string,
      request: RemoteAnnulmentRequest,
      idempotencyKey: string,
      signal?: AbortSignal,
    ) {
      return post(
        `/registrazioni/${encodeURIComponent(registrationId)}/annullamento`,
        request,
        idempotencyKey,
        signal,
        (status, body) => {
          const r = body as Partial<RemoteAnnulment>;
          if (r.annullata !== true || typeof r.data !== "string") {
            return {
              ok: false,
              timeout: false,
              httpStatus: status,
              message: "Il protocollo del Comune ha risposto senza confermare l'annullamento.",
            };
          }
          return { ok: true, result: { id: r.id, segnatura: r.segnatura, annullata: true, data: r.data } };
        },
      );
    },
  };
}
