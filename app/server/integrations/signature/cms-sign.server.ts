import { type KeyObject, sign as nodeSign } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { OID, ab, certDer, digest, ensureEngine } from "./cms.server";
import { parseCertificate } from "./trust.server";

/**
 * Builds CAdES signatures (CMS SignedData, SHA-256, signed attributes with signingCertificateV2): attached for
 * a .p7m, detached for a PAdES signature. Used by the seal, the officers' signature and the test-file script.
 */
export interface CmsSigner {
  certificate: Uint8Array;
  /** Intermediates (not the root) carried in the signature so a verifier can build the chain. */
  chain: Uint8Array[];
  key: KeyObject;
}

/**
 * A signer whose key is elsewhere (a remote qualified-seal service, CSC API): it is given the SHA-256 of the
 * DER-encoded signed attributes and returns the signature value (PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value).
 */
export interface RemoteCmsSigner {
  certificate: Uint8Array;
  chain: Uint8Array[];
  keyType: "rsa" | "ec";
  signDigest(sha256: Uint8Array): Promise<Uint8Array>;
}

export type AnyCmsSigner = CmsSigner | RemoteCmsSigner;

export interface CmsOptions {
  detached: boolean;
  /** Adds the signing-time attribute (CAdES files; PAdES uses the signature dictionary's /M instead). */
  signingTime?: Date;
  /** RFC 3161: returns a TimeStampToken (ContentInfo DER) over the given signature value. */
  timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>;
  crls?: Uint8Array[];
  /** eContentType (id-data by default; id-ct-TSTInfo for a timestamp token). */
  contentType?: string;
}

function attr(type: string, value: asn1js.AsnType) {
  return new pkijs.Attribute({ type, values: [value] });
}

export async function createCms(
  content: Uint8Array | Uint8Array[],
  signer: AnyCmsSigner,
  options: CmsOptions,
): Promise<Uint8Array> {
  ensureEngine();
  const cert = parseCertificate(signer.certificate);
  const parts = Array.isArray(content) ? content : [content];
  const attributes = [
    attr(OID.contentType, new asn1js.ObjectIdentifier({ value: options.contentType ?? OID.data })),
    attr(OID.messageDigest, new asn1js.OctetString({ valueHex: ab(digest("sha256", parts)) })),
    attr(
      OID.signingCertificateV2,
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({
            value: [
              new asn1js.Sequence({
                value: [new asn1js.OctetString({ valueHex: ab(digest("sha256", signer.certificate)) })],
              }),
            ],
          }),
        ],
      }),
    ),
    ...(options.signingTime
      ? [attr(OID.signingTime, new asn1js.UTCTime({ valueDate: options.signingTime }))]
      : []),
  ];
  // DER: a SET OF is sorted by the encodings of its members.
  const encoded = attributes.map((a) => ({ a, der: Buffer.from(a.toSchema().toBER(false)) }));
  encoded.sort((x, y) => Buffer.compare(x.der, y.der));
  const sorted = encoded.map((e) => e.a);
  const setDer = new Uint8Array(new asn1js.Set({ value: sorted.map((a) => a.toSchema()) }).toBER(false));
  const ec = "key" in signer ? signer.key.asymmetricKeyType === "ec" : signer.keyType === "ec";
  const signature =
    "key" in signer
      ? new Uint8Array(nodeSign("sha256", setDer, signer.key))
      : await signer.signDigest(digest("sha256", setDer));
  const sha256 = () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: sha256(),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sorted }),
    signatureAlgorithm: ec
      ? new pkijs.AlgorithmIdentifier({ algorithmId: "1.2.840.10045.4.3.2" })
      : new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }),
    signature: new asn1js.OctetString({ valueHex: ab(signature) }),
  });
  if (options.timestamp) {
    const token = await options.timestamp(signature);
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
      type: 1,
      attributes: [
        new pkijs.Attribute({ type: OID.timeStampToken, values: [asn1js.fromBER(ab(token)).result] }),
      ],
    });
  }
  const single = Buffer.concat(parts);
  const encap = new pkijs.EncapsulatedContentInfo({ eContentType: options.contentType ?? OID.data });
  // Set after construction: the constructor would split the content into a constructed (BER) OCTET STRING,
  // and a TSTInfo must be a primitive one.
  if (!options.detached) encap.eContent = new asn1js.OctetString({ valueHex: ab(new Uint8Array(single)) });
  const signed = new pkijs.SignedData({
    version: 1,
    encapContentInfo: encap,
    digestAlgorithms: [sha256()],
    certificates: [cert, ...signer.chain.map(parseCertificate)],
    ...(options.crls?.length
      ? {
          crls: options.crls.map(
            (c) => new pkijs.CertificateRevocationList({ schema: asn1js.fromBER(ab(c)).result }),
          ),
        }
      : {}),
    signerInfos: [signerInfo],
  });
  const info = new pkijs.ContentInfo({ contentType: OID.signedData, content: signed.toSchema(true) });
  return new Uint8Array(info.toSchema().toBER(false));
}

export { certDer };
