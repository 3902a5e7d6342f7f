import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConfigError, type Env } from "../../env.server";
import { developmentPki } from "../seal/development.server";
import type { SignatureVerifier } from "./port.server";
import { emptyTrustStore, loadTrustStore, UnsignedTrustedList } from "./trust.server";
import { LocalSignatureVerifier } from "./verify.server";

/**
 * The verifier from the configuration: trust anchors from TRUST_ANCHORS (file or folder: certificates, CRLs,
 * ETSI trusted lists); outside production the development CA in DATA_DIR is trusted too, so the demo
 * people's test signatures verify. In production TRUST_ANCHORS is required.
 */
export async function loadVerifier(env: Env): Promise<SignatureVerifier> {
  let tlSigners: string[] | undefined;
  if (env.TRUSTED_LIST_SIGNER) {
    try {
      const text = await readFile(env.TRUSTED_LIST_SIGNER, "utf8");
      tlSigners = [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map(
        (m) => m[0],
      );
      for (const pem of tlSigners) new X509Certificate(pem);
    } catch {
      tlSigners = [];
    }
    if (!tlSigners.length)
      throw new ConfigError(
        `Configurazione non valida: TRUSTED_LIST_SIGNER deve indicare un file PEM con il certificato del gestore della lista di fiducia (${env.TRUSTED_LIST_SIGNER}). Correggi il percorso e riavvia.`,
      );
  }
  const store = emptyTrustStore(tlSigners, {
    unsignedLists: env.isProduction ? "stop" : env.TRUSTED_LIST_UNSIGNED === "1" ? "read" : "refuse",
  });
  if (env.TRUST_ANCHORS) {
    try {
      await loadTrustStore(env.TRUST_ANCHORS, store);
    } catch (error) {
      if (error instanceof UnsignedTrustedList)
        throw new ConfigError(`Configurazione non valida: ${error.message} e riavvia.`);
      throw new ConfigError(
        `Configurazione non valida: ${(error as Error).message}. Correggi TRUST_ANCHORS e riavvia.`,
      );
    }
  } else if (env.isProduction) {
    throw new ConfigError(
      "Configurazione non valida: TRUST_ANCHORS è obbligatoria in produzione (cartella con i certificati delle CA qualificate o la lista di fiducia AgID).",
    );
  }
  if (!env.isProduction) {
    const pki = await developmentPki(env.DATA_DIR);
    await loadTrustStore(pki.caPath, store);
    await loadTrustStore(pki.crlPath, store);
  }
  for (const sentence of [...(store.refused ?? []), ...(store.warnings ?? [])]) console.warn(sentence);
  return new LocalSignatureVerifier(store);
}
