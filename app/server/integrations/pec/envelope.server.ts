import { DOMParser } from "@xmldom/xmldom";
import { type ParsedMail, simpleParser } from "mailparser";
import MailComposer from "nodemailer/lib/mail-composer";

/**
 * The PEC envelopes and receipts of the technical rules (DPR 11 febbraio 2005 n. 68, DM 2 novembre 2005,
 * allegato "regole tecniche"): the provider wraps a message in a "busta di trasporto" (header
 * `X-Trasporto: posta-certificata`, the original as `postacert.eml`, the certification data as `daticert.xml`)
 * and answers the sender with receipts (`X-Ricevuta: accettazione | avvenuta-consegna | errore-consegna |
 * non-accettazione | presa-in-carico | preavviso-errore-consegna`), each with `X-Riferimento-Message-ID` naming
 * the original message and its own `daticert.xml`.
 */

export type ReceiptKind =
  | "accettazione"
  | "non-accettazione"
  | "presa-in-carico"
  | "avvenuta-consegna"
  | "errore-consegna"
  | "preavviso-errore-consegna"
  | "rilevazione-virus";

export const RECEIPT_KINDS: readonly ReceiptKind[] = [
  "accettazione",
  "non-accettazione",
  "presa-in-carico",
  "avvenuta-consegna",
  "errore-consegna",
  "preavviso-errore-consegna",
  "rilevazione-virus",
];

export interface Daticert {
  tipo: string;
  errore: string;
  mittente: string;
  destinatari: string[];
  oggetto: string;
  gestore: string;
  identificativo: string;
  msgid: string;
  consegna: string | null;
  erroreEsteso: string | null;
  data: string;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Rome wall time as daticert wants it (giorno dd/mm/yyyy, ora hh:mm:ss, zona +hhmm). */
function romeParts(at: Date) {
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Rome",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZoneName: "longOffset",
  }).formatToParts(at);
  const g = (t: string) => f.find((p) => p.type === t)?.value ?? "";
  const offset = g("timeZoneName").replace("GMT", "").replace(":", "") || "+0000";
  return {
    giorno: `${g("day")}/${g("month")}/${g("year")}`,
    ora: `${g("hour")}:${g("minute")}:${g("second")}`,
    zona: offset,
  };
}

