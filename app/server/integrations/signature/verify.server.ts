import { createPublicKey, verify as nodeVerify } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { italianDate } from "~/domain/dates";
import {
  expectedInnerKind,
  findPdfSignatures,
  fiscalCodeFromSerialNumber,
  innerKind,
  unwrapCadesEnvelope,
} from "~/domain/signature/envelope";
import {
  HASHES,
  OID,
  ab,
  attribute,
  describeName,
  digest,
  encapsulatedContent,
  ensureEngine,
  hasKeyUsage,
  nameField,
  parseSignedData,
  sameCert,
  serialHex,
} from "./cms.server";
import type {
  CheckName,
  CheckStatus,
  ExpectedSigner,
  SignatureCheck,
  SignatureReport,
  SignatureVerifier,
  SignerReport,
  Text,
  VerifyInput,
} from "./port.server";
import { type RevocationSources, revocationStatus } from "./revocation.server";
import type { TrustStore } from "./trust.server";

/**
 * The local verifier: CAdES (attached, nested, DER/PEM/base64) and PAdES (every signature of every revision)
 * with pkijs. Each signature gets every check with its own result and time; the file's outcome is "invalid"
 * when any check failed, "indeterminate" when one could not be made (revocation unreachable), else "valid".
 */
export class LocalSignatureVerifier implements SignatureVerifier {
  constructor(
    private trust: TrustStore,
    private options: { network?: boolean; fetchTimeoutMs?: number } = {},
  ) {
    ensureEngine();
  }

  async verify(input: VerifyInput): Promise<SignatureReport> {
    const now = input.now ?? new Date();
    const checkedAt = now.toISOString();
    const envelope = unwrapCadesEnvelope(input.bytes);
    if (envelope) return this.verifyCades(input, envelope.der, envelope.encoding, now);
    const isPdf = input.bytes[0] === 0x25 && input.bytes[1] === 0x50 && input.bytes[2] === 0x44;
    const fields = isPdf ? findPdfSignatures(input.bytes) : [];
    if (fields.length === 0) {
      const problem = {
        it: `Il file «${input.filename}» non è firmato digitalmente: firmalo con la tua firma digitale (file .p7m o PDF firmato) e caricalo di nuovo.`,
        en: `The file "${input.filename}" is not digitally signed: sign it with your digital signature (.p7m file or signed PDF) and upload it again.`,
      };
      return { format: "none", outcome: "unsigned", signatures: [], checks: [], problem, checkedAt };
    }
    const signatures: SignerReport[] = [];
    for (const field of fields) {
      const [a, b, c, d] = field.byteRange;
      const covered = [input.bytes.subarray(a, a + b), input.bytes.subarray(c, c + d)];
      signatures.push(
        await this.verifySigner(field.cms, covered, 1, 0, now, field.claimedTime, input.expectedSigners),
      );
    }
    const last = fields.at(-1)!.byteRange;
    const end = last[2] + last[3];
    const checks: SignatureCheck[] = [
      end === input.bytes.length
        ? check("coverage", "passed", now, {
            it: "L'ultima firma copre l'intero file.",
            en: "The last signature covers the whole file.",
          })
        : check("coverage", "warning", now, {
            it: `Il PDF è stato modificato dopo l'ultima firma (aggiornamento incrementale di ${input.bytes.length - end} byte): la parte aggiunta non è coperta da alcuna firma.`,
            en: `The PDF was changed after the last signature (an incremental update of ${input.bytes.length - end} bytes): the added part is not covered by any signature.`,
          }),
    ];
    return this.finish("pades", undefined, signatures, checks, input, now, "pdf");
  }

