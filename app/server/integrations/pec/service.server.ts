import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { renderTemplate, type TemplateFacts } from "~/i18n/mail";
import type { Database, OutboxAttachment, OutboxTable } from "../../db/schema.server";
import { enqueue, messageIdHeader } from "../../mail/outbox.server";
import { findPraticaByCui, findPraticaByProtocolNumber, praticaDesk } from "../../pratiche/repository.server";
import type { FileStore } from "../../storage.server";
import type { WorkflowEvent } from "../../../../workflows/events";
import type { ResultDispatchFn } from "../types.server";
import { type Classified, classify } from "./envelope.server";
import { attachFiles, decideStep, type MailFile } from "./steps.server";
import type { DomicilioLookup, PecAttachment, PecMailbox } from "./port.server";
import {
  confermaRicezioneXml,
  type Identificatore,
  notificaEccezioneXml,
  type Party,
  type ReadSegnatura,
  readSegnatura,
  SegnaturaError,
  segnaturaXml,
  signXml,
  type XmlSigner,
} from "./segnatura.server";

/**
 * PEC, both ways (see ADR 0020).
 *  - Outgoing: the outbox's rows of channel `pec` are submitted to the provider with a signed segnatura.xml;
 *    the row is then `submitted`; the receipts read from the mailbox make it `accepted` ("inviata"),
 *    `delivered` ("consegnata") or `not_delivered` (the desk is alerted).
 *  - Incoming: each message of the mailbox is recorded once (unique Message-ID) in its own transaction; a
 *    certified message naming a pratica is protocolled on it through the engine, any other waits in the desk's
 *    inbox (/scrivania/posta); refusals are recorded and shown there; the sender gets a conferma di ricezione
 *    or a notifica di eccezione.
 */

type OutboxRow = {
  [K in keyof OutboxTable]: OutboxTable[K] extends { __select__: infer S } ? S : OutboxTable[K];
};

export interface PecRuntime {
  mailbox: PecMailbox;
  signer: XmlSigner;
  domicili?: DomicilioLookup;
}

const CUI =
  /\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d{4}-\d{2}-\d{2}-\d{6}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
const PROTOCOL = /\b[A-Z][A-Z0-9-]*\/\d{4}\/\d{7}\b/;

const romeDay = (d: Date) =>
  new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Rome",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(d);

/** The segnatura of an outgoing message of a pratica: its latest protocol entry, the desk, the recipient. */
async function segnaturaFor(
  db: Kysely<Database>,
  row: OutboxRow,
  documents: PecAttachment[],
  signer: XmlSigner,
) {
  if (!row.pratica_id) return null;
  const desk = await praticaDesk(db, row.pratica_id);
  if (!desk) return null;
  const entry = await db
    .selectFrom("protocol_entries")
    .select(["number", "registered_at", "label", "direction"])
    .where("pratica_id", "=", row.pratica_id)
    .where("registered_at", "<=", new Date(new Date(row.created_at).getTime() + 1000))
    .orderBy("registered_at", "desc")
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!entry) return null;
  const agency = await db
    .selectFrom("entities")
    .select(["name", "code", "ipa_code", "pec"])
    .where("pec", "=", row.recipient)
    .executeTakeFirst();
  const business = agency
    ? undefined
    : await db
        .selectFrom("businesses")
        .select(["name", "vat_number", "pec"])
        .where("pec", "=", row.recipient)
        .executeTakeFirst();
  const destinatario: Party = agency
    ? {
        kind: "amministrazione",
        denominazione: agency.name,
        codiceIPA: agency.ipa_code ?? agency.code,
        pec: agency.pec,
      }
    : {
        kind: "persona_giuridica",
        denominazione: business?.name ?? row.recipient,
        piva: business?.vat_number,
        pec: row.recipient,
      };
  const identificatore: Identificatore = {
    codiceAmministrazione: desk.code,
    codiceAOO: desk.code,
    codiceRegistro: "PROTOCOLLO",
    numero: entry.number,
    data: romeDay(new Date(entry.registered_at)),
  };
  const xml = segnaturaXml({
    identificatore,
    oggetto: row.subject,
    classifica: { denominazione: "Sportello unico per le attività produttive", codice: "SUAP" },
    fascicolo: desk.cui ? { denominazione: desk.title, codice: desk.cui } : undefined,
    mittente: { kind: "amministrazione", denominazione: desk.name, codiceIPA: desk.code, pec: desk.pec },
    destinatari: [destinatario],
    documenti: documents.map((d) => ({ nomeFile: d.filename, mimeType: d.contentType, content: d.content })),
  });
  return signXml(xml, signer);
}

