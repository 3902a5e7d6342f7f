// The signature corpus, built by the tests themselves: a root CA, an intermediate (with a CRL served over
// HTTP on loopback), valid, expired, revoked, wrong-signer and authentication-only certificates, an untrusted
// CA, a TSA; CAdES and PAdES files made from them.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { renderPdf } from "~/server/documents/pdf.server";
import { signPdf } from "~/server/integrations/seal/pades.server";
import { type CmsSigner, createCms } from "~/server/integrations/signature/cms-sign.server";
import {
  createCrl,
  type Issued,
  issueCertificate,
  KeyUsage,
} from "~/server/integrations/signature/pki.server";
import { receiptSpec } from "../documents/fixtures";

export const DECLARANT = { name: "Mario Rossi", fiscalCode: "RSSMRA80A01H501U" };
export const OTHER = { name: "Giulia Bianchi", fiscalCode: "BNCGLI85M41D612X" };

const day = 24 * 3600_000;
const person = (p: { name: string; fiscalCode: string }) => `CN=${p.name},2.5.4.5=TINIT-${p.fiscalCode},C=IT`;

export interface Corpus {
  root: Issued;
  intermediate: Issued;
  valid: Issued;
  expired: Issued;
  revoked: Issued;
  other: Issued;
  authOnly: Issued;
  untrustedRoot: Issued;
  untrusted: Issued;
  tsa: Issued;
  crl: { der: Uint8Array; pem: string };
  crlUrl: string;
  /** A certificate whose CRL distribution point and OCSP responder are a closed port. */
  unreachable: Issued;
  server: Server;
  close(): Promise<void>;
}

export function signer(issued: Issued, chain: Issued[] = []): CmsSigner {
  return { certificate: issued.der, chain: chain.map((c) => c.der), key: issued.key };
}

export async function buildCorpus(): Promise<Corpus> {
  let crlDer: Uint8Array = new Uint8Array();
  let rootCrlDer: Uint8Array = new Uint8Array();
  const server = createServer((req, res) => {
    if (req.url === "/intermediate.crl" || req.url === "/root.crl") {
      res.writeHead(200, { "Content-Type": "application/pkix-crl" });
      res.end(Buffer.from(req.url === "/root.crl" ? rootCrlDer : crlDer));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const crlUrl = `http://127.0.0.1:${port}/intermediate.crl`;
  const caFrom = new Date(Date.now() - 800 * day);
  const root = await issueCertificate({
    subject: "CN=Test Root CA,O=Prove SUAP,C=IT",
    ca: true,
    notBefore: caFrom,
  });
  const intermediate = await issueCertificate({
    subject: "CN=Test Firma Qualificata CA,O=Prove SUAP,C=IT",
    ca: true,
    issuer: root,
    notBefore: caFrom,
    crlUrl: `http://127.0.0.1:${port}/root.crl`,
  });
  const leaf = (
    p: { name: string; fiscalCode: string },
    extra: Partial<Parameters<typeof issueCertificate>[0]> = {},
  ) => issueCertificate({ subject: person(p), issuer: intermediate, crlUrl, ...extra });
  const valid = await leaf(DECLARANT, { qualified: true });
  const expired = await leaf(DECLARANT, {
    notBefore: new Date(Date.now() - 400 * day),
    notAfter: new Date(Date.now() - 30 * day),
  });
  const revoked = await leaf(DECLARANT);
  const other = await leaf(OTHER);
  const authOnly = await leaf(DECLARANT, { keyUsage: KeyUsage.digitalSignature });
  const unreachable = await issueCertificate({
    subject: person(DECLARANT),
    issuer: intermediate,
    crlUrl: "http://127.0.0.1:9/none.crl",
    ocspUrl: "http://127.0.0.1:9/ocsp",
  });
  const untrustedRoot = await issueCertificate({ subject: "CN=Sconosciuta CA,O=Nessuno,C=IT", ca: true });
  const untrusted = await issueCertificate({ subject: person(DECLARANT), issuer: untrustedRoot });
  const tsa = await issueCertificate({
    subject: "CN=Test TSA,O=Prove SUAP,C=IT",
    issuer: root,
    keyUsage: KeyUsage.digitalSignature | KeyUsage.nonRepudiation,
    crlUrl: `http://127.0.0.1:${port}/root.crl`,
    extendedKeyUsage: ["1.3.6.1.5.5.7.3.8"],
  });
  const crl = await createCrl(intermediate, [
    { serialNumber: revoked.cert.serialNumber, revokedAt: new Date(Date.now() - 2 * day) },
  ]);
  crlDer = crl.der;
  rootCrlDer = (await createCrl(root, [])).der;
  return {
    root,
    intermediate,
    valid,
    expired,
    revoked,
    other,
    authOnly,
    untrustedRoot,
    untrusted,
    tsa,
    crl,
    crlUrl,
    unreachable,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function samplePdf(title = "Planimetria dei locali"): Promise<Uint8Array> {
  return renderPdf({ ...receiptSpec(), title });
}

export async function cades(content: Uint8Array, issued: Issued, c: Corpus, signingTime = new Date()) {
  return createCms(content, signer(issued, [c.intermediate]), { detached: false, signingTime });
}

export async function pades(pdf: Uint8Array, issued: Issued, c: Corpus, name = "Firma") {
  return signPdf(pdf, signer(issued, [c.intermediate]), { reason: "Sottoscrizione", name, reserve: 8192 });
}

export function pem(der: Uint8Array) {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return new Uint8Array(Buffer.from(`-----BEGIN PKCS7-----\n${b64}\n-----END PKCS7-----\n`));
}

export function base64(der: Uint8Array) {
  return new Uint8Array(
    Buffer.from(
      Buffer.from(der)
        .toString("base64")
        .replace(/(.{76})/g, "$1\r\n"),
    ),
  );
}

/** Flips one byte of `needle`'s first occurrence inside `bytes` (content altered after signing). */
export function tamper(bytes: Uint8Array, needle: string): Uint8Array {
  const copy = Buffer.from(bytes);
  const at = copy.indexOf(Buffer.from(needle, "latin1"));
  if (at < 0) throw new Error(`tamper: ${needle} not found`);
  copy[at] = copy[at]! ^ 0x01;
  return new Uint8Array(copy);
}