  private async verifyCades(
    input: VerifyInput,
    der: Uint8Array,
    encoding: string,
    now: Date,
  ): Promise<SignatureReport> {
    const signatures: SignerReport[] = [];
    let current: Uint8Array | null = der;
    let content: Uint8Array | null = null;
    let level = 0;
    const checks: SignatureCheck[] = [];
    // Nested envelopes (a .p7m signed again): every layer's signatures are checked, the innermost content typed.
    while (current && level < 8) {
      level++;
      let sd: pkijs.SignedData;
      try {
        sd = parseSignedData(current);
      } catch (error) {
        checks.push(
          check("format", "failed", now, {
            it: `La busta firmata non è leggibile (${(error as Error).message}): firma di nuovo il documento e caricalo.`,
            en: `The signed envelope cannot be read (${(error as Error).message}): sign the document again and upload it.`,
          }),
        );
        break;
      }
      content = encapsulatedContent(sd);
      if (!content) {
        checks.push(
          check("format", "failed", now, {
            it: "La busta .p7m non contiene il documento (firma «staccata»): carica il file .p7m con il documento incluso.",
            en: "The .p7m envelope does not contain the document (detached signature): upload the .p7m with the document included.",
          }),
        );
        break;
      }
      for (let i = 0; i < sd.signerInfos.length; i++) {
        signatures.push(
          await this.verifySigner(current, [content], level, i, now, null, input.expectedSigners),
        );
      }
      const inner = unwrapCadesEnvelope(content);
      current = inner ? inner.der : null;
      if (inner) content = null;
    }
    const kind = content ? innerKind(content) : undefined;
    let expected = expectedInnerKind(input.filename);
    // Nested: "x.pdf.p7m.p7m" promises a p7m that promises a PDF; after unwrapping, the inner file must be the PDF.
    if (expected === "p7m") expected = expectedInnerKind(input.filename.replace(/\.p7m$/i, "")) ?? null;
    if (content && expected) {
      checks.push(
        kind === expected
          ? check("innerType", "passed", now, {
              it: `Il documento nella busta è davvero un file ${expected.toUpperCase()}.`,
              en: `The document in the envelope really is a ${expected.toUpperCase()} file.`,
            })
          : check("innerType", "failed", now, {
              it: `Il nome «${input.filename}» promette un file ${expected.toUpperCase()}, ma nella busta firmata c'è un altro tipo di file: firma il ${expected.toUpperCase()} giusto e caricalo di nuovo.`,
              en: `The name "${input.filename}" promises a ${expected.toUpperCase()} file, but the signed envelope holds another kind of file: sign the right ${expected.toUpperCase()} and upload it again.`,
            }),
      );
    }
    return this.finish("cades", encoding, signatures, checks, input, now, kind);
  }

  private finish(
    format: "cades" | "pades",
    encoding: string | undefined,
    signatures: SignerReport[],
    checks: SignatureCheck[],
    input: VerifyInput,
    now: Date,
    kind: string | undefined,
  ): SignatureReport {
    const expected = input.expectedSigners ?? [];
    if (expected.length && signatures.length) {
      const match = signatures.find(
        (s) =>
          s.signer.fiscalCode && expected.some((e) => e.fiscalCode.toUpperCase() === s.signer.fiscalCode),
      );
      const who = expected.map((e) => `${e.name ? `${e.name} ` : ""}(${e.fiscalCode})`).join(" o ");
      const signers = signatures
        .map((s) => `${s.signer.name ?? "?"} (${s.signer.fiscalCode ?? "codice fiscale assente"})`)
        .join(", ");
      checks.push(
        match
          ? check("signer", "passed", now, {
              it: `Firmato da ${match.signer.name} (${match.signer.fiscalCode}), come richiesto.`,
              en: `Signed by ${match.signer.name} (${match.signer.fiscalCode}), as required.`,
            })
          : check("signer", "failed", now, {
              it: `Il file è firmato da ${signers}, che non è il dichiarante: deve firmarlo ${who}.`,
              en: `The file is signed by ${signers}, who is not the declarant: it must be signed by ${who.replace(/ o /g, " or ")}.`,
            }),
      );
    }
    const all = [...signatures.flatMap((s) => s.checks), ...checks];
    const failed = all.find((c) => c.status === "failed");
    const outcome =
      failed || signatures.length === 0
        ? "invalid"
        : all.some((c) => c.status === "unknown")
          ? "indeterminate"
          : "valid";
    return {
      format,
      ...(encoding ? { encoding } : {}),
      outcome,
      signatures,
      checks,
      problem: failed ? failed.message : null,
      ...(kind ? { innerKind: kind } : {}),
      checkedAt: now.toISOString(),
    };
  }

