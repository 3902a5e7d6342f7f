import { createPrivateKey } from "node:crypto";
import forge from "node-forge";
import type * as pkijs from "pkijs";
import type { CmsSigner } from "../signature/cms-sign.server";
import { OID, describeName, sameCert } from "../signature/cms.server";
import { parseCertificate } from "../signature/trust.server";
import { addSignatureTimestamp, signPdf } from "./pades.server";
import type { DeferredSeal, SealInfo, Sealer } from "./port.server";
import { tsaClient } from "./tsa.server";

/** Reads a PKCS#12 (key + certificate + chain). A wrong password or a file without a key is one sentence. */
export function readPkcs12(bytes: Uint8Array, password: string): CmsSigner {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(Buffer.from(bytes).toString("binary")), password);
  } catch (error) {
    throw new Error(
      `il file PKCS#12 non si apre (password errata o formato non supportato: ${(error as Error).message})`,
    );
  }
  const keyBag =
    p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag]?.[0] ??
    p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag]?.[0];
  if (!keyBag?.key) throw new Error("il file PKCS#12 non contiene una chiave privata");
  const certs = (p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [])
    .filter((b) => b.cert)
    .map(
      (b) =>
        new Uint8Array(
          Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(b.cert!)).getBytes(), "binary"),
        ),
    );
  const forgeKey = keyBag.key as forge.pki.rsa.PrivateKey;
  const key = createPrivateKey(forge.pki.privateKeyToPem(forgeKey));
  // The certificate whose public key is the key's: the others are its chain.
  const leaf = certs.find((der) => {
    const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(Buffer.from(der).toString("binary")));
    return (cert.publicKey as forge.pki.rsa.PublicKey).n?.equals(forgeKey.n);
  });
  if (!leaf) throw new Error("il file PKCS#12 non contiene il certificato della chiave privata");
  const leafCert = parseCertificate(leaf);
  const chain = certs.filter((der) => !sameCert(parseCertificate(der), leafCert));
  return { certificate: leaf, chain, key };
}

/** Writes a PKCS#12 (3DES, as every reader accepts) from PEM key + certificates: the development seal. */
export function writePkcs12(keyPem: string, certPems: string[], password: string): Uint8Array {
  const key = forge.pki.privateKeyFromPem(keyPem);
  const certs = certPems.map((p) => forge.pki.certificateFromPem(p));
  const asn = forge.pkcs12.toPkcs12Asn1(key, certs, password, { algorithm: "3des", friendlyName: "sigillo" });
  return new Uint8Array(Buffer.from(forge.asn1.toDer(asn).getBytes(), "binary"));
}

export function describeSeal(
  signer: CmsSigner,
  options: { timestamped: boolean; development: boolean },
): SealInfo {
  const cert = parseCertificate(signer.certificate);
  return {
    subject: describeName(cert.subject),
    issuer: describeName(cert.issuer),
    qualified: isQualified(cert),
    notAfter: cert.notAfter.value.toISOString(),
    timestamped: options.timestamped,
    development: options.development,
  };
}

/** QcStatements carrying QcCompliance (0.4.0.1862.1.1): the certificate is qualified. */
export function isQualified(cert: pkijs.Certificate): boolean {
  const ext = cert.extensions?.find((e) => e.extnID === OID.qcStatements);
  if (!ext) return false;
  const bytes = Buffer.from(ext.extnValue.valueBlock.valueHexView);
  return bytes.includes(Buffer.from("060604008e460101", "hex"));
}

/**
 * Seals with a key held locally (PKCS#12). With a TSA configured the RFC 3161 timestamp is deferred: the
 * document is sealed at issue (CPU only) with room reserved for the token, which the worker adds after COMMIT.
 */
export class Pkcs12Sealer implements Sealer {
  readonly info: SealInfo;
  readonly deferred: DeferredSeal;
  private timestamp?: (signature: Uint8Array) => Promise<Uint8Array>;

  constructor(
    private signer: CmsSigner,
    options: { tsaUrl?: string; development: boolean; holder?: string },
  ) {
    this.timestamp = options.tsaUrl ? tsaClient(options.tsaUrl) : undefined;
    this.deferred = this.timestamp ? "timestamp" : null;
    this.info = describeSeal(signer, { timestamped: !!options.tsaUrl, development: options.development });
  }

  private sign(pdf: Uint8Array, reason: string, timestamp?: (s: Uint8Array) => Promise<Uint8Array>) {
    return signPdf(pdf, this.signer, {
      reason,
      name: this.info.subject,
      timestamp,
      reserve: this.timestamp ? 20_000 : 12_000,
    });
  }

  seal(pdf: Uint8Array, meta: { reason: string }): Promise<Uint8Array> {
    return this.sign(pdf, meta.reason, this.timestamp);
  }

  sealNow(pdf: Uint8Array, meta: { reason: string }): Promise<Uint8Array> {
    return this.sign(pdf, meta.reason);
  }

  async complete(pdf: Uint8Array): Promise<Uint8Array> {
    return this.timestamp ? addSignatureTimestamp(pdf, this.timestamp) : pdf;
  }
}
