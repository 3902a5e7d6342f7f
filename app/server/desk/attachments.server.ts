import type { Kysely } from "kysely";
import type { Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { canSeePratica } from "../filing/queries.server";
import { type FileStore, sha256Hex } from "../storage.server";
import { writeZip } from "./zip.server";

/**
 * The business's attachments as the people who examine them open them: one file inline (PDF and images), or
 * all of a pratica's files in one ZIP with a manifest of SHA-256 hashes. Only for viewers who may see the
 * pratica (the same policy as its pages); anyone else gets null (a 404, as for a missing pratica).
 */
const INLINE_TYPES = new Set(["application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"]);

export function contentDisposition(kind: "inline" | "attachment", filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export async function openAttachment(
  db: Kysely<Database>,
  files: FileStore,
  principal: Principal,
  id: string,
) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const row = await db
    .selectFrom("attachments")
    .select(["pratica_id", "filename", "content_type", "sha256", "storage_key"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) return null;
  if (!(await canSeePratica(db, principal, row.pratica_id))) return null;
  return {
    filename: row.filename,
    contentType: row.content_type,
    inline: INLINE_TYPES.has(row.content_type),
    sha256: row.sha256,
    bytes: await files.get(row.storage_key),
  };
}

/** A file name safe inside a ZIP on every system: no folders, no control or reserved characters. */
export function zipName(index: number, code: string, filename: string): string {
  const clean = (s: string) =>
    [...s.normalize("NFC")]
      .map((ch) =>
        ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || '/\\:*?"<>|'.includes(ch) ? "_" : ch,
      )
      .join("")
      .replace(/^\.+/, "_")
      .slice(0, 120);
  return `${String(index).padStart(2, "0")}-${clean(code)}-${clean(filename) || "file"}`;
}

export async function attachmentsZip(
  db: Kysely<Database>,
  files: FileStore,
  principal: Principal,
  praticaId: string,
) {
  if (!/^[0-9a-f-]{36}$/i.test(praticaId)) return null;
  const pratica = await canSeePratica(db, principal, praticaId);
  if (!pratica) return null;
  const rows = await db
    .selectFrom("attachments")
    .select(["code", "filename", "sha256", "storage_key", "size", "created_at"])
    .where("pratica_id", "=", praticaId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  const entries = [];
  const manifest: string[] = [];
  for (const [i, row] of rows.entries()) {
    const bytes = await files.get(row.storage_key);
    // The stored hash is the one printed on the receipt; a file that no longer matches it is not handed out.
    if (sha256Hex(bytes) !== row.sha256)
      throw new Error(`attachment ${row.storage_key} does not match its hash`);
    const name = zipName(i + 1, row.code, row.filename);
    entries.push({ name, data: bytes, modified: new Date(row.created_at) });
    manifest.push(`${row.sha256}  ${name}`);
  }
  entries.push({
    name: "SHA256SUMS.txt",
    data: Buffer.from(manifest.length ? `${manifest.join("\n")}\n` : "", "utf8"),
    modified: new Date(),
  });
  const label = (pratica.cui ?? pratica.id).replace(/[^A-Za-z0-9_-]/g, "_");
  return { filename: `allegati-${label}.zip`, bytes: writeZip(entries) };
}