  private async verifySigner(
    cmsDer: Uint8Array,
    content: Uint8Array[],
    level: number,
    index: number,
    now: Date,
    claimedTime: string | null,
    _expected: ExpectedSigner[] | undefined,
  ): Promise<SignerReport> {
    const checks: SignatureCheck[] = [];
    const sd = parseSignedData(cmsDer);
    const si = sd.signerInfos[index]!;
    const certs = (sd.certificates ?? []).filter(
      (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
    );
    const cert = findSignerCertificate(si, certs);
    const report: SignerReport = {
      outcome: "invalid",
      signer: { name: null, fiscalCode: null },
      issuer: null,
      serialNumber: null,
      signingTime: now.toISOString(),
      signingTimeSource: "verification-time",
      checks,
      level,
    };
    if (!cert) {
      checks.push(
        check("chain", "failed", now, {
          it: "La firma non contiene il certificato del firmatario: firma di nuovo con un software che lo includa.",
          en: "The signature does not carry the signer's certificate: sign again with software that includes it.",
        }),
      );
      return report;
    }
    const name = signerName(cert);
    report.signer = {
      name,
      fiscalCode: fiscalCodeFromSerialNumber(nameField(cert.subject, OID.serialNumber)),
    };
    report.issuer = describeName(cert.issuer);
    report.serialNumber = serialHex(cert);

    // 1. Integrity: the message digest over the content, then the signature over the signed attributes.
    const hashName = HASHES[si.digestAlgorithm.algorithmId] ?? "sha256";
    const md = attribute(si.signedAttrs, OID.messageDigest)?.values[0] as asn1js.OctetString | undefined;
    const actual = digest(hashName, content);
    let intact = false;
    if (md && Buffer.from(md.valueBlock.valueHexView).equals(Buffer.from(actual))) {
      intact = await verifySignedAttributes(sd, si, index, cert, hashName, content);
    }
    checks.push(
      intact
        ? check("integrity", "passed", now, {
            it: "Il contenuto è quello firmato: non è stato modificato dopo la firma.",
            en: "The content is the one signed: it was not altered after signing.",
          })
        : check("integrity", "failed", now, {
            it: `Il contenuto del file è stato modificato dopo la firma di ${name}: chiedi al firmatario il file originale firmato, oppure firma di nuovo il documento, e caricalo.`,
            en: `The content of the file was altered after ${name} signed it: ask the signer for the original signed file, or sign the document again, and upload it.`,
          }),
    );

    // 2. Signing time: an RFC 3161 timestamp on the signature is proof; the signing-time attribute and the PDF's /M are claims.
    const ts = await this.timestampTime(si, now);
    const claimed = attribute(si.signedAttrs, OID.signingTime)?.values[0] as asn1js.UTCTime | undefined;
    if (ts) {
      report.signingTime = ts.toISOString();
      report.signingTimeSource = "timestamp";
    } else if (claimed?.toDate) {
      report.signingTime = claimed.toDate().toISOString();
      report.signingTimeSource = "signed-attribute";
    } else if (claimedTime) {
      report.signingTime = claimedTime;
      report.signingTimeSource = "pdf-claim";
    }
    const at = new Date(report.signingTime);
    if (at.getTime() > now.getTime() + 5 * 60_000) {
      checks.push(
        check("signingTime", "failed", now, {
          it: `La data di firma dichiarata (${italianDate(report.signingTime)}) è nel futuro: controlla l'orologio del dispositivo di firma e firma di nuovo.`,
          en: `The declared signing date (${report.signingTime.slice(0, 10)}) is in the future: check the signing device's clock and sign again.`,
        }),
      );
    } else {
      const source = {
        timestamp: "marca temporale",
        "signed-attribute": "attributo signing-time",
        "pdf-claim": "data dichiarata nel PDF",
        "verification-time": "ora della verifica",
      }[report.signingTimeSource];
      checks.push(
        check("signingTime", "passed", now, {
          it: `Data di firma: ${italianDate(report.signingTime)} (${source}).`,
          en: `Signing date: ${report.signingTime.slice(0, 10)} (${report.signingTimeSource}).`,
        }),
      );
    }

    // 3. Certificate valid on the signing date.
    const from = cert.notBefore.value;
    const to = cert.notAfter.value;
    if (at < from || at > to) {
      const expired = at > to;
      checks.push(
        check("validity", "failed", now, {
          it: expired
            ? `Il certificato di ${name} era scaduto alla data della firma (scaduto il ${italianDate(to.toISOString())}, firma del ${italianDate(report.signingTime)}): firma di nuovo con un certificato valido.`
            : `Il certificato di ${name} non era ancora valido alla data della firma (valido dal ${italianDate(from.toISOString())}): firma di nuovo.`,
          en: expired
            ? `${name}'s certificate had expired on the signing date (expired ${to.toISOString().slice(0, 10)}, signed ${report.signingTime.slice(0, 10)}): sign again with a valid certificate.`
            : `${name}'s certificate was not yet valid on the signing date (valid from ${from.toISOString().slice(0, 10)}): sign again.`,
        }),
      );
    } else {
      checks.push(
        check("validity", "passed", now, {
          it: `Certificato valido alla data della firma (dal ${italianDate(from.toISOString())} al ${italianDate(to.toISOString())}).`,
          en: `Certificate valid on the signing date (${from.toISOString().slice(0, 10)} to ${to.toISOString().slice(0, 10)}).`,
        }),
      );
    }

    // 4. Non-repudiation: a qualified signature certificate, not an authentication or TLS one.
    const nr = hasKeyUsage(cert, 1);
    checks.push(
      nr
        ? check("keyUsage", "passed", now, {
            it: "Certificato di firma con uso «non ripudio».",
            en: "Signing certificate with the non-repudiation key usage.",
          })
        : check("keyUsage", "failed", now, {
            it: `Il certificato di ${name} non è un certificato di firma (manca l'uso «non ripudio»): firma con il dispositivo di firma digitale, non con un certificato di autenticazione.`,
            en: `${name}'s certificate is not a signing certificate (no non-repudiation key usage): sign with your digital-signature device, not an authentication certificate.`,
          }),
    );

    // 5. Chain to a trust anchor, at the signing date.
    const path = await this.chain(cert, certs, at);
    if (!path) {
      checks.push(
        check("chain", "failed", now, {
          it: `Il certificato di ${name} è stato emesso da un ente non riconosciuto (${report.issuer}): usa una firma rilasciata da un prestatore di servizi fiduciari qualificato (elenco AgID/UE).`,
          en: `${name}'s certificate was issued by an unknown issuer (${report.issuer}): use a signature issued by a qualified trust service provider (AgID/EU list).`,
        }),
      );
      checks.push(
        check("revocation", "unknown", now, {
          it: "Revoca non verificata: l'emittente non è riconosciuto.",
          en: "Revocation not checked: the issuer is unknown.",
        }),
      );
    } else {
      checks.push(
        check("chain", "passed", now, {
          it: `Catena di certificazione fino a un'autorità fidata (${describeName(path.at(-1)!.subject)}).`,
          en: `Certificate chain up to a trusted authority (${describeName(path.at(-1)!.subject)}).`,
        }),
      );
      checks.push(await this.revocation(path, sd, at, now, name));
    }
    report.outcome = checks.some((c) => c.status === "failed")
      ? "invalid"
      : checks.some((c) => c.status === "unknown")
        ? "indeterminate"
        : "valid";
    return report;
  }

  /** The path leaf -> anchor, or null when no trusted anchor issues it (dates checked at `at`). */
  private async chain(
    cert: pkijs.Certificate,
    certs: pkijs.Certificate[],
    at: Date,
  ): Promise<pkijs.Certificate[] | null> {
    if (this.trust.anchors.length === 0) return null;
    const engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: this.trust.anchors,
      certs: [cert, ...certs.filter((c) => c !== cert)],
      checkDate: at,
    });
    try {
      const result = await engine.verify();
      if (!result.result) return null;
      // Ordered leaf -> anchor by names (pkijs's own path order is not the one revocation needs).
      const pool = [...certs, ...this.trust.anchors];
      const path = [cert];
      while (path.length < 10) {
        const current = path.at(-1)!;
        if (this.trust.anchors.some((a) => sameCert(a, current))) return path;
        const issuer = pool.find((p) => p.subject.isEqual(current.issuer) && !sameCert(p, current));
        if (!issuer) return null;
        path.push(issuer);
      }
      return null;
    } catch {
      return null;
    }
  }

  private async revocation(
    path: pkijs.Certificate[],
    sd: pkijs.SignedData,
    at: Date,
    now: Date,
    name: string,
  ): Promise<SignatureCheck> {
    const sources: RevocationSources = {
      crls: [
        ...this.trust.crls,
        ...(sd.crls ?? []).filter(
          (c): c is pkijs.CertificateRevocationList => c instanceof pkijs.CertificateRevocationList,
        ),
      ],
      network: this.options.network,
      fetchTimeoutMs: this.options.fetchTimeoutMs,
    };
    const unknown: string[] = [];
    // Every certificate but the anchor itself.
    for (let i = 0; i < path.length - 1; i++) {
      const status = await revocationStatus(path[i]!, path[i + 1]!, sources);
      if (status.status === "revoked" && status.revokedAt <= at) {
        return check("revocation", "failed", now, {
          it: `Il certificato di ${i === 0 ? name : describeName(path[i]!.subject)} era stato revocato il ${italianDate(status.revokedAt.toISOString())}, prima della firma: la firma non è valida; firma di nuovo con un certificato valido.`,
          en: `The certificate of ${i === 0 ? name : describeName(path[i]!.subject)} was revoked on ${status.revokedAt.toISOString().slice(0, 10)}, before the signature: sign again with a valid certificate.`,
        });
      }
      if (status.status === "unknown") unknown.push(status.reason);
    }
    if (unknown.length) {
      return check("revocation", "unknown", now, {
        it: "Non è stato possibile verificare se il certificato è stato revocato (lista di revoca o servizio OCSP non raggiungibili): l'esito resta da confermare.",
        en: "Whether the certificate was revoked could not be checked (revocation list or OCSP service unreachable): the outcome is still to be confirmed.",
      });
    }
    return check("revocation", "passed", now, {
      it: "Certificato non revocato alla data della firma (lista di revoca controllata).",
      en: "Certificate not revoked on the signing date (revocation list checked).",
    });
  }

  /** The genTime of a valid RFC 3161 timestamp on this signature, or null. */
  private async timestampTime(si: pkijs.SignerInfo, _now: Date): Promise<Date | null> {
    const attr = attribute(si.unsignedAttrs, OID.timeStampToken);
    if (!attr) return null;
    try {
      const info = new pkijs.ContentInfo({ schema: attr.values[0] });
      const tsd = new pkijs.SignedData({ schema: info.content });
      const eContent = encapsulatedContent(tsd);
      if (!eContent) return null;
      const tst = new pkijs.TSTInfo({ schema: asn1js.fromBER(ab(eContent)).result });
      const hashName = HASHES[tst.messageImprint.hashAlgorithm.algorithmId] ?? "sha256";
      const imprint = digest(hashName, new Uint8Array(si.signature.valueBlock.valueHexView));
      if (!Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView).equals(Buffer.from(imprint)))
        return null;
      // For a TSTInfo, pkijs checks the imprint against `data`: the timestamped bytes, the signature value.
      const signatureValue = new Uint8Array(si.signature.valueBlock.valueHexView);
      const ok = await tsd.verify({
        signer: 0,
        data: ab(signatureValue),
        extendedMode: true,
        checkChain: false,
      });
      if (!ok.signatureVerified) return null;
      const tsaCerts = (tsd.certificates ?? []).filter(
        (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
      );
      const tsaCert = findSignerCertificate(tsd.signerInfos[0]!, tsaCerts);
      if (!tsaCert || !(await this.chain(tsaCert, tsaCerts, tst.genTime))) return null;
      return tst.genTime;
    } catch {
      return null;
    }
  }
}

