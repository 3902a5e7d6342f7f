import { createHash, type KeyObject, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { DOMParser } from "@xmldom/xmldom";
import { SignedXml } from "xml-crypto";
import { validateXML } from "xmllint-wasm";
import xpath from "xpath";

/**
 * The segnatura informatica of AgID's 2021 guidelines on documents (Linee guida sul documento informatico,
 * Allegato 6 "Comunicazione tra AOO di documenti amministrativi protocollati"): `SegnaturaInformatica` in
 * namespace http://www.agid.gov.it/protocollo/, version 3.0.0, with the digests of the primary document and
 * attachments, signed (XMLDSig, enveloped, RSA-SHA256) by the sending AOO. The schema is kept in
 * specs/agid-segnatura/ (github.com/AgID/protocollo-comunicazione-aoo). The interoperability messages
 * (ConfermaRicezione, NotificaEccezione) are in namespace http://www.agid.gov.it/protocollo/pec/.
 */

export const PROT_NS = "http://www.agid.gov.it/protocollo/";
export const PEC_NS = "http://www.agid.gov.it/protocollo/pec/";
const DS_NS = "http://www.w3.org/2000/09/xmldsig#";
const SPECS = path.resolve(process.cwd(), "specs/agid-segnatura");

export interface Identificatore {
  codiceAmministrazione: string;
  codiceAOO: string;
  codiceRegistro: string;
  /** the registration number, at least 7 digits in the segnatura */
  numero: number;
  /** YYYY-MM-DD */
  data: string;
}

export interface Party {
  kind: "amministrazione" | "persona_giuridica";
  denominazione: string;
  codiceIPA?: string;
  pec?: string | null;
  piva?: string | null;
}

export interface SegnaturaInput {
  identificatore: Identificatore;
  oggetto: string;
  classifica: { denominazione: string; codice: string };
  fascicolo?: { denominazione: string; codice: string };
  mittente: Party;
  destinatari: Party[];
  documenti: { nomeFile: string; mimeType: string; content: Buffer }[];
}

export interface XmlSigner {
  key: KeyObject;
  /** DER */
  certificate: Uint8Array;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** An IdentificatoreType element: `outer` is the element's own prefix, `inner` the prefix of prot's children. */
const identificatoreXml = (tag: string, i: Identificatore, outer = "", inner = "") => {
  const e = (name: string, value: string) => `<${inner}${name}>${esc(value)}</${inner}${name}>`;
  return `<${outer}${tag}>${e("CodiceAmministrazione", i.codiceAmministrazione)}${e("CodiceAOO", i.codiceAOO)}${e(
    "CodiceRegistro",
    i.codiceRegistro,
  )}${e("NumeroRegistrazione", String(i.numero).padStart(7, "0"))}${e("DataRegistrazione", i.data)}</${outer}${tag}>`;
};

function partyXml(tag: string, p: Party) {
  const contatti = (name: string) =>
    p.pec ? `<${name}><IndirizzoTelematico>${esc(p.pec)}</IndirizzoTelematico></${name}>` : "";
  if (p.kind === "amministrazione")
    return `<${tag}><Amministrazione><DenominazioneAmministrazione>${esc(p.denominazione)}</DenominazioneAmministrazione><CodiceIPAAmministrazione>${esc(
      p.codiceIPA ?? p.denominazione,
    )}</CodiceIPAAmministrazione>${contatti("ContattiAmministrazione")}</Amministrazione></${tag}>`;
  const piva = p.piva && /^\d{11}$/.test(p.piva) ? `<PIVAoCF>${p.piva}</PIVAoCF>` : "";
  return `<${tag}><PersonaGiuridica><Denominazione>${esc(p.denominazione)}</Denominazione>${piva}${contatti(
    "ContattiPersonaGiuridica",
  )}</PersonaGiuridica></${tag}>`;
}

const digest = (b: Buffer) => createHash("sha256").update(b).digest("base64");

/** The unsigned segnatura (the signature is appended by `signXml`). */
export function segnaturaXml(input: SegnaturaInput): string {
  const [primary, ...others] = input.documenti;
  if (!primary) throw new Error("La segnatura richiede un documento primario.");
  const doc = (tag: string, d: SegnaturaInput["documenti"][number]) =>
    `<${tag} prot:nomeFile="${esc(d.nomeFile)}" prot:mimeType="${esc(d.mimeType)}"><Impronta prot:algoritmo="SHA-256">${digest(
      d.content,
    )}</Impronta></${tag}>`;
  return [
    `<SegnaturaInformatica xmlns="${PROT_NS}" xmlns:prot="${PROT_NS}" prot:versione="3.0.0" prot:lang="it">`,
    "<Intestazione>",
    identificatoreXml("Identificatore", input.identificatore),
    `<Oggetto>${esc(input.oggetto)}</Oggetto>`,
    `<Classifica><Denominazione>${esc(input.classifica.denominazione)}</Denominazione><CodiceFlat>${esc(
      input.classifica.codice,
    )}</CodiceFlat></Classifica>`,
    input.fascicolo
      ? `<Fascicolo><Denominazione>${esc(input.fascicolo.denominazione)}</Denominazione><CodiceFascicolo>${esc(
          input.fascicolo.codice,
        )}</CodiceFascicolo></Fascicolo>`
      : "",
    "</Intestazione>",
    "<Descrizione>",
    partyXml("Mittente", input.mittente),
    ...input.destinatari.map((d) => partyXml("Destinatario", d)),
    doc("DocumentoPrimario", primary),
    ...others.map((d) => doc("Allegato", d)),
    "</Descrizione>",
    "</SegnaturaInformatica>",
  ].join("");
}

/** ConfermaRicezione (pec_message.xsd): the receiving AOO's registration of a received message. */
export function confermaRicezioneXml(ricevuto: Identificatore | string, registrazione: Identificatore) {
  const msg =
    typeof ricevuto === "string"
      ? `<pec:DescrizioneMessaggio>${esc(ricevuto)}</pec:DescrizioneMessaggio>`
      : identificatoreXml("Identificatore", ricevuto, "pec:", "prot:");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<pec:ConfermaRicezione xmlns:pec="${PEC_NS}" xmlns:prot="${PROT_NS}" pec:versione="3.0.0" pec:lang="it">${identificatoreXml(
    "Identificatore",
    registrazione,
    "pec:",
    "prot:",
  )}<pec:MessaggioRicevuto>${msg}</pec:MessaggioRicevuto></pec:ConfermaRicezione>`;
}

/** NotificaEccezione (pec_message.xsd): the message could not be registered, and why. */
export function notificaEccezioneXml(ricevuto: string, motivo: string) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<pec:NotificaEccezione xmlns:pec="${PEC_NS}" xmlns:prot="${PROT_NS}" pec:versione="3.0.0" pec:lang="it"><pec:MessaggioRicevuto><pec:DescrizioneMessaggio>${esc(
    ricevuto,
  )}</pec:DescrizioneMessaggio></pec:MessaggioRicevuto><pec:Motivo>${esc(motivo)}</pec:Motivo></pec:NotificaEccezione>`;
}

/** Appends an enveloped XMLDSig (exclusive c14n, RSA-SHA256, the certificate in KeyInfo) to the root. */
export function signXml(xml: string, signer: XmlSigner): string {
  const certB64 = Buffer.from(signer.certificate).toString("base64");
  const sig = new SignedXml({
    privateKey: signer.key.export({ format: "pem", type: "pkcs8" }) as string,
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
    getKeyInfoContent: () => `<ds:X509Data><ds:X509Certificate>${certB64}</ds:X509Certificate></ds:X509Data>`,
  });
  sig.addReference({
    xpath: "/*",
    transforms: [
      "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
      "http://www.w3.org/2001/10/xml-exc-c14n#",
    ],
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
    isEmptyUri: true,
  });
  sig.computeSignature(xml, { prefix: "ds", location: { reference: "/*", action: "append" } });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${sig.getSignedXml()}`;
}

export class SegnaturaError extends Error {}

/** Validates against AgID's XSD (segnatura_protocollo.xsd or pec_message.xsd); returns the errors. */
export async function validateAgainstXsd(xml: string, schema: "segnatura" | "pec_message" = "segnatura") {
  const read = (f: string) => readFile(path.join(SPECS, f), "utf8");
  const [segnatura, dsig, pecMessage] = await Promise.all([
    read("segnatura_protocollo.xsd"),
    read("import_schemas/xmldsig-core-schema.xsd"),
    read("pec_message.xsd"),
  ]);
  const result = await validateXML({
    xml: [{ fileName: "segnatura.xml", contents: xml }],
    schema: [
      schema === "pec_message"
        ? { fileName: "pec_message.xsd", contents: pecMessage }
        : { fileName: "segnatura_protocollo.xsd", contents: segnatura },
    ],
    preload: [
      { fileName: "import_schemas/xmldsig-core-schema.xsd", contents: dsig },
      ...(schema === "pec_message" ? [{ fileName: "segnatura_protocollo.xsd", contents: segnatura }] : []),
    ],
  });
  return result.valid ? [] : result.errors.map((e) => e.message);
}

export interface ReadSegnatura {
  identificatore: Identificatore;
  oggetto: string;
  mittente: string;
  /** SHA-256 digests (base64) of the documents, by file name */
  impronte: Record<string, string>;
  certificateSubject: string;
}

/**
 * Reads a received segnatura: valid against the XSD, signature verified with the certificate it carries (the
 * certificate's trust is the signature verifier's business, not checked here), digests listed. Throws a
 * SegnaturaError with an Italian sentence otherwise.
 */
export async function readSegnatura(xml: string): Promise<ReadSegnatura> {
  const errors = await validateAgainstXsd(xml);
  if (errors.length) throw new SegnaturaError(`Segnatura non conforme allo schema AgID: ${errors[0]}`);
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  // biome-ignore lint/correctness/useHookAtTopLevel: xpath's namespace-aware selector, not a React hook
  const select = xpath.useNamespaces({ prot: PROT_NS, ds: DS_NS });
  const signature = select("/prot:SegnaturaInformatica/ds:Signature", doc as unknown as Node, true) as
    | Node
    | undefined;
  if (!signature) throw new SegnaturaError("Segnatura senza firma.");
  const certText = (select("string(.//ds:X509Certificate)", signature) as string).replace(/\s+/g, "");
  if (!certText) throw new SegnaturaError("Segnatura senza certificato del firmatario.");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(certText, "base64"));
  } catch {
    throw new SegnaturaError("Il certificato della segnatura non si legge.");
  }
  const verifier = new SignedXml({ publicCert: cert.toString() });
  verifier.loadSignature(signature);
  let ok = false;
  try {
    ok = verifier.checkSignature(xml);
  } catch {
    ok = false;
  }
  if (!ok) throw new SegnaturaError("La firma della segnatura non è valida: il contenuto è stato alterato.");
  const t = (p: string) => (select(`string(${p})`, doc as unknown as Node) as string).trim();
  const base = "/prot:SegnaturaInformatica/prot:Intestazione/prot:Identificatore/prot:";
  const impronte: Record<string, string> = {};
  for (const node of select(
    "/prot:SegnaturaInformatica/prot:Descrizione/*[self::prot:DocumentoPrimario or self::prot:Allegato]",
    doc as unknown as Node,
  ) as Element[]) {
    impronte[node.getAttributeNS(PROT_NS, "nomeFile") ?? ""] = (
      select("string(prot:Impronta)", node) as string
    ).trim();
  }
  return {
    identificatore: {
      codiceAmministrazione: t(`${base}CodiceAmministrazione`),
      codiceAOO: t(`${base}CodiceAOO`),
      codiceRegistro: t(`${base}CodiceRegistro`),
      numero: Number(t(`${base}NumeroRegistrazione`)),
      data: t(`${base}DataRegistrazione`),
    },
    oggetto: t("/prot:SegnaturaInformatica/prot:Intestazione/prot:Oggetto"),
    mittente: t(
      "/prot:SegnaturaInformatica/prot:Descrizione/prot:Mittente/*/*[self::prot:DenominazioneAmministrazione or self::prot:Denominazione]",
    ),
    impronte,
    certificateSubject: cert.subject,
  };
}

export const sha256Base64 = digest;