export function daticertXml(d: Omit<Daticert, "data"> & { at: Date }) {
  const t = romeParts(d.at);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<postacert tipo="${esc(d.tipo)}" errore="${esc(d.errore)}">`,
    "<intestazione>",
    `<mittente>${esc(d.mittente)}</mittente>`,
    ...d.destinatari.map((x) => `<destinatari tipo="certificato">${esc(x)}</destinatari>`),
    `<risposte>${esc(d.mittente)}</risposte>`,
    `<oggetto>${esc(d.oggetto)}</oggetto>`,
    "</intestazione>",
    "<dati>",
    `<gestore-emittente>${esc(d.gestore)}</gestore-emittente>`,
    `<data zona="${t.zona}"><giorno>${t.giorno}</giorno><ora>${t.ora}</ora></data>`,
    `<identificativo>${esc(d.identificativo)}</identificativo>`,
    `<msgid>${esc(d.msgid)}</msgid>`,
    ...(d.tipo === "avvenuta-consegna" ? ['<ricevuta tipo="completa"/>'] : []),
    ...(d.consegna ? [`<consegna>${esc(d.consegna)}</consegna>`] : []),
    ...(d.erroreEsteso ? [`<errore-esteso>${esc(d.erroreEsteso)}</errore-esteso>`] : []),
    "</dati>",
    "</postacert>",
  ].join("\n");
}

export class EnvelopeError extends Error {}

export function parseDaticert(xml: string): Daticert {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level: string, msg: string) => {
      if (level !== "warning") errors.push(msg);
    },
  }).parseFromString(xml, "text/xml");
  const root = doc.documentElement;
  if (errors.length || !root || root.nodeName !== "postacert")
    throw new EnvelopeError("daticert.xml non è un documento postacert valido.");
  const text = (name: string) => root.getElementsByTagName(name)[0]?.textContent?.trim() ?? "";
  const all = (name: string) =>
    Array.from({ length: root.getElementsByTagName(name).length }, (_, i) =>
      (root.getElementsByTagName(name)[i]?.textContent ?? "").trim(),
    );
  const data = root.getElementsByTagName("data")[0];
  const tipo = root.getAttribute("tipo") ?? "";
  const msgid = text("msgid");
  if (!tipo || !msgid) throw new EnvelopeError("daticert.xml senza tipo o msgid.");
  return {
    tipo,
    errore: root.getAttribute("errore") ?? "nessuno",
    mittente: text("mittente"),
    destinatari: all("destinatari"),
    oggetto: text("oggetto"),
    gestore: text("gestore-emittente"),
    identificativo: text("identificativo"),
    msgid,
    consegna: text("consegna") || null,
    erroreEsteso: text("errore-esteso") || null,
    data: data
      ? `${data.getElementsByTagName("giorno")[0]?.textContent ?? ""} ${data.getElementsByTagName("ora")[0]?.textContent ?? ""}`
      : "",
  };
}

/** Builds a raw RFC 5322 message (CRLF) with nodemailer's composer. */
export function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    new MailComposer(options).compile().build((error, message) => (error ? reject(error) : resolve(message))),
  );
}

/** What a message read from the PEC mailbox turned out to be. */
export type Classified =
  | { kind: "receipt"; receipt: ReceiptKind; riferimento: string; daticert: Daticert; messageId: string }
  | {
      kind: "certified";
      messageId: string;
      daticert: Daticert;
      /** the original message (postacert.eml) */
      original: ParsedMail;
      originalRaw: Buffer;
    }
  | { kind: "invalid"; messageId: string; reason: string; from: string; subject: string };

const header = (mail: ParsedMail, name: string) => {
  const v = mail.headers.get(name);
  return typeof v === "string" ? v.trim() : v == null ? "" : String(v).trim();
};

/** Reads a message of the PEC mailbox: a receipt, a certified message (busta di trasporto), or neither. */
export async function classify(raw: Buffer): Promise<Classified> {
  // Many providers send postacert.eml "inline": read it as the attachment it is (mailparser would merge it
  // into the body text otherwise).
  const prepared = Buffer.from(
    raw
      .toString("latin1")
      .replace(
        /Content-Disposition:\s*inline(;[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*postacert\.eml)/gi,
        "Content-Disposition: attachment$1",
      ),
    "latin1",
  );
  const mail = await simpleParser(prepared, { skipHtmlToText: true, skipTextLinks: true });
  const messageId = mail.messageId ?? "";
  const from = mail.from?.value[0]?.address ?? "";
  const subject = mail.subject ?? "";
  const invalid = (reason: string): Classified => ({ kind: "invalid", messageId, reason, from, subject });
  if (!messageId) return invalid("Messaggio senza Message-ID.");
  const daticertPart = mail.attachments.find((a) => a.filename?.toLowerCase() === "daticert.xml");
  const ricevuta = header(mail, "x-ricevuta").toLowerCase();
  const trasporto = header(mail, "x-trasporto").toLowerCase();
  if (!daticertPart) return invalid("Non è una busta PEC: manca daticert.xml.");
  let daticert: Daticert;
  try {
    daticert = parseDaticert(daticertPart.content.toString("utf8"));
  } catch (error) {
    return invalid((error as Error).message);
  }
  if (ricevuta) {
    if (!RECEIPT_KINDS.includes(ricevuta as ReceiptKind))
      return invalid(`Ricevuta di tipo sconosciuto: ${ricevuta}.`);
    const riferimento = header(mail, "x-riferimento-message-id") || daticert.msgid;
    if (!riferimento) return invalid("Ricevuta senza X-Riferimento-Message-ID.");
    if (daticert.tipo !== ricevuta) return invalid("Il tipo in daticert.xml non corrisponde a X-Ricevuta.");
    return { kind: "receipt", receipt: ricevuta as ReceiptKind, riferimento, daticert, messageId };
  }
  if (trasporto === "posta-certificata") {
    const eml = mail.attachments.find(
      (a) => a.filename?.toLowerCase() === "postacert.eml" || a.contentType === "message/rfc822",
    );
    if (!eml) return invalid("Busta di trasporto senza postacert.eml.");
    const original = await simpleParser(eml.content, { skipHtmlToText: true, skipTextLinks: true });
    return { kind: "certified", messageId, daticert, original, originalRaw: eml.content };
  }
  return invalid("Non è una busta PEC: manca X-Trasporto o X-Ricevuta.");
}
