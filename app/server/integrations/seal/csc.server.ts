import { X509Certificate } from "node:crypto";
import type { RemoteCmsSigner } from "../signature/cms-sign.server";
import { describeName } from "../signature/cms.server";
import { parseCertificate } from "../signature/trust.server";
import { isQualified } from "./p12.server";
import { signPdf } from "./pades.server";
import type { DeferredSeal, SealInfo, Sealer } from "./port.server";
import { tsaClient } from "./tsa.server";

/**
 * The remote qualified seal: a Cloud Signature Consortium API v2 service (CSC "Architectures and protocols
 * for remote signature applications", v2.0; the interface we implement is written down in
 * docs/integrations/sigillo-csc.md). The service holds the SUAP's seal key; we keep the PAdES assembly: the
 * PDF is prepared here, the SHA-256 of the CAdES signed attributes goes to `signatures/signHash`, and the
 * returned signature value is put in the CMS with the certificate chain read from `credentials/info`.
 *
 * Flow of one seal (ADR 0024): `info` (where the OAuth2 server is) → `oauth2/token` (client credentials,
 * cached until it expires) → `credentials/list` (the configured credential exists) and `credentials/info`
 * (key algorithms, chain, how the credential is authorised; cached) → `credentials/authorize` with the hash
 * (SCAL2 binds the SAD to it) and the PIN/OTP if the credential asks for them → `signatures/signHash` with
 * the SAD. Everything runs after COMMIT from the seal queue (`deferred = "seal"`): the document is issued
 * unsealed and marked pending, and only a seal that came back is ever recorded as applied.
 */

export const OID_SHA256 = "2.16.840.1.101.3.4.2.1";
export const OID_SHA256_RSA = "1.2.840.113549.1.1.11";
export const OID_RSA = "1.2.840.113549.1.1.1";
export const OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2";
export const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";

export interface CscSettings {
  url: string;
  clientId: string;
  clientSecret: string;
  credentialId: string;
  pin?: string;
  otp?: string;
  tsaUrl?: string;
  timeoutMs?: number;
}

/** A failure of the CSC service, one Italian sentence; `httpStatus` is recorded on the queued call. */
export class CscError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = "CscError";
  }
}

export interface CscCredentialInfo {
  key: { status: string; algo: string[]; len?: number; curve?: string };
  cert: { status?: string; certificates: string[]; subjectDN?: string; issuerDN?: string };
  authMode: "implicit" | "explicit" | "oauth2code";
  SCAL?: "1" | "2";
  auth?: { mode?: string; objects?: { type: string; id: string; format?: string; label?: string }[] };
}

export class CscClient {
  private token?: { value: string; expires: number };
  private oauth2?: string;

  constructor(private settings: CscSettings) {}

  private get base() {
    return this.settings.url.replace(/\/+$/, "");
  }

