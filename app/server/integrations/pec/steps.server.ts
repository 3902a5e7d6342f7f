import { randomUUID } from "node:crypto";
import { DOMParser } from "@xmldom/xmldom";
import type { Kysely, Transaction } from "kysely";
import type { ConclusionOutcome, WorkflowEvent } from "../../../../workflows/events";
import type { Database } from "../../db/schema.server";
import type { FileStore } from "../../storage.server";
import { type ReadSegnatura, sha256Base64 } from "./segnatura.server";

/**
 * What an incoming certified message naming a pratica does to it (ADR 0028). The rule, in order:
 *
 *  1. **An agency's opinion steps the pratica** (`AGENCY_CONCLUSION`, spoken by the agency) when ALL hold:
 *     the PEC comes from the PEC address of an agency the pratica was forwarded to; it carries a segnatura
 *     that is valid and whose signature verifies (checked before, in service.server.ts); it carries
 *     `esito.xml` (the structured outcome, docs/integrations/pec-esito.md) and every file the segnatura lists
 *     (`esito.xml` among them) is attached with the SHA-256 the segnatura states, so the outcome is covered by
 *     the agency's signature; and the machine takes the event now (the agency's opinion is still awaited).
 *  2. **A business's integration steps the pratica** (`INTEGRATION_RECEIVED`, spoken by the applicant) when the
 *     PEC comes from the PEC address of the pratica's business, carries at least one file, and the pratica is
 *     waiting for an integration (the machine takes the event now).
 *  3. **Anything else is a received document**: protocolled as incoming on the pratica (as before), its files
 *     attached to the pratica; when it comes from one of the pratica's agencies, the reviewer's act is
 *     pre-filled with the outcome `esito.xml` states (even unsigned) or, failing that, the one its subject or
 *     segnatura's oggetto names in so many words ("favorevole", "contrario", "prescrizioni"). A person confirms
 *     it: free text is never read as the agency's act.
 */

export interface MailFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export const ESITO_NS = "urn:suap:pec:esito:1";
export const ESITO_FILE = "esito.xml";

const ESITI: Record<string, ConclusionOutcome> = {
  favorevole: "positive",
  favorevole_con_prescrizioni: "conformation",
  contrario: "negative",
};

/** The outcome and reasons of an `esito.xml`, or null when it is not one (wrong namespace, unknown outcome). */
export function readEsito(xml: string): { outcome: ConclusionOutcome; reasons?: string } | null {
  let doc: Document;
  try {
    doc = new DOMParser({ onError: () => {} }).parseFromString(xml, "text/xml") as unknown as Document;
  } catch {
    return null;
  }
  const root = doc?.documentElement;
  if (!root || root.namespaceURI !== ESITO_NS || root.localName !== "EsitoParere") return null;
  const text = (name: string) => root.getElementsByTagNameNS(ESITO_NS, name)[0]?.textContent?.trim() ?? "";
  const outcome = ESITI[text("Esito")];
  if (!outcome) return null;
  const reasons = text("Motivazione").slice(0, 4000);
  return reasons ? { outcome, reasons } : { outcome };
}