/** Which address a business's message goes to: its domicilio digitale in INI-PEC wins (art. 6-bis CAD). */
async function domicilioFor(db: Kysely<Database>, row: OutboxRow, domicili?: DomicilioLookup) {
  if (!domicili) return row.recipient;
  const business = await db
    .selectFrom("businesses")
    .select(["fiscal_code"])
    .where("pec", "=", row.recipient)
    .executeTakeFirst();
  if (!business) return row.recipient;
  try {
    return (await domicili.lookup(business.fiscal_code)) ?? row.recipient;
  } catch (error) {
    // INI-PEC down or answering off the interface: the declared PEC, and a line in the log.
    console.error(`[pec] INI-PEC: ${(error as Error).message}; si usa la PEC dichiarata ${row.recipient}`);
    return row.recipient;
  }
}

/**
 * Submits one outbox row of channel `pec` (called by the outbox delivery, OUTSIDE any transaction). The
 * Message-ID is the row's, so a resend after a crash is the same message (the provider accepts it once).
 * Returns the storage key of the segnatura it carried.
 */
export async function submitPec(
  db: Kysely<Database>,
  files: FileStore,
  pec: PecRuntime,
  row: OutboxRow,
  attachments: PecAttachment[],
): Promise<{ segnaturaKey: string | null; recipient: string }> {
  const messageId = messageIdHeader(row.message_id as string, pec.mailbox.address);
  const documents = attachments.length
    ? attachments
    : [
        {
          filename: "messaggio.txt",
          contentType: "text/plain; charset=utf-8",
          content: Buffer.from(row.body_text),
        },
      ];
  const isInterop = attachments.some((a) => /^(conferma|eccezione)\.xml$/.test(a.filename));
  const segnatura = isInterop ? null : await segnaturaFor(db, row, documents, pec.signer);
  const stored = segnatura ? await files.put(Buffer.from(segnatura)) : null;
  const recipient = await domicilioFor(db, row, pec.domicili);
  await pec.mailbox.send({
    to: recipient,
    subject: row.subject,
    text: row.body_text,
    messageId,
    attachments: [
      ...documents,
      ...(segnatura
        ? [{ filename: "segnatura.xml", contentType: "application/xml", content: Buffer.from(segnatura) }]
        : []),
    ],
  });
  return { segnaturaKey: stored?.key ?? null, recipient };
}

export interface ReadReport {
  read: number;
  failed: number;
  receipts: number;
  protocolled: number;
  inbox: number;
  refused: number;
  duplicates: number;
}

export interface InboundDeps {
  files: FileStore;
  dispatch: ResultDispatchFn;
  publicUrl: string;
  now?: () => Date;
  /** The engine's dry run (whether the machine takes an event now); without it no PEC steps a pratica. */
  wouldAccept?: (trx: Transaction<Database>, praticaId: string, event: WorkflowEvent) => Promise<boolean>;
}

/** Reads the SUAP's PEC mailbox once: receipts, certified messages, refusals. IMAP down: throws, nothing lost. */
export async function readPecMailbox(
  db: Kysely<Database>,
  pec: PecRuntime,
  deps: InboundDeps,
): Promise<ReadReport> {
  const report: ReadReport = {
    read: 0,
    failed: 0,
    receipts: 0,
    protocolled: 0,
    inbox: 0,
    refused: 0,
    duplicates: 0,
  };
  const result = await pec.mailbox.readUnseen(async ({ raw }) => {
    const classified = await classify(raw);
    const outcome = await db.transaction().execute((trx) => recordMessage(trx, pec, deps, classified, raw));
    report[outcome] += 1;
  });
  report.read = result.read;
  report.failed = result.failed;
  return report;
}

type Outcome = "receipts" | "protocolled" | "inbox" | "refused" | "duplicates";

async function refuse(
  trx: Transaction<Database>,
  deps: InboundDeps,
  input: { messageId: string; sender: string; subject: string; reason: string; raw?: Buffer },
): Promise<Outcome> {
  const stored = input.raw ? await deps.files.put(input.raw) : null;
  const inserted = await trx
    .insertInto("pec_messages")
    .values({
      id: randomUUID(),
      message_id: input.messageId,
      sender: input.sender || "(sconosciuto)",
      subject: input.subject,
      storage_key: stored?.key ?? null,
      status: "refused",
      reason: input.reason,
    })
    .onConflict((oc) => oc.column("message_id").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) return "duplicates";
  console.error(`[pec] rifiutato ${input.messageId} da ${input.sender}: ${input.reason}`);
  return "refused";
}

