import { readFile } from "node:fs/promises";
import { ConfigError, type Env } from "../../env.server";
import { CscSealer } from "./csc.server";
import { developmentPki } from "./development.server";
import { Pkcs12Sealer, readPkcs12 } from "./p12.server";
import type { Sealer } from "./port.server";

/**
 * Picks the seal adapter from the configuration: SEAL_PROVIDER=csc is a remote qualified-seal service over
 * the CSC API v2 (csc.server.ts, ADR 0024); otherwise SEAL_P12 (+ SEAL_P12_PASSWORD) is the SUAP's seal
 * certificate; without it, outside production, the generated development seal (NOT qualified). Reading the
 * PKCS#12 here, at boot, means a wrong path or password stops the boot with one sentence.
 */
export async function loadSealer(env: Env): Promise<Sealer> {
  if (env.SEAL_PROVIDER === "csc") {
    // Validated by parseEnv (all four present, https in production). Nothing is asked of the service at
    // boot: the credential is read by the first seal, from the queue, where a failure is retried.
    return new CscSealer({
      url: env.CSC_URL!,
      clientId: env.CSC_CLIENT_ID!,
      clientSecret: env.CSC_CLIENT_SECRET!,
      credentialId: env.CSC_CREDENTIAL_ID!,
      pin: env.CSC_PIN,
      otp: env.CSC_OTP,
      tsaUrl: env.TSA_URL,
    });
  }
  if (env.SEAL_P12) {
    let bytes: Buffer;
    try {
      bytes = await readFile(env.SEAL_P12);
    } catch {
      throw new ConfigError(
        `Configurazione non valida: SEAL_P12 indica un file che non si legge (${env.SEAL_P12}). Correggi il percorso e riavvia.`,
      );
    }
    try {
      const signer = readPkcs12(new Uint8Array(bytes), env.SEAL_P12_PASSWORD ?? "");
      return new Pkcs12Sealer(signer, { tsaUrl: env.TSA_URL, development: false });
    } catch (error) {
      throw new ConfigError(
        `Configurazione non valida: SEAL_P12 ${(error as Error).message}. Controlla SEAL_P12_PASSWORD e riavvia.`,
      );
    }
  }
  if (env.isProduction) {
    throw new ConfigError(
      "Configurazione non valida: SEAL_P12 è obbligatoria in produzione (il certificato di sigillo del SUAP in formato PKCS#12, con SEAL_P12_PASSWORD), oppure SEAL_PROVIDER=csc con un servizio di sigillo remoto.",
    );
  }
  const pki = await developmentPki(env.DATA_DIR);
  const signer = readPkcs12(new Uint8Array(await readFile(pki.sealP12Path)), pki.sealPassword);
  return new Pkcs12Sealer(signer, { tsaUrl: env.TSA_URL, development: true });
}
