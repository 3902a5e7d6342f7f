import { postIdempotentJson } from "../json-post.server";
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

  const post = (
    path: string,
    body: unknown,
    idempotencyKey: string,
    signal: AbortSignal | undefined,
    accept: (status: number, body: Record<string, unknown>) => CallOutcome | null,
  ) =>
    postIdempotentJson({
      url: `${base}${path}`,
      token: opts.token,
      idempotencyKey,
      body,
      timeoutMs: opts.timeoutMs ?? 30_000,
      signal,
      service: "Il protocollo del Comune",
      accept,
    });

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
