import type { Kysely } from "kysely";
import type { WorkflowEvent } from "../../../workflows/index";
import type { CurrentUser } from "../auth/session.server";
import type { Database } from "../db/schema.server";
import { performAct, todayIso } from "../pratiche/acts.server";
import { lockPratica } from "../pratiche/repository.server";
import { loadPraticaView } from "../pratiche/view.server";
import type { FileStore } from "../storage.server";
import { addAttachment, type UploadLimits } from "./uploads.server";

/** What the business can do on a submitted pratica, and which acts carry a document. */
export const APPLICANT_ACTS = {
  INTEGRATION_RECEIVED: { purpose: "integration", code: "INTEGRAZIONE", fileRequired: true },
  OBSERVATIONS_RECEIVED: { purpose: "observations", code: "OSSERVAZIONI", fileRequired: false },
  CONFORMED: { purpose: "conformation", code: "CONFORMAZIONE", fileRequired: false },
  CORRECTED: { purpose: "integration", code: "REGOLARIZZAZIONE", fileRequired: true },
  REQUEST_CONSENT_ATTESTATION: null,
  CANCEL: null,
} as const;

export type ApplicantAct = keyof typeof APPLICANT_ACTS;

export function isApplicantAct(type: string): type is ApplicantAct {
  return type in APPLICANT_ACTS;
}

/** The desk's act each document-carrying answer replies to: its uploads after that act are the answer. */
const ANSWERS_TO: Partial<Record<ApplicantAct, string[]>> = {
  INTEGRATION_RECEIVED: ["SEND_INTEGRATION_REQUEST"],
  CORRECTED: ["REQUEST_CORRECTION"],
  OBSERVATIONS_RECEIVED: ["NOTICE_OF_REFUSAL"],
  CONFORMED: ["REQUEST_CONFORMATION"],
};

/**
 * The answer being prepared: what was asked (the items of the request) and the files uploaded for it so far.
 * An answer is several files sent together: each upload is stored at once (so nothing is lost if the business
 * leaves), and "Invia" sends them all with the act. The round starts at the desk's latest request.
 */
export async function answerInProgress(db: Kysely<Database>, praticaId: string, type: ApplicantAct) {
  const spec = APPLICANT_ACTS[type];
  if (!spec)
    return { files: [], since: null, asked: { items: [] as string[], reasons: null as string | null } };
  const request = await db
    .selectFrom("events")
    .select(["at", "payload", "type"])
    .where("pratica_id", "=", praticaId)
    .where("type", "in", ANSWERS_TO[type] ?? [])
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  const since = request ? new Date(request.at as unknown as string) : new Date(0);
  const answered = await db
    .selectFrom("events")
    .select("at")
    .where("pratica_id", "=", praticaId)
    .where("type", "=", type)
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  const after =
    answered && new Date(answered.at as unknown as string) > since
      ? new Date(answered.at as unknown as string)
      : since;
  const files = await db
    .selectFrom("attachments")
    .select(["id", "filename", "size", "sha256", "created_at"])
    .where("pratica_id", "=", praticaId)
    .where("purpose", "=", spec.purpose)
    .where("code", "=", spec.code)
    .where("created_at", ">", after)
    .orderBy("created_at")
    .execute();
  const payload = (request?.payload ?? {}) as { items?: unknown; reasons?: unknown };
  return {
    files: files.map((f) => ({
      ...f,
      created_at: new Date(f.created_at as unknown as string).toISOString(),
    })),
    since: after.toISOString(),
    /** what the request asked, as the desk wrote it */
    asked: {
      items: Array.isArray(payload.items)
        ? payload.items.filter((i): i is string => typeof i === "string")
        : [],
      reasons: typeof payload.reasons === "string" ? payload.reasons : null,
    },
  };
}

/** One file of an answer in progress: checked and stored now, sent with the act when the business says so. */
export async function addAnswerFile(
  db: Kysely<Database>,
  files: FileStore,
  user: CurrentUser,
  input: {
    praticaId: string;
    type: ApplicantAct;
    file: { name: string; bytes: Uint8Array };
    limits: UploadLimits;
    uploadKey?: string | null;
  },
): Promise<ActOutcome & { duplicate?: boolean }> {
  const spec = APPLICANT_ACTS[input.type];
  if (!spec) return { ok: false, status: 404, message: { it: "Pratica non trovata", en: "Not found" } };
  // The same document chosen again for this answer is kept once (the round starts at the desk's request).
  const round = await answerInProgress(db, input.praticaId, input.type);
  const stored = await addAttachment(db, files, user, {
    praticaId: input.praticaId,
    code: spec.code,
    filename: input.file.name,
    bytes: input.file.bytes,
    purpose: spec.purpose,
    limits: input.limits,
    uploadKey: input.uploadKey ?? null,
    roundSince: round.since ? new Date(round.since) : null,
  });
  return stored.ok
    ? { ok: true, duplicate: !!stored.duplicate }
    : { ok: false, status: 400, message: stored.message };
}

