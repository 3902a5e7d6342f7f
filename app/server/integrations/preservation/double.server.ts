import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { DOMParser } from "@xmldom/xmldom";
import { SINCRO_NS } from "./package.server";
import type { SubmissionPackage, SubmissionReport } from "./port.server";

/**
 * Development and test double of the preservation service (docs/integrations/conservazione.md), over HTTP on
 * loopback. It checks the token and the Idempotency-Key, parses the package's SInCRO index, checks that every
 * File it names is in the package with the SHA-256 the index states (and that no file is left out), and
 * answers with a rapporto di versamento carrying the SHA-256 of the whole package and the UTC time. A repeated
 * key answers 200 with the first report. Test controls: `setDown` (503) and the log of requests. It refuses
 * to start in production.
 */
export interface PreservationDouble {
  url: string;
  token: string;
  deposits: (SubmissionReport & { key: string; pkg: SubmissionPackage })[];
  requests: { key: string | null; status: number }[];
  setDown(status: 503 | 500 | null): void;
  close(): Promise<void>;
}

function checkPackage(pkg: unknown): string | null {
  if (typeof pkg !== "object" || pkg === null) return "Il corpo deve essere un oggetto JSON.";
  const p = pkg as Partial<SubmissionPackage>;
  if (typeof p.indice !== "string" || !p.indice) return "Manca l'indice del pacchetto (indice).";
  if (!Array.isArray(p.file) || p.file.length === 0) return "Il pacchetto non contiene file.";
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level: string, message: string) => {
      if (level !== "warning") errors.push(message);
    },
  }).parseFromString(p.indice, "text/xml");
  if (errors.length || !doc.documentElement) return "L'indice non è XML ben formato.";
  const root = doc.documentElement;
  if (root.localName !== "IdC" || root.namespaceURI !== SINCRO_NS)
    return "L'indice non è un IdC UNI SInCRO (sincro:IdC).";
  const need = (name: string) => root.getElementsByTagNameNS(SINCRO_NS, name).length > 0;
  for (const name of ["SelfDescription", "PVolume", "FileGroup", "Process"]) {
    if (!need(name)) return `L'indice non ha l'elemento sincro:${name}.`;
  }
  const byName = new Map(p.file.map((f) => [f?.nome, f]));
  const listed = Array.from(root.getElementsByTagNameNS(SINCRO_NS, "File"));
  if (listed.length !== p.file.length) return "L'indice e i file del pacchetto non corrispondono.";
  for (const el of listed) {
    const path = el.getElementsByTagNameNS(SINCRO_NS, "Path")[0]?.textContent ?? "";
    const hash = el.getElementsByTagNameNS(SINCRO_NS, "Hash")[0];
    const file = byName.get(path);
    if (!file || typeof file.contenuto !== "string") return `Il file «${path}» dell'indice manca.`;
    if (hash?.getAttributeNS(SINCRO_NS, "function") !== "SHA-256")
      return `Il file «${path}» non ha un'impronta SHA-256.`;
    const actual = createHash("sha256").update(Buffer.from(file.contenuto, "base64")).digest("base64");
    if (actual !== (hash.textContent ?? "").trim())
      return `L'impronta del file «${path}» non corrisponde al contenuto.`;
  }
  return null;
}

export async function startPreservationDouble(
  opts: { token?: string; now?: () => Date; nodeEnv?: string } = {},
): Promise<PreservationDouble> {
  if ((opts.nodeEnv ?? process.env.NODE_ENV) === "production") {
    throw new Error(
      "Il doppio del servizio di conservazione è solo per sviluppo e test: non si avvia con NODE_ENV=production.",
    );
  }
  const token = opts.token ?? "sviluppo";
  const now = opts.now ?? (() => new Date());
  const deposits: PreservationDouble["deposits"] = [];
  const requests: PreservationDouble["requests"] = [];
  let down: number | null = null;

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const key = (req.headers["idempotency-key"] as string | undefined) ?? null;
    const send = (status: number, body: unknown) => {
      requests.push({ key, status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/versamenti")
      return send(404, { codice: "NON_TROVATO", messaggio: "Risorsa inesistente." });
    if (req.headers.authorization !== `Bearer ${token}`)
      return send(401, { codice: "NON_AUTORIZZATO", messaggio: "Token mancante o errato." });
    if (down) return send(down, { codice: "NON_DISPONIBILE", messaggio: "Servizio non disponibile." });
    if (!key || !/^[\x21-\x7e]{8,200}$/.test(key))
      return send(400, { codice: "CHIAVE_MANCANTE", messaggio: "Manca l'intestazione Idempotency-Key." });
    const seen = deposits.find((d) => d.key === key);
    if (seen) {
      const { key: _k, pkg: _p, ...report } = seen;
      return send(200, report);
    }
    let pkg: unknown;
    try {
      pkg = JSON.parse(raw.toString("utf8"));
    } catch {
      return send(400, { codice: "PACCHETTO_NON_VALIDO", messaggio: "Il corpo non è JSON valido." });
    }
    const problem = checkPackage(pkg);
    if (problem) return send(400, { codice: "PACCHETTO_NON_VALIDO", messaggio: problem });
    const id = `RdV-${randomUUID()}`;
    const at = now().toISOString();
    const impronta = createHash("sha256").update(raw).digest("base64");
    const rapporto =
      `<?xml version="1.0" encoding="UTF-8"?><RapportoDiVersamento><ID>${id}</ID>` +
      `<RiferimentoTemporale>${at}</RiferimentoTemporale>` +
      `<ImprontaPacchetto algoritmo="SHA-256">${impronta}</ImprontaPacchetto>` +
      `<Esito>POSITIVO</Esito></RapportoDiVersamento>`;
    const report: SubmissionReport = { id, esito: "POSITIVO", rapportoDiVersamento: rapporto, data: at };
    deposits.push({ ...report, key, pkg: pkg as SubmissionPackage });
    send(201, report);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    deposits,
    requests,
    setDown(status) {
      down = status;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
