import { randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../db/schema.server";
import { verificationCode } from "../documents/pdf.server";
import type { FileStore } from "../storage.server";
import { moduloFileName, type PreparedModulo } from "./modulo.server";

/** The document kind of the unified form as XML; the SSU instance descriptor points at it. */
export const MODULO_KIND = "modulo_xml";

/**
 * Stores the validated modulo as a document of the pratica, in the submission's transaction (the file is
 * written first, like the receipts: a rollback leaves an unreferenced file, never a row without its file).
 */
export async function storeModulo(
  trx: Transaction<Database>,
  files: FileStore,
  input: { praticaId: string; deskId: number; modulo: PreparedModulo; now: Date },
) {
  const stored = await files.put(new TextEncoder().encode(input.modulo.xml));
  const id = randomUUID();
  await trx
    .insertInto("documents")
    .values({
      id,
      pratica_id: input.praticaId,
      kind: MODULO_KIND,
      title: "Modulo unificato (XML AgID)",
      filename: moduloFileName(input.modulo.form),
      storage_key: stored.key,
      sha256: stored.sha256,
      size: stored.size,
      verification_code: verificationCode(),
      issuer_entity_id: input.deskId,
      event_seq: null,
      created_at: input.now,
    })
    .execute();
  return { id, sha256: stored.sha256 };
}

export async function moduloDocument(db: Kysely<Database> | Transaction<Database>, praticaId: string) {
  return db
    .selectFrom("documents")
    .select(["id", "filename", "sha256", "storage_key", "size"])
    .where("pratica_id", "=", praticaId)
    .where("kind", "=", MODULO_KIND)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
}
