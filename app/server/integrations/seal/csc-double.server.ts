import {
  constants,
  createPublicKey,
  type KeyObject,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
} from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { OID_RSA, OID_SHA256, OID_SHA256_RSA } from "./csc.server";

/**
 * Development double of a remote qualified-seal service speaking the Cloud Signature Consortium API v2 on
 * loopback (the subset in docs/integrations/sigillo-csc.md): `info`, `oauth2/token` (client credentials),
 * `credentials/list`, `credentials/info`, `credentials/authorize` (SAD, PIN when the credential has one, bound
 * to the hashes for SCAL2) and `signatures/signHash`. It really signs (RSA PKCS#1 v1.5 over the DigestInfo of
 * the hash it is given) with the key it is handed and checks the protocol: the bearer token, the credential
 * id, the hash length for the hash algorithm, the signature algorithm against the key's, and the SAD (known,
 * for this credential and these hashes, not expired, used once). Refuses to start in production.
 */

/** DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from("3031300d060960864801650304020105000420", "hex");

export interface CscDoubleCredential {
  id: string;
  key: KeyObject;
  /** DER: the seal certificate first, then its chain. */
  certificates: Uint8Array[];
  /** A PIN makes the credential "explicit" (authorize needs it); without one it is "implicit". */
  pin?: string;
  /** "2": the SAD is bound to the hashes given to authorize (the default). */
  scal?: "1" | "2";
}

export interface CscDoubleOptions {
  clientId: string;
  clientSecret: string;
  credentials: CscDoubleCredential[];
  port?: number;
  tokenSeconds?: number;
}

interface Sad {
  credentialId: string;
  hashes: Set<string> | null;
  remaining: number;
  expires: number;
}

