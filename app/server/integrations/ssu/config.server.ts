import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { Env } from "../../env.server";
import { publicUrl } from "../../public-url.server";
import {
  CATALOGUE_SERVICES,
  type CatalogueService,
  isCatalogueService,
  type SpecService,
  type SsuService,
} from "./openapi.server";

/**
 * The SSU configuration of this portal, from the validated environment: its roles, its key (the one
 * registered at PDND: it signs the client assertions and every Agid-JWT-Signature), its PDND client, PDND's
 * addresses and the purposes it holds per e-service. Without PDND configuration (never in production) the
 * development PDND at `/dev/pdnd` is the authority and a development key is generated once into DATA_DIR.
 */

export type SsuRole = "front_office" | "back_office" | "third_party";

/** Which e-services a role serves (the spec's X_to_Y.yaml is served by X). */
export const SERVED_BY: Record<SsuRole, SsuService[]> = {
  back_office: ["bo_to_fo", "bo_to_et"],
  front_office: ["fo_to_bo"],
  third_party: ["et_to_bo"],
};

export interface SsuKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface SsuConfig {
  enabled: boolean;
  /** true when the development PDND is the authority */
  development: boolean;
  roles: SsuRole[];
  served: SsuService[];
  clientId: string;
  /** The audience base of this portal's e-services: `<audience>/<service>`. */
  audience: string;
  pdnd: {
    tokenUrl: string;
    jwksUrl: string;
    keysUrl: string;
    issuer: string;
    assertionAudience: string;
  };
  /** The purposeId this portal holds to call each e-service. */
  purposes: Partial<Record<SpecService, string>>;
  /**
   * The Catalogo SSU (ADR 0026): the national catalogue's e-service addresses (SSU_CATALOGUE_ENDPOINTS), or,
   * without them, this portal's own development catalogue on its /api/ssu/catalogo_ssu_to_* (never in
   * production). `served` lists the catalogue e-services this portal serves (the development catalogue).
   */
  catalogue: {
    development: boolean;
    endpoints: Partial<Record<CatalogueService, string>>;
    served: CatalogueService[];
  };
  requestMaxBytes: number;
  documentMaxBytes: number;
  catalogueFile: string | null;
  dataDir: string;
  /** As a third party's system: the agency (entity code) this portal answers for (SSU_AGENCY). */
  agency: string | null;
}

export function parseRoles(value: string): SsuRole[] {
  return [...new Set(value.split(",").map((r) => r.trim()))].filter(Boolean) as SsuRole[];
}

export function parsePurposes(value: string | undefined): Partial<Record<SpecService, string>> {
  const out: Partial<Record<SpecService, string>> = {};
  for (const pair of (value ?? "").split(",")) {
    const [k, v] = pair.split("=").map((x) => x.trim());
    if (k && v) out[k as SpecService] = v;
  }
  return out;
}

/** SSU_CATALOGUE_ENDPOINTS: `catalogo_ssu_to_fo=https://…,catalogo_ssu_to_bo=https://…` (no trailing slash). */
export function parseCatalogueEndpoints(
  value: string | undefined,
): Partial<Record<CatalogueService, string>> {
  const out: Partial<Record<CatalogueService, string>> = {};
  for (const pair of (value ?? "").split(",")) {
    const at = pair.indexOf("=");
    const k = pair.slice(0, at).trim();
    const v = pair.slice(at + 1).trim();
    if (at > 0 && isCatalogueService(k) && v) out[k] = v.replace(/\/$/, "");
  }
  return out;
}

/** The purposeId the development PDND registers for a client and an e-service. */
export function devPurposeId(clientId: string, service: SpecService) {
  return `dev-${service}-${clientId}`;
}

