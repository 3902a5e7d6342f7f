import { X509Certificate } from "node:crypto";
import { DOMParser } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";

/**
 * The XAdES (XMLDSig enveloped) signature of an ETSI TS 119 612 trusted list, checked against the configured
 * TL signer certificate(s) (TRUSTED_LIST_SIGNER: the scheme operator's certificate AgID publishes in the
 * Official Journal). The signature must cover the whole list (a Reference to "" or to the root's Id, with the
 * enveloped-signature transform) and verify with one of the configured certificates' keys; the certificate
 * in the list's own KeyInfo is not trusted. Throws one Italian sentence saying what is wrong.
 */
const DSIG = "http://www.w3.org/2000/09/xmldsig#";

export function verifyTrustedListSignature(xml: string, signerPems: string[]): void {
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  const root = doc.documentElement;
  if (!root) throw new Error("la lista di fiducia non è un documento XML leggibile");
  const signatures = Array.from(root.childNodes as unknown as ArrayLike<Element>).filter(
    (n) => n.nodeType === 1 && n.localName === "Signature" && n.namespaceURI === DSIG,
  );
  if (signatures.length !== 1)
    throw new Error(
      "la lista di fiducia non porta la firma XAdES del gestore dello schema (ds:Signature): scaricala di nuovo dalla fonte ufficiale",
    );
  const rootId = root.getAttribute("Id");
  let lastError = "";
  for (const pem of signerPems) {
    const sig = new SignedXml({ publicCert: pem, getCertFromKeyInfo: () => null });
    sig.loadSignature(signatures[0]!);
    try {
      if (sig.checkSignature(xml)) {
        const refs = sig.getReferences();
        const whole = refs.some(
          (r) =>
            (r.uri === "" || (rootId && r.uri === `#${rootId}`)) &&
            r.transforms.includes("http://www.w3.org/2000/09/xmldsig#enveloped-signature"),
        );
        if (!whole)
          throw new Error("la firma della lista di fiducia non copre l'intera lista: non è accettata");
        return;
      }
    } catch (error) {
      lastError = (error as Error).message;
      if (/non copre/.test(lastError)) throw error;
    }
  }
  const subjects = signerPems.map((p) => new X509Certificate(p).subject.replace(/\n/g, ", ")).join("; ");
  throw new Error(
    `la firma XAdES della lista di fiducia non è valida per il certificato del gestore configurato in TRUSTED_LIST_SIGNER (${subjects}): la lista è stata alterata o firmata da altri${lastError ? ` (${lastError})` : ""}. Le àncore di fiducia precedenti restano in uso`,
  );
}
