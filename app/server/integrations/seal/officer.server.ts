import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Env } from "../../env.server";
import { DEV_SEAL_PASSWORD, developmentPki, issueDevelopmentPerson } from "./development.server";
import { Pkcs12Sealer, readPkcs12, writePkcs12 } from "./p12.server";
import type { Sealer } from "./port.server";

/**
 * The officer's signature on a decision (provvedimento), applied before the SUAP's seal (which then goes in an
 * incremental update, so both stay valid). Same `Sealer` port; the development adapter signs with the demo
 * officer's test certificate (Luca Bianchi, operatore@demo.test) under the development CA. In production no
 * adapter is wired yet (a remote signature service per officer is the next adapter): decisions carry the seal.
 */
export const DEMO_OFFICER = { name: "Luca Bianchi", fiscalCode: "BNCLCU75C10G702Z" };

export async function loadOfficerSigner(env: Env): Promise<Sealer | undefined> {
  if (env.isProduction) return undefined;
  const pki = await developmentPki(env.DATA_DIR);
  const file = path.join(pki.dir, "funzionario-demo.p12");
  if (!existsSync(file)) {
    const cert = await issueDevelopmentPerson(pki, DEMO_OFFICER);
    await writeFile(file, writePkcs12(cert.keyPem, [cert.pem, pki.ca.pem], DEV_SEAL_PASSWORD), {
      mode: 0o600,
    });
  }
  const signer = readPkcs12(new Uint8Array(await readFile(file)), DEV_SEAL_PASSWORD);
  return new Pkcs12Sealer(signer, { development: true, tsaUrl: env.TSA_URL });
}
