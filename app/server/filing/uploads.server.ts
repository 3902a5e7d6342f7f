import { createHash, randomUUID } from "node:crypto";
import type { UploadHandler } from "@remix-run/node";
import type { Kysely } from "kysely";
import { resolveSession } from "../auth/session.server";
import { BodyTooLargeError, checkCsrf, normaliseFilename, normaliseText } from "../http/edge.server";
import type { Database } from "../db/schema.server";
import { lockPratica } from "../pratiche/repository.server";
import type { FileStore } from "../storage.server";
import { type FilingUser, isDraft, loadDraft, notFound } from "./drafts.server";
import { attachmentList } from "../../domain/filing/bundle";
import { contentProblem } from "./content.server";
import { checkUploadedFile } from "../../domain/filing/files";
import { checkAttachmentSignature } from "../integrations/signature/attachments.server";

/**
 * Uploads: the multipart body is read with a hard byte cap (a 2 GB upload is cut off after the limit, not
 * read to the end), the file is held in memory, checked by its bytes, and only then stored by content hash
 * and registered. A refused file leaves nothing behind.
 */

export interface UploadLimits {
  maxFileBytes: number;
  maxPraticaBytes: number;
}

export function uploadLimits(env: {
  UPLOAD_MAX_FILE_MB: number;
  UPLOAD_MAX_PRATICA_MB: number;
}): UploadLimits {
  return {
    maxFileBytes: Math.round(env.UPLOAD_MAX_FILE_MB * 1024 * 1024),
    maxPraticaBytes: Math.round(env.UPLOAD_MAX_PRATICA_MB * 1024 * 1024),
  };
}

export class UploadTooLargeError extends Error {
  constructor(
    readonly filename: string,
    readonly limit: number,
  ) {
    super(`upload over ${limit} bytes`);
    this.name = "UploadTooLargeError";
  }
}

/** A file part held in memory, refused as soon as it passes `maxBytes`. */
export function cappedMemoryUploadHandler(maxBytes: number): UploadHandler {
  return async ({ filename, data, contentType }) => {
    if (filename === undefined) return undefined;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of data) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new UploadTooLargeError(filename, maxBytes);
      chunks.push(chunk);
    }
    if (!filename && size === 0) return undefined; // no file chosen
    return new File([Buffer.concat(chunks)], filename || "allegato", { type: contentType });
  };
}

export type ParsedUpload =
  | { ok: true; form: FormData; file: File | null }
  | { ok: false; message: { it: string; en: string }; status: number };

const tooLarge = (limit: number) => ({
  ok: false as const,
  status: 413,
  message: {
    it: `Il file supera il limite di ${Math.round(limit / 1024 / 1024)} MB per allegato: riduci la risoluzione della scansione o dividi il documento.`,
    en: `The file is over the ${Math.round(limit / 1024 / 1024)} MB limit per attachment: scan at a lower resolution or split the document.`,
  },
});

const badForm = {
  ok: false as const,
  status: 400,
  message: {
    it: "Il modulo non è stato inviato correttamente: scegli di nuovo il file e premi «Carica».",
    en: "The form was not sent correctly: choose the file again and press Upload.",
  },
};

/** Text fields of an upload form are short (a code, a key, the token): more is not a form the portal sent. */
const MAX_TEXT_PART = 64 * 1024;

/**
 * Reads a multipart upload (CSRF checked) with the per-file cap. The request edge has already capped the whole
 * body (one file plus its fields), so the standard parser may hold it; it reads quoted file names with `;` or
 * `=` as browsers send them. A truncated or malformed body, an oversized text part: a 400 with a sentence.
 */
export async function parseUpload(request: Request, limits: UploadLimits): Promise<ParsedUpload> {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  // Multipart overhead is small: a body far over the cap is refused before a byte is read.
  if (declared > limits.maxFileBytes + 256 * 1024) return tooLarge(limits.maxFileBytes);
  const session = await resolveSession(request);
  let parsed: FormData;
  try {
    parsed = await request.formData();
  } catch (error) {
    if (error instanceof BodyTooLargeError || (error as Error)?.cause instanceof BodyTooLargeError)
      return tooLarge(limits.maxFileBytes);
    return badForm;
  }
  const sent = parsed.get("_csrf");
  if (!checkCsrf(typeof sent === "string" ? sent : null, session.csrf)) {
    throw new Response("CSRF", { status: 403, statusText: "csrf" });
  }
  const form = new FormData();
  let file: File | null = null;
  for (const [name, value] of parsed) {
    if (typeof value === "string") {
      if (value.length > MAX_TEXT_PART) return badForm;
      form.append(name, normaliseText(value));
    } else if (name === "file" && value.size > 0) {
      if (value.size > limits.maxFileBytes) return tooLarge(limits.maxFileBytes);
      file = new File([await value.arrayBuffer()], normaliseFilename(value.name) || "allegato", {
        type: value.type,
      });
      form.append(name, file);
    }
  }
  return { ok: true, form, file };
}

