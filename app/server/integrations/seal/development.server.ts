import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createCrl, type Issued, issueCertificate, KeyUsage, loadIssued } from "../signature/pki.server";
import { writePkcs12 } from "./p12.server";

/**
 * The development PKI, generated once into DATA_DIR/signatures: a development CA (trusted only outside
 * production), its CRL (renewed at every boot) and the SUAP's seal certificate, marked NOT qualified in its
 * name and without the QcCompliance statement. Refuses to run in production.
 */
export const DEV_SEAL_PASSWORD = "sviluppo";
export const DEV_CA_SUBJECT =
  "CN=SUAP Sviluppo CA - NON qualificata,O=SUAP Alta Val di Cecina (sviluppo),C=IT";
const SEAL_SUBJECT =
  "CN=SUAP Alta Val di Cecina - sigillo di sviluppo NON qualificato,O=SUAP Alta Val di Cecina,2.5.4.97=VATIT-00000000000,C=IT";

export interface DevelopmentPki {
  dir: string;
  ca: Issued;
  caPath: string;
  crlPath: string;
  sealP12Path: string;
  sealPassword: string;
}

export function developmentDir(dataDir: string) {
  return path.resolve(dataDir, "signatures");
}

export async function developmentPki(dataDir: string): Promise<DevelopmentPki> {
  if (process.env.NODE_ENV === "production") {
    throw new Error("La CA di sviluppo non si usa in produzione: configura SEAL_P12 e TRUST_ANCHORS.");
  }
  const dir = developmentDir(dataDir);
  await mkdir(dir, { recursive: true });
  const caPath = path.join(dir, "dev-ca.pem");
  const caKeyPath = path.join(dir, "dev-ca.key.pem");
  const crlPath = path.join(dir, "dev-ca.crl.pem");
  const sealP12Path = path.join(dir, "sigillo-sviluppo.p12");
  let ca: Issued;
  if (existsSync(caPath) && existsSync(caKeyPath)) {
    ca = await loadIssued(await readFile(caPath, "utf8"), await readFile(caKeyPath, "utf8"));
  } else {
    ca = await issueCertificate({
      subject: DEV_CA_SUBJECT,
      ca: true,
      notBefore: new Date(Date.now() - 24 * 3600_000),
      notAfter: new Date(Date.now() + 10 * 365 * 24 * 3600_000),
    });
    await writeFile(caKeyPath, ca.keyPem, { mode: 0o600 });
    await writeFile(caPath, ca.pem);
  }
  const revokedPath = path.join(dir, "revocati.json");
  const revoked = existsSync(revokedPath)
    ? (JSON.parse(await readFile(revokedPath, "utf8")) as { serialNumber: string; revokedAt: string }[])
    : [];
  const crl = await createCrl(
    ca,
    revoked.map((r) => ({ serialNumber: r.serialNumber, revokedAt: new Date(r.revokedAt) })),
    { nextUpdate: new Date(Date.now() + 30 * 24 * 3600_000) },
  );
  await writeFile(crlPath, crl.pem);
  if (!existsSync(sealP12Path)) {
    const seal = await issueCertificate({
      subject: SEAL_SUBJECT,
      issuer: ca,
      keyUsage: KeyUsage.nonRepudiation | KeyUsage.digitalSignature,
      notAfter: new Date(Date.now() + 5 * 365 * 24 * 3600_000),
    });
    await writeFile(sealP12Path, writePkcs12(seal.keyPem, [seal.pem, ca.pem], DEV_SEAL_PASSWORD), {
      mode: 0o600,
    });
  }
  return { dir, ca, caPath, crlPath, sealP12Path, sealPassword: DEV_SEAL_PASSWORD };
}

/** A person's test signing certificate under the development CA (the demo people; the demo officer). */
export async function issueDevelopmentPerson(
  pki: DevelopmentPki,
  person: { name: string; fiscalCode: string },
) {
  return issueCertificate({
    subject: `CN=${person.name},2.5.4.5=TINIT-${person.fiscalCode},C=IT`,
    issuer: pki.ca,
    keyUsage: KeyUsage.nonRepudiation,
  });
}