export async function startCscDouble(options: CscDoubleOptions) {
  if (process.env.NODE_ENV === "production")
    throw new Error("Il servizio CSC di sviluppo non si avvia in produzione: configura CSC_URL.");
  const tokens = new Map<string, number>();
  const sads = new Map<string, Sad>();
  let down: number | null = null;
  let signed = 0;
  const requests: string[] = [];
  let base = "";

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  };
  const invalid = (res: ServerResponse, description: string, error = "invalid_request", status = 400) =>
    send(res, status, { error, error_description: description });

  async function read(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  function credentialOf(res: ServerResponse, id: unknown) {
    const credential = options.credentials.find((c) => c.id === id);
    if (!credential) invalid(res, "Invalid parameter credentialID");
    return credential;
  }

  function hashesOf(res: ServerResponse, body: Record<string, unknown>): Buffer[] | undefined {
    if (body.hashAlgorithmOID !== undefined && body.hashAlgorithmOID !== OID_SHA256) {
      invalid(res, "Invalid parameter hashAlgorithmOID (only SHA-256 is supported)");
      return undefined;
    }
    if (!Array.isArray(body.hashes) || body.hashes.length === 0) {
      invalid(res, "Missing (or invalid type) array parameter hashes");
      return undefined;
    }
    const hashes = body.hashes.map((h) => Buffer.from(String(h), "base64"));
    if (hashes.some((h) => h.length !== 32)) {
      invalid(res, "Invalid Base64 hash string parameter: a SHA-256 hash is 32 bytes");
      return undefined;
    }
    return hashes;
  }

  const server: Server = createServer(async (req, res) => {
    const text = await read(req);
    const path = (req.url ?? "").split("?")[0]!;
    requests.push(path);
    if (down !== null) {
      invalid(res, "Servizio temporaneamente non disponibile", "temporarily_unavailable", down);
      return;
    }
    try {
      if (path === "/csc/v2/info") {
        send(res, 200, {
          specs: "2.0.0.2",
          name: "Servizio di sigillo di sviluppo (CSC v2)",
          logo: `${base}/logo.png`,
          region: "IT",
          lang: "it-IT",
          description: "Doppio di sviluppo: NON è un servizio qualificato",
          authType: ["oauth2client"],
          oauth2: base,
          methods: ["credentials/list", "credentials/info", "credentials/authorize", "signatures/signHash"],
        });
        return;
      }
      if (path === "/oauth2/token") {
        if (
          req.method !== "POST" ||
          !String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")
        ) {
          invalid(res, "The token request must be a form POST");
          return;
        }
        const form = new URLSearchParams(text);
        if (form.get("grant_type") !== "client_credentials") {
          invalid(res, "Only grant_type=client_credentials is supported", "unsupported_grant_type");
          return;
        }
        let id = form.get("client_id");
        let secret = form.get("client_secret");
        const basic = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ""));
        if (basic) [id, secret] = Buffer.from(basic[1]!, "base64").toString().split(":") as [string, string];
        if (id !== options.clientId || secret !== options.clientSecret) {
          invalid(res, "Invalid client credentials", "invalid_client", 401);
          return;
        }
        const token = randomBytes(24).toString("base64url");
        const seconds = options.tokenSeconds ?? 3600;
        tokens.set(token, Date.now() + seconds * 1000);
        send(res, 200, { access_token: token, token_type: "Bearer", expires_in: seconds });
        return;
      }
      if (!path.startsWith("/csc/v2/")) {
        send(res, 404, { error: "invalid_request", error_description: "Unknown method" });
        return;
      }
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
      const until = bearer ? tokens.get(bearer) : undefined;
      if (!until || until < Date.now()) {
        invalid(res, "The access token is not valid", "invalid_token", 401);
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text || "{}") as Record<string, unknown>;
      } catch {
        invalid(res, "The request body is not JSON");
        return;
      }
      const method = path.slice("/csc/v2/".length);
      if (method === "credentials/list") {
        send(res, 200, { credentialIDs: options.credentials.map((c) => c.id) });
        return;
      }
      if (method === "credentials/info") {
        const credential = credentialOf(res, body.credentialID);
        if (!credential) return;
        const certificates =
          body.certificates === "none"
            ? []
            : body.certificates === "single"
              ? credential.certificates.slice(0, 1)
              : credential.certificates;
        const bits = createPublicKey(credential.key).asymmetricKeyDetails?.modulusLength;
        send(res, 200, {
          description: "Sigillo di sviluppo",
          signatureQualifier: "eu_eseal_qualified",
          key: { status: "enabled", algo: [OID_SHA256_RSA, OID_RSA], len: bits },
          cert: { status: "valid", certificates: certificates.map((c) => Buffer.from(c).toString("base64")) },
          authMode: credential.pin ? "explicit" : "implicit",
          SCAL: credential.scal ?? "2",
          ...(credential.pin
            ? {
                auth: {
                  mode: "explicit",
                  expression: "PIN",
                  objects: [{ type: "Password", id: "PIN", format: "N", label: "PIN" }],
                },
              }
            : {}),
          multisign: 1,
          lang: "it-IT",
        });
        return;
      }
      if (method === "credentials/authorize") {
        const credential = credentialOf(res, body.credentialID);
        if (!credential) return;
        const count = Number(body.numSignatures);
        if (!Number.isInteger(count) || count < 1) {
          invalid(res, "Missing (or invalid type) integer parameter numSignatures");
          return;
        }
        let hashes: Buffer[] | null = null;
        if ((credential.scal ?? "2") === "2") {
          const given = hashesOf(res, body);
          if (!given) return;
          if (given.length !== count) {
            invalid(res, "Numbers of hashes and numSignatures do not match");
            return;
          }
          hashes = given;
        }
        if (credential.pin) {
          const data = Array.isArray(body.authData)
            ? (body.authData as { id?: string; value?: string }[])
            : [];
          const pin = data.find((d) => d.id === "PIN")?.value;
          if (pin !== credential.pin) {
            invalid(res, pin === undefined ? "Missing PIN" : "Invalid PIN", "invalid_pin");
            return;
          }
        }
        const sad = randomBytes(24).toString("base64url");
        sads.set(sad, {
          credentialId: credential.id,
          hashes: hashes ? new Set(hashes.map((h) => h.toString("base64"))) : null,
          remaining: count,
          expires: Date.now() + 300_000,
        });
        send(res, 200, { SAD: sad, expiresIn: 300 });
        return;
      }
      if (method === "signatures/signHash") {
        const credential = credentialOf(res, body.credentialID);
        if (!credential) return;
        const hashes = hashesOf(res, body);
        if (!hashes) return;
        if (body.signAlgo !== OID_SHA256_RSA && body.signAlgo !== OID_RSA) {
          invalid(res, "Invalid parameter signAlgo (the key is RSA: 1.2.840.113549.1.1.11)");
          return;
        }
        if (body.signAlgo === OID_RSA && body.hashAlgorithmOID !== OID_SHA256) {
          invalid(res, "Missing parameter hashAlgorithmOID (required with signAlgo rsaEncryption)");
          return;
        }
        const sad = typeof body.SAD === "string" ? sads.get(body.SAD) : undefined;
        if (!sad || sad.expires < Date.now() || sad.credentialId !== credential.id) {
          invalid(res, "Invalid parameter SAD", "invalid_request");
          return;
        }
        if (sad.hashes && hashes.some((h) => !sad.hashes!.has(h.toString("base64")))) {
          invalid(res, "The hashes are not those the SAD was issued for");
          return;
        }
        if (hashes.length > sad.remaining) {
          invalid(res, "The SAD does not authorise that many signatures");
          return;
        }
        sad.remaining -= hashes.length;
        if (sad.remaining === 0) sads.delete(body.SAD as string);
        const signatures = hashes.map((h) => {
          const signature = privateEncrypt(
            { key: credential.key, padding: constants.RSA_PKCS1_PADDING },
            Buffer.concat([SHA256_DIGEST_INFO, h]),
          );
          // A signature the certificate's key does not verify is never sent.
          const back = publicDecrypt(
            { key: createPublicKey(credential.key), padding: constants.RSA_PKCS1_PADDING },
            signature,
          );
          if (!back.equals(Buffer.concat([SHA256_DIGEST_INFO, h]))) throw new Error("self-check failed");
          return signature.toString("base64");
        });
        signed += signatures.length;
        send(res, 200, { signatures });
        return;
      }
      send(res, 404, { error: "invalid_request", error_description: `Unknown method ${method}` });
    } catch (error) {
      send(res, 500, { error: "server_error", error_description: (error as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    /** Answers every request with this HTTP status (e.g. 503) until called with null. */
    setDown: (status: number | null) => {
      down = status;
    },
    /** How many hashes it signed. */
    signed: () => signed,
    /** The paths asked, in order (tests check the protocol's sequence). */
    requests: () => [...requests],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