/** The `esito.xml` an agency attaches (documented in docs/integrations/pec-esito.md). */
export function esitoXml(outcome: keyof typeof ESITI, reasons?: string) {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<EsitoParere xmlns="${ESITO_NS}">`,
    `<Esito>${outcome}</Esito>`,
    reasons ? `<Motivazione>${esc(reasons)}</Motivazione>` : "",
    "</EsitoParere>",
  ].join("");
}

/** The outcome a text names in so many words (a suggestion for the form, never an act). */
export function suggestedOutcome(text: string): ConclusionOutcome | null {
  const t = text.toLowerCase();
  if (/\b(non favorevole|sfavorevole|contrario|negativo|diniego)\b/.test(t)) return "negative";
  if (/\bprescrizion|\bcondizion|\bconformazion/.test(t)) return "conformation";
  if (/\b(favorevole|positivo|nulla osta)\b/.test(t)) return "positive";
  return null;
}

export type PecStep =
  | {
      kind: "agency_conclusion";
      event: Extract<WorkflowEvent, { type: "AGENCY_CONCLUSION" }>;
      agency: { id: number; code: string };
      files: MailFile[];
    }
  | {
      kind: "integration";
      event: Extract<WorkflowEvent, { type: "INTEGRATION_RECEIVED" }>;
      files: MailFile[];
    }
  | {
      kind: "received";
      agency?: { id: number; code: string };
      suggested: ConclusionOutcome | null;
      files: MailFile[];
    };

const DATA_FILES = new Set(["segnatura.xml", ESITO_FILE]);

/** The files of a message that belong on the pratica (not the segnatura, not the machine-read outcome). */
export function documentFiles(all: MailFile[]) {
  return all.filter((f) => !DATA_FILES.has(f.filename.toLowerCase()));
}

/** Every file the segnatura lists is attached, with the digest it states. */
function segnaturaCovers(segnatura: ReadSegnatura, all: MailFile[]) {
  const listed = Object.entries(segnatura.impronte);
  if (!listed.some(([name]) => name.toLowerCase() === ESITO_FILE)) return false;
  return listed.every(([name, digest]) => {
    const file = all.find((f) => f.filename === name);
    return !!file && sha256Base64(file.content) === digest;
  });
}

export async function decideStep(
  trx: Transaction<Database>,
  input: {
    praticaId: string;
    sender: string;
    subject: string;
    segnatura: ReadSegnatura | null;
    files: MailFile[];
    at: string;
    wouldAccept: (event: WorkflowEvent) => Promise<boolean>;
  },
): Promise<PecStep> {
  const sender = input.sender.toLowerCase();
  const documents = documentFiles(input.files);
  const agency = await trx
    .selectFrom("pratica_agencies as pa")
    .innerJoin("entities as e", "e.id", "pa.agency_id")
    .select(["e.id", "e.code"])
    .where("pa.pratica_id", "=", input.praticaId)
    .where((eb) => eb(eb.fn("lower", ["e.pec"]), "=", sender))
    .executeTakeFirst();
  if (agency) {
    const esitoFile = input.files.find((f) => f.filename.toLowerCase() === ESITO_FILE);
    const esito = esitoFile ? readEsito(esitoFile.content.toString("utf8")) : null;
    if (esito && input.segnatura && segnaturaCovers(input.segnatura, input.files)) {
      const event = {
        type: "AGENCY_CONCLUSION" as const,
        at: input.at,
        agencyId: agency.code,
        outcome: esito.outcome,
        ...(esito.reasons ? { reasons: esito.reasons } : {}),
      };
      if (await input.wouldAccept(event))
        return { kind: "agency_conclusion", event, agency, files: documents };
    }
    const suggested =
      esito?.outcome ?? suggestedOutcome([input.segnatura?.oggetto ?? "", input.subject].join("\n")) ?? null;
    return { kind: "received", agency, suggested, files: documents };
  }
  const business = await trx
    .selectFrom("pratiche as p")
    .innerJoin("businesses as b", "b.id", "p.business_id")
    .select("b.id")
    .where("p.id", "=", input.praticaId)
    .where((eb) => eb(eb.fn("lower", ["b.pec"]), "=", sender))
    .executeTakeFirst();
  if (business && documents.length > 0) {
    const event = { type: "INTEGRATION_RECEIVED" as const, at: input.at };
    if (await input.wouldAccept(event)) return { kind: "integration", event, files: documents };
  }
  return { kind: "received", suggested: null, files: documents };
}

/** The message's files as attachments of the pratica, uploaded by the certified message (no user). */
export async function attachFiles(
  trx: Transaction<Database>,
  files: FileStore,
  input: {
    praticaId: string;
    pecMessageId: string;
    purpose: string;
    code: string;
    files: MailFile[];
  },
) {
  for (const f of input.files) {
    const stored = await files.put(f.content);
    await trx
      .insertInto("attachments")
      .values({
        id: randomUUID(),
        pratica_id: input.praticaId,
        code: input.code,
        filename: (f.filename.split(/[\\/]/).pop() || "allegato").slice(0, 200),
        content_type: (f.contentType.split(";")[0] ?? "application/octet-stream").trim().toLowerCase(),
        size: stored.size,
        sha256: stored.sha256,
        storage_key: stored.key,
        uploaded_by: null,
        pec_message_id: input.pecMessageId,
        purpose: input.purpose,
        signature: null,
      })
      .execute();
  }
}

/**
 * The reviewer's act pre-filled from the latest PEC of one of `agencyIds` on the pratica that did not step
 * it (rule 3 above): the outcome it suggests and where it was protocolled. Null when there is none.
 */
export async function pecOpinionDraft(
  db: Kysely<Database>,
  praticaId: string,
  agencyIds: number[],
): Promise<{ outcome: ConclusionOutcome | null; protocolLabel: string | null; receivedAt: string } | null> {
  if (agencyIds.length === 0) return null;
  const row = await db
    .selectFrom("pec_messages")
    .select(["suggested_outcome", "protocol_label", "received_at"])
    .where("pratica_id", "=", praticaId)
    .where("agency_id", "in", agencyIds)
    .where("stepped_event", "is", null)
    .where("status", "=", "protocolled")
    .orderBy("received_at", "desc")
    .executeTakeFirst();
  if (!row) return null;
  const outcome = Object.values(ESITI).find((o) => o === row.suggested_outcome) ?? null;
  return {
    outcome,
    protocolLabel: row.protocol_label,
    receivedAt: new Date(row.received_at).toISOString(),
  };
}
