import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { romeDate } from "~/domain/dates";
import type {
  RemoteAnnulment,
  RemoteAnnulmentRequest,
  RemoteRegistration,
  RemoteRegistrationRequest,
} from "./port.server";

/**
 * Development and test double of a Comune's protocollo informatico: the same web service the remote adapter
 * speaks (docs/integrations/protocollo.md), over HTTP on loopback. It checks the bearer token, validates the
 * body, numbers gaplessly per AOO and year (Rome time) and answers a repeated Idempotency-Key with the first
 * registration. It annuls a registration (POST /registrazioni/{id}/annullamento: a reason is required, the
 * number stays taken; a repeat answers 200 with the first annulment). Test controls: `setDown` (503), `hold` (register, then keep the answer until released or the
 * client goes away), and the log of received requests. It refuses to start in production.
 */

export interface ReceivedRequest {
  idempotencyKey: string | null;
  body: unknown;
  status: number;
}

export interface ProtocolDouble {
  url: string;
  token: string;
  registrations: (RemoteRegistration & { request: RemoteRegistrationRequest; key: string })[];
  annulments: (RemoteAnnulment & { request: RemoteAnnulmentRequest; key: string })[];
  requests: ReceivedRequest[];
  setDown(status: 503 | 500 | null, code?: string): void;
  /** Until the returned function is called, answers are held after the registration is made. */
  hold(): () => void;
  /** Resolves when the next request has been received (and, when held, registered). */
  nextRequest(): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

const KEY_RE = /^[\x21-\x7e]{8,200}$/;
const SHA_RE = /^[a-f0-9]{64}$/;

function invalid(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return "Il corpo deve essere un oggetto JSON.";
  const b = body as Record<string, unknown>;
  if (typeof b.aoo !== "string" || !b.aoo) return "Manca il codice AOO (aoo).";
  if (b.verso !== "entrata" && b.verso !== "uscita") return "Il verso deve essere «entrata» o «uscita».";
  if (typeof b.oggetto !== "string" || !b.oggetto.trim()) return "Manca l'oggetto.";
  if (typeof b.data !== "string" || Number.isNaN(Date.parse(b.data))) return "La data non è ISO 8601.";
  if (b.documento !== null && b.documento !== undefined) {
    const d = b.documento as Record<string, unknown>;
    if (d.algoritmo !== "SHA-256" || typeof d.impronta !== "string" || !SHA_RE.test(d.impronta))
      return "L'impronta del documento deve essere uno SHA-256 esadecimale.";
  }
  return null;
}

export async function startProtocolDouble(
  opts: { token?: string; port?: number; now?: () => Date; nodeEnv?: string } = {},
): Promise<ProtocolDouble> {
  if ((opts.nodeEnv ?? process.env.NODE_ENV) === "production") {
    throw new Error(
      "Il doppio del protocollo è solo per sviluppo e test: non si avvia con NODE_ENV=production.",
    );
  }
  const token = opts.token ?? "sviluppo";
  const now = opts.now ?? (() => new Date());
  const byKey = new Map<string, { fingerprint: string; registration: RemoteRegistration }>();
  const counters = new Map<string, number>();
  const registrations: ProtocolDouble["registrations"] = [];
  const annulments: ProtocolDouble["annulments"] = [];
  const requests: ReceivedRequest[] = [];
  let down: { status: number; code?: string } | null = null;
  let held: Promise<void> | null = null;
  let waiters: ((r: ReceivedRequest) => void)[] = [];

  const send = (res: http.ServerResponse, status: number, body: unknown, log: ReceivedRequest) => {
    log.status = status;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = undefined;
    }
    const key = (req.headers["idempotency-key"] as string | undefined) ?? null;
    const log: ReceivedRequest = { idempotencyKey: key, body, status: 0 };
    const notify = () => {
      requests.push(log);
      const w = waiters;
      waiters = [];
      for (const fn of w) fn(log);
    };
    const annulPath = /^\/registrazioni\/([^/]+)\/annullamento$/.exec(req.url ?? "");
    if (req.method !== "POST" || (req.url !== "/registrazioni" && !annulPath)) {
      notify();
      return send(res, 404, { codice: "NON_TROVATO", messaggio: "Risorsa inesistente." }, log);
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      notify();
      return send(res, 401, { codice: "NON_AUTORIZZATO", messaggio: "Token mancante o errato." }, log);
    }
    if (down) {
      notify();
      return send(
        res,
        down.status,
        { codice: down.code ?? "NON_DISPONIBILE", messaggio: "Servizio non disponibile." },
        log,
      );
    }
    if (!key || !KEY_RE.test(key)) {
      notify();
      return send(
        res,
        400,
        { codice: "CHIAVE_MANCANTE", messaggio: "Manca l'intestazione Idempotency-Key." },
        log,
      );
    }
    if (annulPath) {
      const id = decodeURIComponent(annulPath[1] ?? "");
      const target = registrations.find((r) => r.id === id);
      if (!target) {
        notify();
        return send(res, 404, { codice: "NON_TROVATO", messaggio: "Registrazione inesistente." }, log);
      }
      const a = body as Partial<RemoteAnnulmentRequest> | undefined | null;
      const problem =
        body === undefined
          ? "Il corpo non è JSON valido."
          : typeof a?.motivo !== "string" || !a.motivo.trim()
            ? "Manca il motivo dell'annullamento (art. 54 DPR 445/2000)."
            : typeof a.data !== "string" || Number.isNaN(Date.parse(a.data))
              ? "La data non è ISO 8601."
              : a.autorizzazione !== null &&
                  a.autorizzazione !== undefined &&
                  typeof a.autorizzazione !== "string"
                ? "L'autorizzazione deve essere un testo."
                : null;
      if (problem) {
        notify();
        return send(res, 400, { codice: "RICHIESTA_NON_VALIDA", messaggio: problem }, log);
      }
      const already = annulments.find((x) => x.id === id);
      if (already) {
        log.status = 200;
        notify();
        const { request: _r, key: _k, ...answer } = already;
        return send(res, 200, answer, log);
      }
      const annulment: RemoteAnnulment = {
        id,
        segnatura: target.segnatura,
        annullata: true,
        data: now().toISOString(),
      };
      annulments.push({ ...annulment, request: a as RemoteAnnulmentRequest, key });
      log.status = 201;
      notify();
      return send(res, 201, annulment, log);
    }
    const problem = body === undefined ? "Il corpo non è JSON valido." : invalid(body);
    if (problem) {
      notify();
      return send(res, 400, { codice: "RICHIESTA_NON_VALIDA", messaggio: problem }, log);
    }
    const request = body as RemoteRegistrationRequest;
    const fingerprint = createHash("sha256").update(raw).digest("hex");
    const seen = byKey.get(key);
    let status = 201;
    let registration: RemoteRegistration;
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        notify();
        return send(
          res,
          422,
          {
            codice: "CHIAVE_RIUSATA",
            messaggio: "La chiave è già stata usata per una registrazione diversa.",
          },
          log,
        );
      }
      status = 200;
      registration = seen.registration;
    } else {
      const at = now();
      const anno = Number(romeDate(at).slice(0, 4));
      const counterKey = `${request.aoo}:${anno}`;
      const numero = (counters.get(counterKey) ?? 0) + 1;
      counters.set(counterKey, numero);
      registration = {
        id: randomUUID(),
        numero,
        anno,
        data: at.toISOString(),
        segnatura: `${request.aoo}-PG/${anno}/${String(numero).padStart(7, "0")}`,
      };
      byKey.set(key, { fingerprint, registration });
      registrations.push({ ...registration, request, key });
    }
    log.status = status;
    notify();
    if (held) {
      // Keep the answer back; a client that goes away (killed) never gets it.
      const closed = new Promise<void>((resolve) => res.on("close", () => resolve()));
      await Promise.race([held, closed]);
      if (res.destroyed || res.writableEnded) return;
    }
    send(res, status, registration, log);
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    registrations,
    annulments,
    requests,
    setDown(status, code) {
      down = status ? { status, code } : null;
    },
    hold() {
      let release!: () => void;
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => {
        held = null;
        release();
      };
    },
    nextRequest() {
      return new Promise((resolve) => waiters.push(resolve));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