async function recordMessage(
  trx: Transaction<Database>,
  pec: PecRuntime,
  deps: InboundDeps,
  c: Classified,
  raw: Buffer,
): Promise<Outcome> {
  if (c.kind === "invalid") {
    const { sha256 } = await deps.files.put(raw);
    return refuse(trx, deps, {
      messageId: c.messageId || `sha256:${sha256}`,
      sender: c.from,
      subject: c.subject,
      reason: c.reason,
      raw,
    });
  }
  if (c.kind === "receipt") return recordReceipt(trx, deps, c, raw);
  return recordIncoming(trx, pec, deps, c, raw);
}

async function recordReceipt(
  trx: Transaction<Database>,
  deps: InboundDeps,
  c: Extract<Classified, { kind: "receipt" }>,
  raw: Buffer,
): Promise<Outcome> {
  const localId = /^<?([^@<>]+)@/.exec(c.riferimento)?.[1] ?? "";
  const message = localId
    ? await trx
        .selectFrom("outbox")
        .selectAll()
        .where("message_id", "=", localId)
        .where("channel", "=", "pec")
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!message)
    return refuse(trx, deps, {
      messageId: c.messageId,
      sender: c.daticert.gestore || "gestore PEC",
      subject: `Ricevuta ${c.receipt} per ${c.riferimento}`,
      reason:
        "Ricevuta per un messaggio sconosciuto: nessun messaggio inviato dal portale ha questo Message-ID.",
      raw,
    });
  const inserted = await trx
    .insertInto("pec_receipts")
    .values({
      id: randomUUID(),
      message_id: c.messageId,
      outbox_id: message.id,
      kind: c.receipt,
      riferimento: c.riferimento,
      recipient: c.daticert.consegna,
      error: c.daticert.erroreEsteso,
      daticert: JSON.stringify(c.daticert),
    })
    .onConflict((oc) => oc.column("message_id").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) return "duplicates";
  const now = deps.now?.() ?? new Date();
  const final = message.pec_status === "delivered" || message.pec_status === "not_delivered";
  if (c.receipt === "accettazione") {
    await trx
      .updateTable("outbox")
      .set({ pec_accepted_at: now, ...(final ? {} : { pec_status: "accepted" }) })
      .where("id", "=", message.id)
      .execute();
  } else if (c.receipt === "avvenuta-consegna") {
    await trx
      .updateTable("outbox")
      .set({ pec_status: "delivered", pec_delivered_at: now, pec_error: null })
      .where("id", "=", message.id)
      .execute();
  } else if (
    c.receipt === "errore-consegna" ||
    c.receipt === "non-accettazione" ||
    c.receipt === "rilevazione-virus"
  ) {
    const error = c.daticert.erroreEsteso ?? c.daticert.errore;
    await trx
      .updateTable("outbox")
      .set({
        pec_status: c.receipt === "non-accettazione" ? "not_accepted" : "not_delivered",
        pec_error: error,
      })
      .where("id", "=", message.id)
      .execute();
    await alertDesk(trx, deps, message, error);
  }
  return "receipts";
}

async function factsFor(
  trx: Transaction<Database>,
  praticaId: string | null,
  deps: InboundDeps,
  reasons: string | null,
) {
  const desk = praticaId ? await praticaDesk(trx, praticaId) : undefined;
  const fallback = await trx
    .selectFrom("entities")
    .select(["name", "pec", "email"])
    .where("kind", "=", "suap")
    .orderBy("id")
    .executeTakeFirst();
  const facts: TemplateFacts = {
    title: desk?.title ?? "",
    cui: desk?.cui ?? "",
    protocolNumber: desk?.protocol_number ?? null,
    comune: "",
    business: "",
    status: "",
    desk: desk?.name ?? fallback?.name ?? "SUAP",
    finalDue: null,
    integrationDue: null,
    observationsDue: null,
    reasons,
    link: `${deps.publicUrl.replace(/\/$/, "")}/scrivania/posta`,
    audience: "desk",
  };
  return { facts, desk: desk ?? fallback };
}

/** A failed delivery: a log line, a mail to the desk's address, and the row flagged on /scrivania/posta. */
async function alertDesk(trx: Transaction<Database>, deps: InboundDeps, message: OutboxRow, error: string) {
  console.error(`[pec] mancata consegna del messaggio ${message.id} a ${message.recipient}: ${error}`);
  const { facts, desk } = await factsFor(trx, message.pratica_id, deps, `${message.recipient}: ${error}`);
  const address = desk?.email ?? desk?.pec;
  if (!address) return;
  const rendered = renderTemplate("pec_mancata_consegna", "it", facts);
  await enqueue(trx, {
    dedupeKey: `pec-not-delivered:${message.id}`,
    recipient: address,
    template: "pec_mancata_consegna",
    subject: rendered.subject,
    text: rendered.text,
    praticaId: message.pratica_id ?? undefined,
  });
}