export function ssuConfig(env: Env): SsuConfig {
  const development = !env.PDND_TOKEN_URL;
  const base = publicUrl(env).replace(/\/$/, "");
  const roles = parseRoles(env.SSU_ROLES);
  const pdndBase = `${base}/dev/pdnd`;
  const clientId = env.PDND_CLIENT_ID ?? `suap-sviluppo-${env.PORT}`;
  const purposes = parsePurposes(env.SSU_PURPOSES);
  return {
    enabled: !env.isProduction || !development,
    development,
    roles,
    served: roles.flatMap((r) => SERVED_BY[r]),
    clientId,
    audience: (env.SSU_AUDIENCE ?? `${base}/api/ssu`).replace(/\/$/, ""),
    pdnd: {
      tokenUrl: env.PDND_TOKEN_URL ?? `${pdndBase}/token.oauth2`,
      jwksUrl: env.PDND_JWKS_URL ?? `${pdndBase}/.well-known/jwks.json`,
      keysUrl: (env.PDND_KEYS_URL ?? `${pdndBase}/keys`).replace(/\/$/, ""),
      issuer: env.PDND_ISSUER ?? pdndBase,
      assertionAudience:
        env.PDND_ASSERTION_AUDIENCE ??
        (development ? `${pdndBase}/token.oauth2` : "auth.interop.pagopa.it/client-assertion"),
    },
    purposes,
    catalogue: (() => {
      const endpoints = parseCatalogueEndpoints(env.SSU_CATALOGUE_ENDPOINTS);
      const dev = Object.keys(endpoints).length === 0 && !env.isProduction;
      return { development: dev, endpoints, served: dev ? [...CATALOGUE_SERVICES] : [] };
    })(),
    requestMaxBytes: Math.round(env.SSU_REQUEST_MAX_KB * 1024),
    documentMaxBytes: Math.round(env.SSU_DOCUMENT_MAX_MB * 1024 * 1024),
    catalogueFile: env.SSU_CATALOGUE_FILE ?? null,
    dataDir: env.DATA_DIR,
    agency: env.SSU_AGENCY ?? null,
  };
}

/** The purposeId to call `service`: configured, or the development PDND's for this client. */
export function purposeFor(config: SsuConfig, service: SpecService): string | null {
  return config.purposes[service] ?? (config.development ? devPurposeId(config.clientId, service) : null);
}

const keyCache = new Map<string, Promise<SsuKey>>();

/**
 * The portal's signing key: SSU_PRIVATE_KEY_FILE (a private JWK, or PKCS#8 PEM; RSA or P-256) with SSU_KID,
 * read at boot (a bad file stops it with one sentence); else a development P-256 key generated once into
 * DATA_DIR/ssu-dev-key.json, its kid the JWK thumbprint.
 */
export function ssuKey(env: Env): Promise<SsuKey> {
  const id = env.SSU_PRIVATE_KEY_FILE ?? path.resolve(env.DATA_DIR, "ssu-dev-key.json");
  let p = keyCache.get(id);
  if (!p) {
    p = env.SSU_PRIVATE_KEY_FILE ? loadKeyFile(env.SSU_PRIVATE_KEY_FILE, env.SSU_KID) : devKey(id);
    keyCache.set(id, p);
    p.catch(() => keyCache.delete(id));
  }
  return p;
}

async function fromNodeKey(pem: string | Buffer, format: "pem" | "jwk", kidHint?: string): Promise<SsuKey> {
  const key =
    format === "jwk"
      ? createPrivateKey({ key: JSON.parse(String(pem)) as import("node:crypto").JsonWebKey, format: "jwk" })
      : createPrivateKey(pem);
  const type = key.asymmetricKeyType;
  if (type !== "rsa" && type !== "ec") throw new Error("la chiave deve essere RSA o EC P-256");
  const alg = type === "rsa" ? "RS256" : "ES256";
  const privateJwk = key.export({ format: "jwk" }) as JWK;
  const publicJwk = createPublicKey(key).export({ format: "jwk" }) as JWK;
  const kid = kidHint ?? (await calculateJwkThumbprint(publicJwk));
  const privateKey = (await importJWK({ ...privateJwk, alg }, alg)) as CryptoKey;
  return { kid, alg, privateKey, publicJwk: { ...publicJwk, kid, alg, use: "sig" } };
}

async function loadKeyFile(file: string, kid?: string): Promise<SsuKey> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(
      `SSU_PRIVATE_KEY_FILE non è leggibile (${(error as NodeJS.ErrnoException).code ?? "errore"}): indica il file della chiave privata registrata su PDND.`,
    );
  }
  try {
    return await fromNodeKey(text, text.trim().startsWith("{") ? "jwk" : "pem", kid);
  } catch (error) {
    throw new Error(
      `SSU_PRIVATE_KEY_FILE non contiene una chiave privata RSA o EC valida (JWK o PEM PKCS#8): ${(error as Error).message}.`,
    );
  }
}

async function devKey(file: string): Promise<SsuKey> {
  try {
    return await fromNodeKey(readFileSync(file, "utf8"), "jwk");
  } catch {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const jwk = await exportJWK(privateKey);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
    return fromNodeKey(JSON.stringify(jwk), "jwk");
  }
}
