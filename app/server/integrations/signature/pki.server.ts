import { type KeyObject, createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

/**
 * A small certificate factory (@peculiar/x509 over Node's WebCrypto) for the development CA, the demo people's
 * test certificates and the tests' corpus. Never used for production keys: those come from SEAL_P12.
 */
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};

export interface Issued {
  der: Uint8Array;
  pem: string;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  key: KeyObject;
  keyPem: string;
}

export interface CertificateRequest {
  /** e.g. `CN=Mario Rossi,2.5.4.5=TINIT-RSSMRA80A01H501U,C=IT` (2.5.4.5 is serialNumber). */
  subject: string;
  issuer?: Issued;
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Key usage flags; end-entity signing certificates get nonRepudiation by default. */
  keyUsage?: number;
  extendedKeyUsage?: string[];
  crlUrl?: string;
  ocspUrl?: string;
  /** Marks the certificate qualified (QcStatements with QcCompliance), for tests of the "qualified" label. */
  qualified?: boolean;
  serialNumber?: string;
}

export const KeyUsage = x509.KeyUsageFlags;

async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<Issued> {
  const pkcs8 = new Uint8Array(
    await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as webcrypto.CryptoKey),
  );
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  return {
    der: new Uint8Array(cert.rawData),
    pem: cert.toString("pem"),
    cert,
    keys,
    key,
    keyPem: key.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

export async function issueCertificate(req: CertificateRequest): Promise<Issued> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const notBefore = req.notBefore ?? new Date(Date.now() - 24 * 3600_000);
  const notAfter = req.notAfter ?? new Date(Date.now() + 3 * 365 * 24 * 3600_000);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(!!req.ca, undefined, true),
    new x509.KeyUsagesExtension(
      req.keyUsage ?? (req.ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.nonRepudiation),
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (req.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(req.issuer.cert));
  if (req.extendedKeyUsage) extensions.push(new x509.ExtendedKeyUsageExtension(req.extendedKeyUsage, true));
  if (req.crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([req.crlUrl]));
  if (req.ocspUrl) extensions.push(new x509.AuthorityInfoAccessExtension({ ocsp: [req.ocspUrl] }));
  if (req.qualified) {
    // QcStatements: SEQUENCE { SEQUENCE { OID 0.4.0.1862.1.1 (QcCompliance) } }
    const qc = Buffer.from("300a3008060604008e460101", "hex");
    extensions.push(new x509.Extension("1.3.6.1.5.5.7.1.3", false, qc));
  }
  const serialNumber = req.serialNumber ?? `01${randomBytes(8).toString("hex")}`;
  const cert = req.issuer
    ? await x509.X509CertificateGenerator.create({
        serialNumber,
        subject: req.subject,
        issuer: req.issuer.cert.subject,
        notBefore,
        notAfter,
        signingKey: req.issuer.keys.privateKey,
        publicKey: keys.publicKey,
        signingAlgorithm: ALG,
        extensions,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber,
        name: req.subject,
        notBefore,
        notAfter,
        keys,
        signingAlgorithm: ALG,
        extensions,
      });
  return finish(cert, keys);
}

export async function createCrl(
  issuer: Issued,
  revoked: { serialNumber: string; revokedAt: Date }[],
  options: { thisUpdate?: Date; nextUpdate?: Date } = {},
): Promise<{ der: Uint8Array; pem: string }> {
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.cert.subject,
    thisUpdate: options.thisUpdate ?? new Date(Date.now() - 3600_000),
    nextUpdate: options.nextUpdate ?? new Date(Date.now() + 7 * 24 * 3600_000),
    // A reason code on every entry: an entry with an empty extensions list is not read by pkijs.
    entries: revoked.map((r) => ({
      serialNumber: r.serialNumber,
      revocationDate: r.revokedAt,
      reason: x509.X509CrlReason.keyCompromise,
    })),
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: ALG,
  });
  return { der: new Uint8Array(crl.rawData), pem: crl.toString("pem") };
}

/** An Issued from PEM files (the development CA kept in DATA_DIR). */
export async function loadIssued(certPem: string, keyPem: string): Promise<Issued> {
  const cert = new x509.X509Certificate(certPem);
  const key = createPrivateKey(keyPem);
  const pkcs8 = key.export({ format: "der", type: "pkcs8" });
  const privateKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, ALG, true, ["sign"]);
  const publicKey = await cert.publicKey.export(ALG, ["verify"], webcrypto as unknown as Crypto);
  return {
    der: new Uint8Array(cert.rawData),
    pem: cert.toString("pem"),
    cert,
    keys: { privateKey, publicKey } as CryptoKeyPair,
    key,
    keyPem,
  };
}