  private async call(url: string, init: RequestInit, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 15_000),
      });
    } catch (error) {
      const e = error as Error;
      if (e.name === "TimeoutError" || e.name === "AbortError") throw e;
      throw new CscError(
        `Servizio di sigillo remoto (CSC) non raggiungibile a ${url} (${what}): ${(e.cause as Error)?.message ?? e.message}.`,
      );
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      if (response.ok)
        throw new CscError(
          `Il servizio CSC ha risposto a ${what} con un testo che non è JSON.`,
          response.status,
        );
    }
    if (!response.ok) {
      const code = typeof body.error === "string" ? body.error : undefined;
      const description = typeof body.error_description === "string" ? body.error_description : "";
      throw new CscError(
        `${this.explain(what, code)} (${what}: HTTP ${response.status}${code ? `, ${code}` : ""}${description ? `: ${description}` : ""}).`,
        response.status,
        code,
      );
    }
    return body;
  }

  private explain(what: string, code?: string) {
    if (what === "oauth2/token" && (code === "invalid_client" || code === "unauthorized_client"))
      return "Il servizio di sigillo remoto ha rifiutato CSC_CLIENT_ID o CSC_CLIENT_SECRET";
    if (code === "invalid_request" && /credential/i.test(what))
      return `Il servizio di sigillo remoto non accetta la credenziale «${this.settings.credentialId}» (CSC_CREDENTIAL_ID)`;
    if (what === "credentials/authorize")
      return "Il servizio di sigillo remoto non ha autorizzato la credenziale (controlla CSC_PIN / CSC_OTP)";
    return "Il servizio di sigillo remoto (CSC) ha rifiutato la richiesta";
  }

  private json(body: unknown, token?: string) {
    return {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    } satisfies RequestInit & { method: string };
  }

  /** `info`: the service's description; `oauth2` is where its authorization server lives. */
  async info(): Promise<{ specs?: string; authType?: string[]; oauth2?: string; methods?: string[] }> {
    const info = (await this.call(`${this.base}/csc/v2/info`, this.json({}), "info")) as {
      specs?: string;
      authType?: string[];
      oauth2?: string;
      methods?: string[];
    };
    if (info.authType && !info.authType.includes("oauth2client"))
      throw new CscError(
        `Il servizio CSC a ${this.base} non offre l'accesso oauth2client (client credentials) che il sigillo richiede (authType: ${info.authType.join(", ")}).`,
      );
    return info;
  }

  /** An access token by the OAuth2 client-credentials grant, reused until a minute before it expires. */
  async accessToken(now = Date.now()): Promise<string> {
    if (this.token && this.token.expires > now + 60_000) return this.token.value;
    this.oauth2 ??= ((await this.info()).oauth2 ?? this.base).replace(/\/+$/, "");
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.settings.clientId,
      client_secret: this.settings.clientSecret,
    });
    const body = (await this.call(
      `${this.oauth2}/oauth2/token`,
      {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      },
      "oauth2/token",
    )) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new CscError("Il servizio CSC non ha restituito un access_token.");
    this.token = { value: body.access_token, expires: now + (body.expires_in ?? 300) * 1000 };
    return body.access_token;
  }

  private async authed(path: string, body: unknown): Promise<Record<string, unknown>> {
    const token = await this.accessToken();
    return (await this.call(`${this.base}/csc/v2/${path}`, this.json(body, token), path)) as Record<
      string,
      unknown
    >;
  }

  async listCredentials(): Promise<string[]> {
    const body = await this.authed("credentials/list", {});
    return Array.isArray(body.credentialIDs) ? (body.credentialIDs as string[]) : [];
  }

  async credentialInfo(): Promise<CscCredentialInfo> {
    return (await this.authed("credentials/info", {
      credentialID: this.settings.credentialId,
      certificates: "chain",
      certInfo: true,
      authInfo: true,
    })) as unknown as CscCredentialInfo;
  }

  /** `credentials/authorize`: the Signature Activation Data for these hashes (PIN/OTP as the credential asks). */
  async authorize(hashes: Uint8Array[], info: CscCredentialInfo): Promise<string> {
    const needed = (info.auth?.objects ?? []).map((o) => ({ type: o.type, id: o.id }));
    const authData: { id: string; value: string }[] = [];
    for (const o of needed) {
      const value = o.type === "OTP" ? this.settings.otp : this.settings.pin;
      if (!value)
        throw new CscError(
          `La credenziale di sigillo «${this.settings.credentialId}» chiede ${o.type === "OTP" ? "un OTP (CSC_OTP)" : "un PIN (CSC_PIN)"}, che non è configurato.`,
        );
      authData.push({ id: o.id, value });
    }
    const body = await this.authed("credentials/authorize", {
      credentialID: this.settings.credentialId,
      numSignatures: hashes.length,
      hashes: hashes.map((h) => Buffer.from(h).toString("base64")),
      hashAlgorithmOID: OID_SHA256,
      ...(authData.length ? { authData } : {}),
    });
    if (typeof body.SAD !== "string") throw new CscError("Il servizio CSC non ha restituito la SAD.");
    return body.SAD;
  }

  async signHash(hashes: Uint8Array[], sad: string, signAlgo: string): Promise<Uint8Array[]> {
    const body = await this.authed("signatures/signHash", {
      credentialID: this.settings.credentialId,
      SAD: sad,
      hashes: hashes.map((h) => Buffer.from(h).toString("base64")),
      hashAlgorithmOID: OID_SHA256,
      signAlgo,
      operationMode: "S",
    });
    const signatures = body.signatures;
    if (!Array.isArray(signatures) || signatures.length !== hashes.length)
      throw new CscError("Il servizio CSC non ha restituito una firma per ogni impronta inviata.");
    return signatures.map((s) => new Uint8Array(Buffer.from(String(s), "base64")));
  }
}

/** The seal credential as we use it: checked once (exists, enabled, valid, unattended), then cached. */
interface Credential {
  signer: RemoteCmsSigner;
  info: SealInfo;
}

/**
 * The seal port over a CSC v2 service. `deferred = "seal"`: nothing happens inside the issuing transaction
 * (the file is issued as rendered, `seal_status = pending`); `complete` seals it from the queue.
 */
export class CscSealer implements Sealer {
  readonly deferred: DeferredSeal = "seal";
  private client: CscClient;
  private credential?: Credential;
  private timestamp?: (signature: Uint8Array) => Promise<Uint8Array>;
  private described: SealInfo;

