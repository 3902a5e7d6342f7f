import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/schema.server";
import { findPraticaByCui, findPraticaByProtocolNumber } from "../../pratiche/repository.server";
import type { FileStore } from "../../storage.server";
import { createHash } from "node:crypto";
import { registerInternal } from "../protocol/internal.server";
import { enqueueCall } from "../queue.server";
import type { ResultDispatchFn } from "../types.server";
import { protocolOnPratica, sendInterop } from "./service.server";

/**
 * The desk's PEC inbox (/scrivania/posta): incoming certified messages that named no pratica, refusals
 * (every one logged, with its reason), and the outgoing PEC with the state its receipts gave. The officer
 * attaches a waiting message to a pratica (protocolled on it through the engine) or registers it alone.
 */

export const DEFAULT_DEV_PEC_ADDRESS = "suap.altavaldicecina@pec.suap.test";

export async function pecInboxView(db: Kysely<Database>, deskId: number) {
  const [waiting, refused, outgoing, handled] = await Promise.all([
    db
      .selectFrom("pec_messages")
      .select(["id", "sender", "subject", "body_text", "received_at", "segnatura"])
      .where("status", "=", "inbox")
      .orderBy("received_at", "desc")
      .limit(100)
      .execute(),
    db
      .selectFrom("pec_messages")
      .select(["id", "sender", "subject", "reason", "received_at"])
      .where("status", "=", "refused")
      .orderBy("received_at", "desc")
      .limit(50)
      .execute(),
    db
      .selectFrom("outbox")
      .leftJoin("pratiche as p", "p.id", "outbox.pratica_id")
      .select([
        "outbox.id",
        "outbox.recipient",
        "outbox.subject",
        "outbox.created_at",
        "outbox.status",
        "outbox.pec_status",
        "outbox.pec_error",
        "outbox.pratica_id",
        "p.cui",
      ])
      .where("outbox.channel", "=", "pec")
      .where((eb) => eb.or([eb("p.desk_id", "=", deskId), eb("outbox.pratica_id", "is", null)]))
      .orderBy("outbox.created_at", "desc")
      .limit(50)
      .execute(),
    db
      .selectFrom("pec_messages")
      .leftJoin("pratiche as p", "p.id", "pec_messages.pratica_id")
      .select([
        "pec_messages.id",
        "pec_messages.sender",
        "pec_messages.subject",
        "pec_messages.status",
        "pec_messages.protocol_label",
        "pec_messages.pratica_id",
        "pec_messages.received_at",
        "p.cui",
      ])
      .where("pec_messages.status", "in", ["protocolled", "registered"])
      .orderBy("pec_messages.received_at", "desc")
      .limit(50)
      .execute(),
  ]);
  const iso = (d: Date | string) => new Date(d).toISOString();
  return {
    waiting: waiting.map((m) => ({
      id: m.id,
      sender: m.sender,
      subject: m.subject,
      excerpt: (m.body_text ?? "").slice(0, 300),
      receivedAt: iso(m.received_at),
      segnatura: !!m.segnatura,
    })),
    refused: refused.map((m) => ({ ...m, receivedAt: iso(m.received_at), received_at: undefined })),
    outgoing: outgoing.map((m) => ({
      id: String(m.id),
      recipient: m.recipient,
      subject: m.subject,
      createdAt: iso(m.created_at),
      state: (m.pec_status ?? (m.status === "pending" ? "queued" : "submitted")) as string,
      error: m.pec_error,
      praticaId: m.pratica_id,
      cui: m.cui,
    })),
    handled: handled.map((m) => ({ ...m, receivedAt: iso(m.received_at), received_at: undefined })),
  };
}

export type InboxError = "not_found" | "no_pratica" | "other_desk" | "already_handled";

/** Attaches a waiting message to a pratica of this desk, named by CUI or protocol number. */
export async function attachToPratica(
  db: Kysely<Database>,
  deps: { dispatch: ResultDispatchFn; files: FileStore; publicUrl: string },
  input: { messageId: string; reference: string; deskId: number; userId: string },
): Promise<{ ok: true; label: string | null; praticaId: string } | { ok: false; error: InboxError }> {
  const reference = input.reference.trim();
  return db.transaction().execute(async (trx) => {
    const message = await trx
      .selectFrom("pec_messages")
      .selectAll()
      .where("id", "=", input.messageId)
      .forUpdate()
      .executeTakeFirst();
    if (!message) return { ok: false, error: "not_found" } as const;
    if (message.status !== "inbox") return { ok: false, error: "already_handled" } as const;
    const pratica = reference
      ? ((await findPraticaByCui(trx, reference)) ?? (await findPraticaByProtocolNumber(trx, reference)))
      : undefined;
    if (!pratica) return { ok: false, error: "no_pratica" } as const;
    if (pratica.desk_id !== input.deskId) return { ok: false, error: "other_desk" } as const;
    const label = await protocolOnPratica(trx, deps, {
      praticaId: pratica.id,
      messageRowId: message.id,
      sender: message.sender,
      subject: message.subject,
      messageId: message.message_id,
      userId: input.userId,
    });
    await sendInterop(trx, deps, {
      to: message.sender,
      praticaId: pratica.id,
      kind: "conferma",
      ricevuto: message.original_message_id ?? message.message_id,
      protocolLabel: label,
    });
    return { ok: true, label, praticaId: pratica.id } as const;
  });
}