export type AddAttachmentResult =
  /** `duplicate`: the same bytes were already in this slot (nothing added; the id is the file already there) */
  | { ok: true; id: string; sha256: string; duplicate?: boolean }
  | { ok: false; field: string; message: { it: string; en: string } };

/**
 * Checks and stores one attachment of a pratica. `purpose` "filing" is the draft's attachments (only while it
 * is a draft); "integration" and "observations" are uploads that answer the desk after submission.
 */
export async function addAttachment(
  db: Kysely<Database>,
  files: FileStore,
  user: FilingUser,
  input: {
    praticaId: string;
    code: string;
    filename: string;
    bytes: Uint8Array;
    purpose: "filing" | "integration" | "observations" | "conformation";
    limits: UploadLimits;
    /** The form's idempotency key: a retry after a lost response returns the first upload. */
    uploadKey?: string | null;
    /**
     * For an answer being prepared (integration, observations…): when its round started. The same bytes
     * uploaded again for the same slot in that round are not added twice (for a draft, the slot is the
     * attachment code of the draft).
     */
    roundSince?: Date | null;
  },
): Promise<AddAttachmentResult> {
  const ctx = await loadDraft(db, user, input.praticaId);
  let listed: ReturnType<typeof attachmentList>[number] | undefined;
  if (input.purpose === "filing") {
    if (!isDraft(ctx)) throw new Response("La pratica è già stata inviata", { status: 409 });
    listed = attachmentList(ctx.refs, ctx.answers).find((a) => a.attachment.code === input.code);
    const known = listed !== undefined;
    if (!known) {
      return {
        ok: false,
        field: "code",
        message: {
          it: "Scegli quale documento stai caricando dall'elenco degli allegati.",
          en: "Choose which document you are uploading from the list of attachments.",
        },
      };
    }
  } else if (isDraft(ctx)) {
    throw notFound();
  }
  // Cheap checks first, on the bytes alone; then parse the file as what it claims.
  const precheck = checkUploadedFile(input.filename, input.bytes, {
    maxFileBytes: input.limits.maxFileBytes,
    remainingBytes: input.limits.maxPraticaBytes,
  });
  if (!precheck.ok) return { ok: false, field: `file-${input.code}`, message: precheck.message };
  const problem = await contentProblem(precheck.kind, input.bytes, precheck.filename);
  if (problem) return { ok: false, field: `file-${input.code}`, message: problem };
  // Digital signature (issue 14), outside any transaction (revocation may be fetched over the network):
  // refused where the catalogue requires one and it fails; otherwise the report is kept with the file.
  const signature = await checkAttachmentSignature(db, {
    praticaId: input.praticaId,
    userId: user.id,
    filename: precheck.filename,
    bytes: input.bytes,
    requirement: listed?.attachment.signature,
  });
  if (!signature.ok) return { ok: false, field: `file-${input.code}`, message: signature.message };
  // Under the pratica's lock: the state (still a draft for "filing"), the per-pratica total and the insert are
  // one decision, so parallel uploads cannot pass the limit together and a submission never misses a file.
  // A retry is the same form (key), for the same document, with the same bytes: another file is a new upload.
  const hash = createHash("sha256").update(input.bytes).digest("hex");
  const retryKey = input.uploadKey ? `${input.uploadKey}:${input.code}:${hash}` : null;
  // The bytes are stored before the transaction, never inside it (the store may be S3 across the network, ADR
  // 0035): the row is written only once the object exists. A transaction that then refuses the upload (a
  // parallel one took the pratica's last megabytes, the pratica was sent meanwhile) leaves an object no row
  // names; `npm run files:sweep` removes those once they are a day old (an object is shared by identical files,
  // so it is never deleted here).
  const stored = await files.put(input.bytes);
  return db.transaction().execute(async (trx) => {
    const locked = await lockPratica(trx, input.praticaId);
    if (!locked) throw notFound();
    if (input.purpose === "filing" && locked.status !== "draft") {
      throw new Response("La pratica è già stata inviata", { status: 409 });
    }
    if (retryKey) {
      const again = await trx
        .selectFrom("attachments")
        .select(["id", "sha256"])
        .where("pratica_id", "=", input.praticaId)
        .where("upload_key", "=", retryKey)
        .executeTakeFirst();
      if (again) return { ok: true as const, id: again.id, sha256: again.sha256 };
    }
    // A second click on "Carica" with the same file (or the same file chosen again) for the same slot: the
    // file is there once; the caller tells the user nothing was added.
    if (input.purpose === "filing" || input.roundSince) {
      let same = trx
        .selectFrom("attachments")
        .select(["id", "sha256"])
        .where("pratica_id", "=", input.praticaId)
        .where("purpose", "=", input.purpose)
        .where("code", "=", input.code)
        .where("sha256", "=", hash);
      if (input.purpose !== "filing" && input.roundSince)
        same = same.where("created_at", ">", input.roundSince);
      const there = await same.executeTakeFirst();
      if (there) return { ok: true as const, id: there.id, sha256: there.sha256, duplicate: true };
    }
    const used = await trx
      .selectFrom("attachments")
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("size"), eb.lit(0)).as("total"))
      .where("pratica_id", "=", input.praticaId)
      .executeTakeFirstOrThrow();
    const check = checkUploadedFile(input.filename, input.bytes, {
      maxFileBytes: input.limits.maxFileBytes,
      remainingBytes: input.limits.maxPraticaBytes - Number(used.total),
    });
    if (!check.ok) return { ok: false as const, field: `file-${input.code}`, message: check.message };
    const id = randomUUID();
    await trx
      .insertInto("attachments")
      .values({
        id,
        pratica_id: input.praticaId,
        code: input.code,
        filename: check.filename,
        content_type: check.contentType,
        size: stored.size,
        sha256: stored.sha256,
        storage_key: stored.key,
        uploaded_by: user.id,
        purpose: input.purpose,
        signature: signature.report ? JSON.stringify(signature.report) : null,
        upload_key: retryKey,
      })
      .execute();
    return { ok: true as const, id, sha256: stored.sha256 };
  });
}

