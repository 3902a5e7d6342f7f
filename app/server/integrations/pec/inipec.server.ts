import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { DomicilioLookup } from "./port.server";

/**
 * INI-PEC (Indice nazionale dei domicili digitali delle imprese e dei professionisti, art. 6-bis CAD): the
 * domicilio digitale of a business or professional by codice fiscale, as an e-service over PDND
 * (docs/integrations/inipec.md: `GET {INIPEC_URL}/{codiceFiscale}` with the PDND voucher as bearer).
 *  - `inipecClient`: the real adapter (the voucher comes from PDND for the purpose INIPEC_PURPOSE_ID);
 *  - `startInipecDouble`: the development and test double, on loopback, speaking the same protocol; it refuses
 *    to start in production.
 */

/** Italian codice fiscale of a person (16) or of a business (11 digits). */
const CF = /^(?:[A-Z0-9]{16}|\d{11})$/;

export class InipecError extends Error {}

export function inipecClient(opts: {
  baseUrl: string;
  voucher: (signal: AbortSignal) => Promise<string>;
  timeoutMs?: number;
}): DomicilioLookup {
  const base = opts.baseUrl.replace(/\/$/, "");
  return {
    async lookup(codiceFiscale: string) {
      const cf = codiceFiscale.trim().toUpperCase();
      if (!CF.test(cf)) return null;
      const signal = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
      let response: Response;
      try {
        const token = await opts.voucher(signal);
        response = await fetch(`${base}/${encodeURIComponent(cf)}`, {
          headers: { authorization: `Bearer ${token}`, accept: "application/json" },
          signal,
        });
      } catch (error) {
        throw new InipecError(`INI-PEC non raggiungibile: ${(error as Error).message}`);
      }
      if (response.status === 404) return null;
      const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
      if (!response.ok) {
        const message = typeof body?.messaggio === "string" ? body.messaggio : `HTTP ${response.status}`;
        throw new InipecError(`INI-PEC ha risposto ${response.status}: ${message}`);
      }
      const pec = typeof body?.pec === "string" ? body.pec.trim().toLowerCase() : "";
      if (body?.codiceFiscale !== cf || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(pec))
        throw new InipecError("Risposta di INI-PEC non conforme all'interfaccia.");
      return pec;
    },
  };
}

export interface InipecDouble {
  url: string;
  token: string;
  /** Requests received (codice fiscale, authorised or not), for tests. */
  requests: { cf: string; authorised: boolean }[];
  set(codiceFiscale: string, pec: string | null): void;
  close(): Promise<void>;
}

/** The INI-PEC double: a register of domicili on loopback, answering as docs/integrations/inipec.md says. */
export async function startInipecDouble(opts: {
  register: Record<string, string>;
  token: string;
  nodeEnv?: string;
}): Promise<InipecDouble> {
  if ((opts.nodeEnv ?? process.env.NODE_ENV) === "production")
    throw new Error("Il registro INI-PEC di sviluppo non si usa in produzione: imposta INIPEC_URL.");
  const byCf = new Map(Object.entries(opts.register).map(([cf, pec]) => [cf.toUpperCase(), pec]));
  const requests: InipecDouble["requests"] = [];
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const cf = decodeURIComponent((req.url ?? "/").split("?")[0]!.replace(/^\/+/, ""));
    const authorised = req.headers.authorization === `Bearer ${opts.token}`;
    requests.push({ cf, authorised });
    if (req.method !== "GET") return send(res, 405, { codice: "METODO", messaggio: "Solo GET." });
    if (!authorised)
      return send(res, 401, { codice: "VOUCHER", messaggio: "Voucher PDND mancante o non valido." });
    if (!CF.test(cf))
      return send(res, 400, { codice: "CF_NON_VALIDO", messaggio: "Codice fiscale non valido." });
    const pec = byCf.get(cf);
    if (!pec)
      return send(res, 404, { codice: "NON_TROVATO", messaggio: "Nessun domicilio digitale in INI-PEC." });
    return send(res, 200, { codiceFiscale: cf, pec, tipo: cf.length === 11 ? "impresa" : "professionista" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token: opts.token,
    requests,
    set(cf, pec) {
      if (pec) byCf.set(cf.toUpperCase(), pec);
      else byCf.delete(cf.toUpperCase());
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