/** The payload of a registration without a pratica at the remote register (read by the protocol handler). */
export interface PecRegistrationPayload {
  entityId: number;
  entityCode: string;
  direction: "in";
  subject: string;
  praticaId: null;
  cui: null;
  at: string;
  forPratica: false;
  documentId: null;
  /** SHA-256 (hex) of the certified message as received (the registered document, art. 53) */
  fingerprint: string;
  pecMessageId: string;
}

/**
 * Registers a waiting message in the desk's protocol without a pratica, through the configured register: the
 * internal one numbers it at once; the remote one (PROTOCOL_REGISTRY=remote) gets a queued call committed with
 * the message's new state, and the number (and the conferma di ricezione) follow with its answer
 * (`recordPecRegistration`). Either way the registration carries the SHA-256 of the certified message.
 */
export async function registerAlone(
  db: Kysely<Database>,
  deps: { files: FileStore; publicUrl: string; protocolRegistry?: "internal" | "remote" },
  input: { messageId: string; deskId: number; userId: string; now?: Date },
): Promise<{ ok: true; label: string | null; queued: boolean } | { ok: false; error: InboxError }> {
  const outcome = await db.transaction().execute(async (trx) => {
    const message = await trx
      .selectFrom("pec_messages")
      .selectAll()
      .where("id", "=", input.messageId)
      .forUpdate()
      .executeTakeFirst();
    if (!message) return { ok: false, error: "not_found" } as const;
    if (message.status !== "inbox") return { ok: false, error: "already_handled" } as const;
    const desk = await trx
      .selectFrom("entities")
      .select(["id", "code"])
      .where("id", "=", input.deskId)
      .executeTakeFirstOrThrow();
    const now = input.now ?? new Date();
    const subject = `PEC da ${message.sender}: ${message.subject}`.slice(0, 500);
    const fingerprint = message.storage_key
      ? createHash("sha256")
          .update(await deps.files.get(message.storage_key))
          .digest("hex")
      : null;
    if (deps.protocolRegistry === "remote") {
      const payload: PecRegistrationPayload = {
        entityId: desk.id,
        entityCode: desk.code,
        direction: "in",
        subject,
        praticaId: null,
        cui: null,
        at: now.toISOString(),
        forPratica: false,
        documentId: null,
        fingerprint: fingerprint ?? createHash("sha256").update(message.message_id).digest("hex"),
        pecMessageId: message.id,
      };
      await enqueueCall(trx, {
        kind: "protocol",
        operation: "register",
        target: "remote",
        idempotencyKey: `protocol:pec:${message.id}`,
        praticaId: null,
        payload: { ...payload },
        notBefore: now,
      });
      await trx
        .updateTable("pec_messages")
        .set({ status: "registered", protocol_label: null, handled_by: input.userId, handled_at: now })
        .where("id", "=", message.id)
        .execute();
      return { ok: true, label: null, queued: true } as const;
    }
    const entry = await registerInternal(trx, {
      entityId: desk.id,
      entityCode: desk.code,
      direction: "in",
      subject,
      praticaId: null,
      at: now,
      documentSha256: fingerprint,
    });
    await trx
      .updateTable("pec_messages")
      .set({
        status: "registered",
        protocol_label: entry.label,
        handled_by: input.userId,
        handled_at: now,
      })
      .where("id", "=", message.id)
      .execute();
    await sendInterop(trx, deps, {
      to: message.sender,
      praticaId: null,
      kind: "conferma",
      ricevuto: message.original_message_id ?? message.message_id,
      protocolLabel: entry.label,
    });
    return { ok: true, label: entry.label, queued: false } as const;
  });
  return outcome;
}

/**
 * The remote register's answer to a registration without a pratica (called by the protocol handler inside the
 * transaction recording the outcome): the entry with its number and the message's fingerprint, the label on
 * the message, the conferma di ricezione to the sender. A registration that failed for good puts the message
 * back in the inbox with the reason, so the desk sees it and can register it again.
 */
export async function recordPecRegistration(
  trx: Transaction<Database>,
  deps: { files: FileStore; publicUrl: string },
  p: PecRegistrationPayload,
  answer:
    | { ok: true; id: string; numero: number; anno: number; data: string; segnatura: string }
    | { ok: false; message: string },
  now: Date,
) {
  const message = await trx
    .selectFrom("pec_messages")
    .selectAll()
    .where("id", "=", p.pecMessageId)
    .forUpdate()
    .executeTakeFirst();
  if (!message) return;
  if (!answer.ok) {
    await trx
      .updateTable("pec_messages")
      .set({
        status: "inbox",
        reason: `La registrazione al protocollo del Comune non è riuscita: ${answer.message}`,
        handled_by: null,
        handled_at: null,
      })
      .where("id", "=", message.id)
      .execute();
    return;
  }
  await trx
    .insertInto("protocol_entries")
    .values({
      entity_id: p.entityId,
      year: answer.anno,
      number: answer.numero,
      label: answer.segnatura,
      direction: "in",
      subject: p.subject,
      pratica_id: null,
      document_id: null,
      document_sha256: p.fingerprint,
      registered_at: answer.data ? new Date(answer.data) : now,
      registry: "remote",
      external_id: answer.id ?? null,
    })
    .execute();
  await trx
    .updateTable("pec_messages")
    .set({ protocol_label: answer.segnatura })
    .where("id", "=", message.id)
    .execute();
  await sendInterop(trx, deps, {
    to: message.sender,
    praticaId: null,
    kind: "conferma",
    ricevuto: message.original_message_id ?? message.message_id,
    protocolLabel: answer.segnatura,
  });
}