async function recordIncoming(
  trx: Transaction<Database>,
  pec: PecRuntime,
  deps: InboundDeps,
  c: Extract<Classified, { kind: "certified" }>,
  raw: Buffer,
): Promise<Outcome> {
  const original = c.original;
  const sender = (original.from?.value[0]?.address ?? c.daticert.mittente).toLowerCase();
  const subject = original.subject ?? c.daticert.oggetto;
  const id = randomUUID();
  const stored = await deps.files.put(raw);
  // The unique Message-ID makes a second fetch of the same envelope a no-op.
  const inserted = await trx
    .insertInto("pec_messages")
    .values({
      id,
      message_id: c.messageId,
      original_message_id: original.messageId ?? null,
      sender,
      subject,
      body_text: (original.text ?? "").slice(0, 20_000),
      storage_key: stored.key,
      status: "inbox",
    })
    .onConflict((oc) => oc.column("message_id").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) return "duplicates";
  const segnaturaPart = original.attachments.find((a) => a.filename?.toLowerCase() === "segnatura.xml");
  let segnatura: ReadSegnatura | null = null;
  if (segnaturaPart) {
    try {
      segnatura = await readSegnatura(segnaturaPart.content.toString("utf8"));
    } catch (error) {
      const reason = error instanceof SegnaturaError ? error.message : "Segnatura illeggibile.";
      await trx.updateTable("pec_messages").set({ status: "refused", reason }).where("id", "=", id).execute();
      console.error(`[pec] rifiutato ${c.messageId} da ${sender}: ${reason}`);
      await sendInterop(trx, deps, {
        to: sender,
        praticaId: null,
        kind: "eccezione",
        ricevuto: original.messageId ?? c.messageId,
        reason,
      });
      return "refused";
    }
    await trx
      .updateTable("pec_messages")
      .set({ segnatura: JSON.stringify(segnatura) })
      .where("id", "=", id)
      .execute();
  }
  const haystack = [subject, segnatura?.oggetto ?? "", original.text ?? ""].join("\n");
  const cui = CUI.exec(haystack)?.[0];
  const label = PROTOCOL.exec(haystack)?.[0];
  const pratica =
    (cui ? await findPraticaByCui(trx, cui) : undefined) ??
    (label ? await findPraticaByProtocolNumber(trx, label) : undefined);
  if (!pratica) return "inbox";
  const now = deps.now?.() ?? new Date();
  const mailFiles: MailFile[] = original.attachments.map((a) => ({
    filename: a.filename ?? "allegato",
    contentType: a.contentType ?? "application/octet-stream",
    content: a.content,
  }));
  const step = await decideStep(trx, {
    praticaId: pratica.id,
    sender,
    subject,
    segnatura,
    files: mailFiles,
    at: romeDay(now),
    wouldAccept: (event) => deps.wouldAccept?.(trx, pratica.id, event) ?? Promise.resolve(false),
  });
  let protocolLabel: string | null;
  if (step.kind === "received") {
    await attachFiles(trx, deps.files, {
      praticaId: pratica.id,
      pecMessageId: id,
      purpose: "pec",
      code: "PEC",
      files: step.files,
    });
    protocolLabel = await protocolOnPratica(trx, deps, {
      praticaId: pratica.id,
      messageRowId: id,
      sender,
      subject,
      messageId: c.messageId,
    });
    if (step.agency)
      await trx
        .updateTable("pec_messages")
        .set({ agency_id: step.agency.id, suggested_outcome: step.suggested })
        .where("id", "=", id)
        .execute();
  } else {
    // The files first (the step's documents and the desk's view name them), then the event, spoken by the
    // sender: the step's own incoming registration protocols the message, once.
    await attachFiles(trx, deps.files, {
      praticaId: pratica.id,
      pecMessageId: id,
      purpose: step.kind === "integration" ? "integration" : "opinion",
      code: step.kind === "integration" ? "INTEGRAZIONE" : "PARERE",
      files: step.files,
    });
    await deps.dispatch(trx, {
      praticaId: pratica.id,
      event: step.event,
      actor:
        step.kind === "agency_conclusion"
          ? { kind: "pec", as: "agency", sender, agencyCode: step.agency.code }
          : { kind: "pec", as: "applicant", sender },
    });
    const entry = await trx
      .selectFrom("protocol_entries")
      .select(["label"])
      .where("pratica_id", "=", pratica.id)
      .where("direction", "=", "in")
      .orderBy("id", "desc")
      .executeTakeFirst();
    protocolLabel = entry?.label ?? null;
    await trx
      .updateTable("pec_messages")
      .set({
        status: "protocolled",
        pratica_id: pratica.id,
        protocol_label: protocolLabel,
        stepped_event: step.event.type,
        agency_id: step.kind === "agency_conclusion" ? step.agency.id : null,
        handled_at: now,
      })
      .where("id", "=", id)
      .execute();
  }
  await sendInterop(trx, deps, {
    to: sender,
    praticaId: pratica.id,
    kind: "conferma",
    ricevuto: segnatura?.identificatore ?? original.messageId ?? c.messageId,
    protocolLabel,
  });
  void pec;
  return "protocolled";
}