/**
 * Takes one file out of the answer being prepared (before "Invia la risposta"). Under the pratica's lock the
 * round is read again: a file already sent with the act (or of another answer) is not in it, and is refused
 * with a sentence. An unsent upload is in no event, protocol entry or document, so the timeline is unchanged;
 * the stored bytes are content-addressed and may be shared, so they stay in the store.
 */
export async function removeAnswerFile(
  db: Kysely<Database>,
  input: { praticaId: string; type: ApplicantAct; attachmentId: string },
): Promise<
  { ok: true; filename: string } | { ok: false; status: number; message: { it: string; en: string } }
> {
  const spec = APPLICANT_ACTS[input.type];
  const gone = {
    ok: false as const,
    status: 409,
    message: {
      it: "Questo documento non fa parte della risposta in preparazione (forse è già stata inviata): non è stato rimosso.",
      en: "This document is not part of the answer being prepared (it may have been sent already): it was not removed.",
    },
  };
  if (!spec || !/^[0-9a-f-]{36}$/i.test(input.attachmentId)) return gone;
  return db.transaction().execute(async (trx) => {
    const locked = await lockPratica(trx, input.praticaId);
    if (!locked) return gone;
    const round = await answerInProgress(trx, input.praticaId, input.type);
    const file = round.files.find((f) => f.id === input.attachmentId);
    if (!file) return gone;
    await trx
      .deleteFrom("attachments")
      .where("id", "=", file.id)
      .where("pratica_id", "=", input.praticaId)
      .where("purpose", "=", spec.purpose)
      .execute();
    return { ok: true as const, filename: file.filename };
  });
}

/** The act if this user may perform it now (else null: the route answers 404). */
export async function actAvailable(db: Kysely<Database>, user: CurrentUser, praticaId: string, type: string) {
  const view = await loadPraticaView(db, user.principal, praticaId, todayIso());
  if (!view || !isApplicantAct(type)) return null;
  const act = view.acts.find((a) => a.type === type);
  return act ? { view, act, spec: APPLICANT_ACTS[type] } : null;
}

export type ActOutcome = { ok: true } | { ok: false; status: number; message: { it: string; en: string } };

/**
 * Performs an applicant's act through the engine: the document (if any) is checked and stored first as an
 * attachment with its purpose, then the event is dispatched; a refusal (409) comes back as a sentence.
 */
export async function performApplicantAct(
  db: Kysely<Database>,
  files: FileStore,
  user: CurrentUser,
  input: {
    praticaId: string;
    type: ApplicantAct;
    file: { name: string; bytes: Uint8Array } | null;
    limits: UploadLimits;
    reasons?: string;
  },
): Promise<ActOutcome> {
  const spec = APPLICANT_ACTS[input.type];
  if (
    spec?.fileRequired &&
    !input.file &&
    (await answerInProgress(db, input.praticaId, input.type)).files.length === 0
  ) {
    return {
      ok: false,
      status: 400,
      message: {
        it: "Carica almeno un documento prima di inviare la risposta.",
        en: "Upload at least one document before sending the answer.",
      },
    };
  }
  if (spec && input.file) {
    const stored = await addAttachment(db, files, user, {
      praticaId: input.praticaId,
      code: spec.code,
      filename: input.file.name,
      bytes: input.file.bytes,
      purpose: spec.purpose,
      limits: input.limits,
    });
    if (!stored.ok) return { ok: false, status: 400, message: stored.message };
  }
  const at = todayIso();
  const event = (
    input.type === "CANCEL"
      ? { type: "CANCEL", at, reasons: input.reasons || undefined }
      : { type: input.type, at }
  ) as WorkflowEvent;
  const result = await performAct(user, input.praticaId, event);
  if (!result.ok) return { ok: false, status: result.status, message: result.message };
  return { ok: true };
}