/**
 * The signature over the signed attributes (the content's digest was compared above). RSA PKCS#1 v1.5 and
 * ECDSA go through node:crypto directly, so a 5 MB file is not hashed a second time; anything else (RSA-PSS)
 * through pkijs.
 */
async function verifySignedAttributes(
  sd: pkijs.SignedData,
  si: pkijs.SignerInfo,
  index: number,
  cert: pkijs.Certificate,
  hashName: string,
  content: Uint8Array[],
): Promise<boolean> {
  const algorithm = si.signatureAlgorithm.algorithmId;
  const encoded = si.signedAttrs?.encodedValue;
  const simple =
    algorithm === OID.rsaEncryption ||
    algorithm === OID.sha256WithRsa ||
    algorithm.startsWith("1.2.840.10045.4.3.");
  if (simple && encoded && encoded.byteLength > 0) {
    try {
      const spki = Buffer.from(cert.subjectPublicKeyInfo.toSchema().toBER(false));
      const key = createPublicKey({ key: spki, format: "der", type: "spki" });
      const der = new Uint8Array(encoded.slice(0));
      der[0] = 0x31; // the SET OF tag, as signed (it is stored with the [0] IMPLICIT tag)
      return nodeVerify(hashName, der, key, Buffer.from(si.signature.valueBlock.valueHexView));
    } catch {
      return false;
    }
  }
  try {
    const data = ab(new Uint8Array(Buffer.concat(content)));
    const result = await sd.verify({ signer: index, data, extendedMode: true, checkChain: false });
    return result.signatureVerified === true;
  } catch {
    return false;
  }
}

