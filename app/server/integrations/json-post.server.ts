import type { CallOutcome } from "./types.server";

/**
 * One POST of the documented JSON web services this portal calls with a bearer token and an Idempotency-Key
 * (the Comune's protocollo, docs/integrations/protocollo.md; the preservation service,
 * docs/integrations/conservazione.md): a timeout or a refused connection, an answer that is not 200/201 (with the
 * body's `codice`/`messaggio`), or `accept`'s reading of a 200/201 body, as a CallOutcome the queue's retry rule reads.
 * `service` names the peer in the sentences ("Il protocollo del Comune").
 */
export async function postIdempotentJson(opts: {
  url: string;
  token: string;
  idempotencyKey: string;
  body: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  service: string;
  accept: (status: number, body: Record<string, unknown>) => CallOutcome | null;
}): Promise<CallOutcome> {
  const signals = [AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  let response: Response;
  try {
    response = await fetch(opts.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        authorization: `Bearer ${opts.token}`,
        "idempotency-key": opts.idempotencyKey,
      },
      body: JSON.stringify(opts.body),
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    const e = error as Error;
    const timeout = e.name === "TimeoutError" || e.name === "AbortError";
    return {
      ok: false,
      timeout,
      message: timeout
        ? `${opts.service} non ha risposto in tempo.`
        : `${opts.service} non è raggiungibile (${(e.cause as Error | undefined)?.message ?? e.message}).`,
    };
  }
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  if (response.status === 200 || response.status === 201) {
    const accepted = opts.accept(response.status, parsed);
    if (accepted) return accepted;
  }
  const code = typeof parsed.codice === "string" ? parsed.codice : undefined;
  const message = typeof parsed.messaggio === "string" ? parsed.messaggio : text.slice(0, 200);
  return {
    ok: false,
    timeout: false,
    httpStatus: response.status,
    bodyCode: code,
    message: `${opts.service} ha risposto ${response.status}${code ? ` ${code}` : ""}: ${message}`,
  };
}