/**
 * Protocols a certified message as incoming on its pratica THROUGH THE ENGINE (an INTEGRATION_RESULT in the
 * pratica's audit chain with the incoming protocol entry as its effect), and marks the message protocolled.
 */
export async function protocolOnPratica(
  trx: Transaction<Database>,
  deps: Pick<InboundDeps, "dispatch">,
  input: {
    praticaId: string;
    messageRowId: string;
    sender: string;
    subject: string;
    messageId: string;
    userId?: string;
  },
): Promise<string | null> {
  await deps.dispatch(trx, {
    praticaId: input.praticaId,
    event: {
      type: "INTEGRATION_RESULT",
      at: new Date().toISOString(),
      kind: "pec",
      operation: "incoming",
      callId: input.messageRowId,
      ok: true,
      result: { messageId: input.messageId, sender: input.sender, subject: input.subject },
    },
    effects: [
      {
        type: "protocol",
        direction: "in",
        subject: `PEC da ${input.sender}: ${input.subject}`.slice(0, 500),
      },
    ],
  });
  const entry = await trx
    .selectFrom("protocol_entries")
    .select(["label"])
    .where("pratica_id", "=", input.praticaId)
    .where("direction", "=", "in")
    .orderBy("id", "desc")
    .executeTakeFirst();
  const label = entry?.label ?? null;
  await trx
    .updateTable("pec_messages")
    .set({
      status: "protocolled",
      pratica_id: input.praticaId,
      protocol_label: label,
      handled_by: input.userId ?? null,
      handled_at: new Date(),
    })
    .where("id", "=", input.messageRowId)
    .execute();
  return label;
}

/** ConfermaRicezione / NotificaEccezione back to the sender, as a PEC message of the outbox. */
export async function sendInterop(
  trx: Transaction<Database>,
  deps: Pick<InboundDeps, "files" | "publicUrl">,
  input:
    | {
        to: string;
        praticaId: string | null;
        kind: "conferma";
        ricevuto: Identificatore | string;
        protocolLabel: string | null;
      }
    | { to: string; praticaId: string | null; kind: "eccezione"; ricevuto: string; reason: string },
) {
  const { facts, desk } = await factsFor(
    trx,
    input.praticaId,
    { ...deps, dispatch: async () => {} },
    input.kind === "eccezione" ? input.reason : null,
  );
  let xml: string;
  if (input.kind === "conferma") {
    const m = /^(.*)\/(\d{4})\/(\d{7})$/.exec(input.protocolLabel ?? "");
    const code = desk && "code" in desk ? String(desk.code) : "SUAP";
    const registrazione: Identificatore = {
      codiceAmministrazione: code,
      codiceAOO: code,
      codiceRegistro: "PROTOCOLLO",
      numero: m ? Number(m[3]) : 0,
      data: romeDay(new Date()),
    };
    xml = confermaRicezioneXml(input.ricevuto, registrazione);
  } else {
    xml = notificaEccezioneXml(input.ricevuto, input.reason);
  }
  const stored = await deps.files.put(Buffer.from(xml));
  const template = input.kind === "conferma" ? "pec_conferma_ricezione" : "pec_notifica_eccezione";
  const rendered = renderTemplate(template, "it", facts);
  const attachment: OutboxAttachment = {
    filename: input.kind === "conferma" ? "conferma.xml" : "eccezione.xml",
    contentType: "application/xml",
    storageKey: stored.key,
  };
  await enqueue(trx, {
    dedupeKey: `pec-${input.kind}:${typeof input.ricevuto === "string" ? input.ricevuto : JSON.stringify(input.ricevuto)}:${input.to}`,
    channel: "pec",
    recipient: input.to,
    template,
    subject: rendered.subject,
    text: rendered.text,
    praticaId: input.praticaId ?? undefined,
    attachments: [attachment],
  });
}
