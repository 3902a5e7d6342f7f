import { randomUUID } from "node:crypto";
import type { UploadHandler } from "@remix-run/node";
import type { Kysely } from "kysely";
import { readMultipartForm } from "../auth/session.server";
import type { Database } from "../db/schema";
import type { FileStore } from "../storage.server";
import { type FilingUser, isDraft, loadDraft, notFound } from "./drafts.server";
import { attachmentList } from "./bundle";
import { checkUploadedFile } from "./files";
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

/** Reads a multipart upload (CSRF checked) with the per-file cap. */
export async function parseUpload(request: Request, limits: UploadLimits): Promise<ParsedUpload> {
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  // Multipart overhead is small: a body far over the cap is refused before a byte is read.
  if (declared > limits.maxFileBytes + 256 * 1024) return tooLarge(limits.maxFileBytes);
  try {
    const form = await readMultipartForm(request, cappedMemoryUploadHandler(limits.maxFileBytes));
    const file = form.get("file");
    return { ok: true, form, file: file instanceof File && file.size > 0 ? file : null };
  } catch (error) {
    if (error instanceof UploadTooLargeError) return tooLarge(limits.maxFileBytes);
    if (error instanceof TypeError) {
      return {
        ok: false,
        status: 400,
        message: {
          it: "Il modulo non è stato inviato correttamente: scegli di nuovo il file e premi «Carica».",
          en: "The form was not sent correctly: choose the file again and press Upload.",
        },
      };
    }
    throw error;
  }
}

export type AddAttachmentResult =
  | { ok: true; id: string; sha256: string }
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
  const used = await db
    .selectFrom("attachments")
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("size"), eb.lit(0)).as("total"))
    .where("pratica_id", "=", input.praticaId)
    .executeTakeFirstOrThrow();
  const check = checkUploadedFile(input.filename, input.bytes, {
    maxFileBytes: input.limits.maxFileBytes,
    remainingBytes: input.limits.maxPraticaBytes - Number(used.total),
  });
  if (!check.ok) return { ok: false, field: `file-${input.code}`, message: check.message };
  // Digital signature (issue 14): refused where the catalogue requires one and it fails; otherwise kept.
  const signature = await checkAttachmentSignature(db, {
    praticaId: input.praticaId,
    userId: user.id,
    filename: check.filename,
    bytes: input.bytes,
    requirement: listed?.attachment.signature,
  });
  if (!signature.ok) return { ok: false, field: `file-${input.code}`, message: signature.message };
  const stored = await files.put(input.bytes);
  const id = randomUUID();
  await db
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
    })
    .execute();
  return { ok: true, id, sha256: stored.sha256 };
}

/** Removes an attachment from a draft (the stored bytes stay: other pratiche may share the same hash). */
export async function removeAttachment(
  db: Kysely<Database>,
  user: FilingUser,
  praticaId: string,
  attachmentId: string,
) {
  const ctx = await loadDraft(db, user, praticaId);
  if (!isDraft(ctx)) throw new Response("La pratica è già stata inviata", { status: 409 });
  if (!/^[0-9a-f-]{36}$/i.test(attachmentId)) throw notFound();
  await db
    .deleteFrom("attachments")
    .where("id", "=", attachmentId)
    .where("pratica_id", "=", praticaId)
    .where("purpose", "=", "filing")
    .execute();
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
  const result = await addAttachment(db, files, user, {
    praticaId,
    code,
    filename: parsed.file.name,
    bytes: new Uint8Array(await parsed.file.arrayBuffer()),
    purpose: "filing",
    limits,
  });
  if (!result.ok) return { ok: false, status: 400, field: `file-${code}`, message: result.message[locale] };
  return {
    ok: true,
    redirect: `/pratiche/${praticaId}/allegati?caricato=${encodeURIComponent(parsed.file.name)}`,
  };
}