  constructor(private settings: CscSettings) {
    this.client = new CscClient(settings);
    this.timestamp = settings.tsaUrl ? tsaClient(settings.tsaUrl) : undefined;
    this.described = {
      subject: `sigillo remoto, credenziale ${settings.credentialId}`,
      issuer: "",
      qualified: false,
      notAfter: "",
      timestamped: !!settings.tsaUrl,
      development: false,
      service: `remote:${settings.url}`,
    };
  }

  /** Until the credential was read this describes the configuration; afterwards the seal certificate. */
  get info(): SealInfo {
    return this.credential?.info ?? this.described;
  }

  /** Reads and checks the credential (also usable at boot to fail early; the queue calls it on demand). */
  async load(): Promise<Credential> {
    if (this.credential) return this.credential;
    const ids = await this.client.listCredentials();
    if (!ids.includes(this.settings.credentialId))
      throw new CscError(
        `La credenziale «${this.settings.credentialId}» (CSC_CREDENTIAL_ID) non è tra quelle del servizio di sigillo remoto${ids.length ? ` (disponibili: ${ids.join(", ")})` : ""}.`,
      );
    const info = await this.client.credentialInfo();
    if (info.key?.status !== "enabled")
      throw new CscError(`La chiave della credenziale «${this.settings.credentialId}» non è abilitata.`);
    if (info.cert?.status && info.cert.status !== "valid")
      throw new CscError(
        `Il certificato della credenziale «${this.settings.credentialId}» non è valido (${info.cert.status}).`,
      );
    if (info.authMode === "oauth2code")
      throw new CscError(
        `La credenziale «${this.settings.credentialId}» si autorizza solo con l'intervento di una persona (authMode oauth2code): per un sigillo serve una credenziale implicit o explicit (PIN/OTP).`,
      );
    const certs = (info.cert?.certificates ?? []).map((b64) => new Uint8Array(Buffer.from(b64, "base64")));
    if (!certs.length)
      throw new CscError(`Il servizio CSC non ha restituito il certificato della credenziale.`);
    const [leaf, ...rest] = certs as [Uint8Array, ...Uint8Array[]];
    const x509 = new X509Certificate(leaf);
    const keyType = x509.publicKey.asymmetricKeyType === "ec" ? "ec" : "rsa";
    const signAlgo = keyType === "ec" ? OID_ECDSA_SHA256 : OID_SHA256_RSA;
    const accepted = info.key.algo ?? [];
    const usable =
      accepted.includes(signAlgo) ||
      (keyType === "rsa" ? accepted.includes(OID_RSA) : accepted.includes(OID_EC_PUBLIC_KEY));
    if (!usable)
      throw new CscError(
        `La chiave della credenziale «${this.settings.credentialId}» non firma con SHA-256 (algoritmi: ${accepted.join(", ")}).`,
      );
    const algo = accepted.includes(signAlgo) ? signAlgo : keyType === "rsa" ? OID_RSA : OID_EC_PUBLIC_KEY;
    // The chain carried in the CMS: the intermediates, not a self-signed root.
    const chain = rest.filter((der) => {
      const c = new X509Certificate(der);
      return c.subject !== c.issuer;
    });
    const cert = parseCertificate(leaf);
    const signer: RemoteCmsSigner = {
      certificate: leaf,
      chain,
      keyType,
      signDigest: async (hash) => {
        const sad = await this.client.authorize([hash], info);
        const [signature] = await this.client.signHash([hash], sad, algo);
        return signature!;
      },
    };
    this.credential = {
      signer,
      info: {
        subject: describeName(cert.subject),
        issuer: describeName(cert.issuer),
        qualified: isQualified(cert),
        notAfter: new Date(x509.validTo).toISOString(),
        timestamped: !!this.settings.tsaUrl,
        development: false,
        service: `remote:${this.settings.url}`,
      },
    };
    return this.credential;
  }

  async seal(pdf: Uint8Array, meta: { reason: string }): Promise<Uint8Array> {
    const { signer, info } = await this.load();
    return signPdf(pdf, signer, {
      reason: meta.reason,
      name: info.subject,
      timestamp: this.timestamp,
      reserve: this.timestamp ? 24_000 : 16_000,
    });
  }

  /** Inside the issuing transaction a remote seal does nothing: the file is issued as rendered, pending. */
  async sealNow(pdf: Uint8Array): Promise<Uint8Array> {
    return pdf;
  }

  complete(pdf: Uint8Array, meta: { reason: string; idempotencyKey: string }): Promise<Uint8Array> {
    return this.seal(pdf, meta);
  }
}