/**
 * Removes an attachment from a draft (the stored bytes stay: other pratiche may share the same hash). Answers
 * the removed file's name, or null when there was no such file in this draft (already removed).
 */
export async function removeAttachment(
  db: Kysely<Database>,
  user: FilingUser,
  praticaId: string,
  attachmentId: string,
): Promise<string | null> {
  const ctx = await loadDraft(db, user, praticaId);
  if (!isDraft(ctx)) throw new Response("La pratica è già stata inviata", { status: 409 });
  if (!/^[0-9a-f-]{36}$/i.test(attachmentId)) throw notFound();
  // Under the pratica's lock, and only while it is still a draft: a submission that holds the lock has
  // validated the attachments it will file; a removal waits for it and then finds the pratica sent.
  return db.transaction().execute(async (trx) => {
    const locked = await lockPratica(trx, praticaId);
    if (!locked) throw notFound();
    if (locked.status !== "draft") throw new Response("La pratica è già stata inviata", { status: 409 });
    const removed = await trx
      .deleteFrom("attachments")
      .where("id", "=", attachmentId)
      .where("pratica_id", "=", praticaId)
      .where("purpose", "=", "filing")
      .returning("filename")
      .executeTakeFirst();
    return removed?.filename ?? null;
  });
}

export type UploadOutcome =
  | { ok: true; redirect: string }
  | { ok: false; status: number; field: string; message: string };

/**
 * One upload of a draft attachment from a multipart request, for the page (plain form) and the XHR endpoint
 * (progress bar) alike: the caller parsed it with parseUpload (cap + CSRF); here the bytes are checked, stored and registered.
 */
export async function storeDraftUpload(
  db: Kysely<Database>,
  files: FileStore,
  user: FilingUser,
  parsed: ParsedUpload,
  praticaId: string,
  locale: "it" | "en",
  limits: UploadLimits,
): Promise<UploadOutcome> {
  if (!parsed.ok) return { ok: false, status: parsed.status, field: "", message: parsed.message[locale] };
  const code = String(parsed.form.get("code") ?? "");
  if (!parsed.file) {
    return {
      ok: false,
      status: 400,
      field: `file-${code}`,
      message: locale === "it" ? "Scegli il file da caricare" : "Choose the file to upload",
    };
  }
  const key = String(parsed.form.get("uploadKey") ?? "");
  const result = await addAttachment(db, files, user, {
    praticaId,
    code,
    filename: parsed.file.name,
    bytes: new Uint8Array(await parsed.file.arrayBuffer()),
    purpose: "filing",
    limits,
    uploadKey: /^[0-9a-f-]{36}$/i.test(key) ? key.toLowerCase() : null,
  });
  if (!result.ok) return { ok: false, status: 400, field: `file-${code}`, message: result.message[locale] };
  const name = encodeURIComponent(parsed.file.name);
  return {
    ok: true,
    redirect: result.duplicate
      ? `/pratiche/${praticaId}/allegati?gia=${name}&documento=${encodeURIComponent(code)}`
      : `/pratiche/${praticaId}/allegati?caricato=${name}`,
  };
}