function check(name: CheckName, status: CheckStatus, at: Date, message: Text): SignatureCheck {
  return { name, status, message, at: at.toISOString() };
}

function signerName(cert: pkijs.Certificate): string {
  const cn = nameField(cert.subject, OID.commonName);
  if (cn) return cn;
  const given = nameField(cert.subject, OID.givenName);
  const surname = nameField(cert.subject, OID.surname);
  return [given, surname].filter(Boolean).join(" ") || describeName(cert.subject);
}

export function findSignerCertificate(
  si: pkijs.SignerInfo,
  certs: pkijs.Certificate[],
): pkijs.Certificate | null {
  if (si.sid instanceof pkijs.IssuerAndSerialNumber) {
    const sid = si.sid;
    return (
      certs.find((c) => c.issuer.isEqual(sid.issuer) && c.serialNumber.isEqual(sid.serialNumber)) ?? null
    );
  }
  // subjectKeyIdentifier: compare with the certificate's SKI extension.
  const ski = Buffer.from((si.sid as asn1js.OctetString).valueBlock.valueHexView);
  return (
    certs.find((c) => {
      const ext = c.extensions?.find((e) => e.extnID === "2.5.29.14");
      const v = ext?.parsedValue as asn1js.OctetString | undefined;
      return v ? Buffer.from(v.valueBlock.valueHexView).equals(ski) : false;
    }) ?? null
  );
}
