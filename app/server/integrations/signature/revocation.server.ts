import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { ab, crlUrls, ocspUrls } from "./cms.server";
import { parseCrl } from "./trust.server";

/**
 * Revocation of one certificate at a moment: a CRL from the trust store, the signature or the certificate's
 * distribution point (HTTP, cached until its nextUpdate), else OCSP at the certificate's responder. When
 * nothing answers the status is "unknown", never "good" by default.
 */
export type RevocationStatus =
  | { status: "good"; source: string }
  | { status: "revoked"; source: string; revokedAt: Date }
  | { status: "unknown"; reason: string };

export interface RevocationSources {
  crls: pkijs.CertificateRevocationList[];
  fetchTimeoutMs?: number;
  /** Network fetches allowed (off for tests that must prove "unknown"). */
  network?: boolean;
}

const crlCache = new Map<string, { crl: pkijs.CertificateRevocationList; until: number }>();

async function fetchBytes(url: string, timeoutMs: number, init?: RequestInit): Promise<Uint8Array> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function crlFromUrl(url: string, timeoutMs: number): Promise<pkijs.CertificateRevocationList> {
  const cached = crlCache.get(url);
  if (cached && cached.until > Date.now()) return cached.crl;
  const bytes = await fetchBytes(url, timeoutMs);
  const text = Buffer.from(bytes).toString("latin1");
  const der = text.startsWith("-----BEGIN")
    ? new Uint8Array(Buffer.from(text.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64"))
    : bytes;
  const crl = parseCrl(der);
  const next = crl.nextUpdate?.value.getTime() ?? Date.now() + 10 * 60_000;
  crlCache.set(url, { crl, until: Math.min(next, Date.now() + 60 * 60_000) });
  return crl;
}

async function statusFromCrl(
  crl: pkijs.CertificateRevocationList,
  cert: pkijs.Certificate,
  issuer: pkijs.Certificate,
  source: string,
): Promise<RevocationStatus | null> {
  if (!crl.issuer.isEqual(cert.issuer)) return null;
  if (!(await crl.verify({ issuerCertificate: issuer }).catch(() => false))) return null;
  const entry = crl.revokedCertificates?.find((r) => r.userCertificate.isEqual(cert.serialNumber));
  if (entry) return { status: "revoked", source, revokedAt: entry.revocationDate.value };
  return { status: "good", source };
}

async function statusFromOcsp(
  url: string,
  cert: pkijs.Certificate,
  issuer: pkijs.Certificate,
  timeoutMs: number,
) {
  const request = new pkijs.OCSPRequest();
  await request.createForCertificate(cert, { hashAlgorithm: "SHA-256", issuerCertificate: issuer });
  const body = request.toSchema(true).toBER(false);
  const bytes = await fetchBytes(url, timeoutMs, {
    method: "POST",
    headers: { "Content-Type": "application/ocsp-request" },
    body: new Uint8Array(body),
  });
  const response = pkijs.OCSPResponse.fromBER(ab(bytes));
  if (response.responseStatus.valueBlock.valueDec !== 0 || !response.responseBytes)
    throw new Error("OCSP responder refused");
  const basic = new pkijs.BasicOCSPResponse({
    schema: asn1js.fromBER(response.responseBytes.response.valueBlock.valueHexView).result,
  });
  // The issuing CA signing its own answers is an authorised responder (RFC 6960 4.2.2.2): it was already
  // validated as the certificate's issuer, so it is the trusted responder here.
  if (!(await basic.verify({ trustedCerts: [issuer], trustedResponders: [issuer] }).catch(() => false)))
    throw new Error("OCSP response not signed by the issuer");
  const status = await basic.getCertificateStatus(cert, issuer);
  if (!status.isForCertificate) throw new Error("OCSP response is for another certificate");
  if (status.status === 0) return { status: "good" as const, source: url };
  if (status.status === 1) {
    const single = basic.tbsResponseData.responses[0];
    const revokedAt = (single?.certStatus as { valueBlock?: { value?: asn1js.GeneralizedTime[] } })
      ?.valueBlock?.value?.[0];
    return { status: "revoked" as const, source: url, revokedAt: revokedAt?.toDate?.() ?? new Date(0) };
  }
  return { status: "unknown" as const, reason: "the OCSP responder does not know the certificate" };
}

export async function revocationStatus(
  cert: pkijs.Certificate,
  issuer: pkijs.Certificate,
  sources: RevocationSources,
): Promise<RevocationStatus> {
  for (const crl of sources.crls) {
    const found = await statusFromCrl(crl, cert, issuer, "CRL");
    if (found) return found;
  }
  const timeout = sources.fetchTimeoutMs ?? 5000;
  const reasons: string[] = [];
  if (sources.network !== false) {
    for (const url of crlUrls(cert).filter((u) => /^https?:\/\//.test(u))) {
      try {
        const found = await statusFromCrl(await crlFromUrl(url, timeout), cert, issuer, url);
        if (found) return found;
        reasons.push(`${url}: CRL of another issuer or badly signed`);
      } catch (error) {
        reasons.push(`${url}: ${(error as Error).message}`);
      }
    }
    for (const url of ocspUrls(cert).filter((u) => /^https?:\/\//.test(u))) {
      try {
        return await statusFromOcsp(url, cert, issuer, timeout);
      } catch (error) {
        reasons.push(`${url}: ${(error as Error).message}`);
      }
    }
  }
  return { status: "unknown", reason: reasons.join("; ") || "no CRL or OCSP responder for this certificate" };
}
