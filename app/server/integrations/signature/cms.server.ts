import { createHash, webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

/** Shared CMS plumbing (pkijs on Node's WebCrypto) for the verifier and the seal. */

let engineSet = false;
export function ensureEngine() {
  if (engineSet) return;
  pkijs.setEngine("node", new pkijs.CryptoEngine({ name: "node", crypto: webcrypto as unknown as Crypto }));
  engineSet = true;
}

export const OID = {
  signedData: "1.2.840.113549.1.7.2",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  timeStampToken: "1.2.840.113549.1.9.16.2.14",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  sha1: "1.3.14.3.2.26",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  commonName: "2.5.4.3",
  serialNumber: "2.5.4.5",
  organization: "2.5.4.10",
  givenName: "2.5.4.42",
  surname: "2.5.4.4",
  keyUsage: "2.5.29.15",
  crlDistributionPoints: "2.5.29.31",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  ocsp: "1.3.6.1.5.5.7.48.1",
  qcStatements: "1.3.6.1.5.5.7.1.3",
} as const;

export const HASHES: Record<string, string> = {
  [OID.sha256]: "sha256",
  [OID.sha384]: "sha384",
  [OID.sha512]: "sha512",
  [OID.sha1]: "sha1",
};

export function ab(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function digest(algorithm: string, data: Uint8Array | Uint8Array[]): Uint8Array {
  const h = createHash(algorithm);
  for (const part of Array.isArray(data) ? data : [data]) h.update(part);
  return new Uint8Array(h.digest());
}

export function parseSignedData(der: Uint8Array): pkijs.SignedData {
  const asn = asn1js.fromBER(ab(der));
  if (asn.offset === -1) throw new Error("la struttura CMS non è leggibile");
  const info = new pkijs.ContentInfo({ schema: asn.result });
  if (info.contentType !== OID.signedData) throw new Error("il file non è una busta CMS SignedData");
  return new pkijs.SignedData({ schema: info.content });
}

/** The encapsulated content of an attached envelope (constructed OCTET STRINGs concatenated), or null. */
export function encapsulatedContent(sd: pkijs.SignedData): Uint8Array | null {
  const e = sd.encapContentInfo.eContent;
  if (!e) return null;
  if (e.idBlock.isConstructed) {
    const parts = (e.valueBlock.value as asn1js.OctetString[]).map(
      (p) => new Uint8Array(p.valueBlock.valueHexView),
    );
    return new Uint8Array(Buffer.concat(parts));
  }
  return new Uint8Array(e.valueBlock.valueHexView);
}

function attrValue(name: pkijs.RelativeDistinguishedNames, type: string): string | null {
  const found = name.typesAndValues.find((t) => t.type === type);
  return found ? String((found.value.valueBlock as { value: string }).value) : null;
}

export function nameField(name: pkijs.RelativeDistinguishedNames, type: string) {
  return attrValue(name, type);
}

/** A readable one-line form of a distinguished name: CN, O. */
export function describeName(name: pkijs.RelativeDistinguishedNames): string {
  const cn = attrValue(name, OID.commonName);
  const o = attrValue(name, OID.organization);
  return (
    [cn, o].filter(Boolean).join(", ") ||
    name.typesAndValues.map((t) => String((t.value.valueBlock as { value: string }).value)).join(", ")
  );
}

export function serialHex(cert: pkijs.Certificate): string {
  return Buffer.from(cert.serialNumber.valueBlock.valueHexView).toString("hex");
}

export function certDer(cert: pkijs.Certificate): Uint8Array {
  return new Uint8Array(cert.toSchema(true).toBER(false));
}

export function sameCert(a: pkijs.Certificate, b: pkijs.Certificate) {
  return Buffer.from(certDer(a)).equals(Buffer.from(certDer(b)));
}

/** Key usage bit (0 = digitalSignature, 1 = nonRepudiation/contentCommitment, 5 = keyCertSign, 6 = cRLSign). */
export function hasKeyUsage(cert: pkijs.Certificate, bit: number): boolean | null {
  const ext = cert.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!ext) return null;
  const bits = ext.parsedValue as asn1js.BitString | undefined;
  const view = bits?.valueBlock.valueHexView;
  if (!view) return false;
  const byte = view[bit >> 3] ?? 0;
  return (byte & (0x80 >> (bit & 7))) !== 0;
}

function uris(generalNames: pkijs.GeneralName[] | undefined): string[] {
  return (generalNames ?? []).filter((g) => g.type === 6).map((g) => String(g.value));
}

export function crlUrls(cert: pkijs.Certificate): string[] {
  const ext = cert.extensions?.find((e) => e.extnID === OID.crlDistributionPoints);
  const points = (ext?.parsedValue as pkijs.CRLDistributionPoints | undefined)?.distributionPoints ?? [];
  return points.flatMap((p) =>
    Array.isArray(p.distributionPoint) ? uris(p.distributionPoint as pkijs.GeneralName[]) : [],
  );
}

export function ocspUrls(cert: pkijs.Certificate): string[] {
  const ext = cert.extensions?.find((e) => e.extnID === OID.authorityInfoAccess);
  const access = (ext?.parsedValue as pkijs.InfoAccess | undefined)?.accessDescriptions ?? [];
  return access.filter((a) => a.accessMethod === OID.ocsp).flatMap((a) => uris([a.accessLocation]));
}

export function attribute(attrs: pkijs.SignedAndUnsignedAttributes | undefined, type: string) {
  return attrs?.attributes.find((a) => a.type === type);
}
