import type { Kysely } from "kysely";
import { actorKinds, type Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";
import { normalizeVerificationCode } from "../documents/pdf.server";
import {
  findPratica,
  findPraticaByCui,
  praticaRef,
  praticheOfBusinesses,
} from "../pratiche/repository.server";
import type { FileStore } from "../storage.server";
import type { StoredFees, UsecaseRouting } from "../../domain/filing/bundle";
import { parseCui } from "../../domain/filing/cui";

/** Read side of filing: "Le mie pratiche", the receipt page, document verification and downloads. */

/** Every pratica of the businesses the user acts for, drafts included, newest first. */
export async function listMyPratiche(db: Kysely<Database>, principal: Principal) {
  if (!principal.businessIds.length) return [];
  const rows = await praticheOfBusinesses(db, principal.businessIds, 500);
  return rows.map((r) => ({
    ...r,
    submitted_at: r.submitted_at ? new Date(r.submitted_at as unknown as string).toISOString() : null,
    updated_at: new Date(r.updated_at).toISOString(),
  }));
}

/** May this principal see the pratica? The same policy the pratica pages use. */
export async function canSeePratica(db: Kysely<Database>, principal: Principal, praticaId: string) {
  const pratica = await findPratica(db, praticaId);
  if (!pratica) return null;
  const ref = await praticaRef(db, pratica);
  const kinds = actorKinds(principal, ref);
  // Drafts are the applicant's own business until they are sent.
  if (pratica.status === "draft" && !kinds.includes("applicant")) return null;
  return kinds.length ? pratica : null;
}

/** A document or attachment by id, with its bytes, for a viewer allowed to see its pratica; else null. */
export async function downloadable(db: Kysely<Database>, files: FileStore, principal: Principal, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const doc = await db
    .selectFrom("documents")
    .select(["pratica_id", "filename", "storage_key", "sha256"])
    .where("id", "=", id)
    .executeTakeFirst();
  const file =
    (doc && { ...doc, content_type: "application/pdf" }) ??
    (await db
      .selectFrom("attachments")
      .select(["pratica_id", "filename", "storage_key", "sha256", "content_type"])
      .where("id", "=", id)
      .executeTakeFirst());
  if (!file) return null;
  if (!(await canSeePratica(db, principal, file.pratica_id))) return null;
  return {
    filename: file.filename,
    contentType: file.content_type,
    sha256: file.sha256,
    bytes: await files.get(file.storage_key),
  };
}

/** The public check of a printed document: hash, date, issuer, kind and protocol. */
export async function verifyDocument(db: Kysely<Database>, typed: string) {
  const code = normalizeVerificationCode(typed);
  if (!code) return null;
  const row = await db
    .selectFrom("documents")
    .innerJoin("entities", "entities.id", "documents.issuer_entity_id")
    .leftJoin("protocol_entries", "protocol_entries.document_id", "documents.id")
    .innerJoin("pratiche", "pratiche.id", "documents.pratica_id")
    .select([
      "documents.kind",
      "documents.title",
      "documents.sha256",
      "documents.size",
      "documents.created_at",
      "documents.verification_code",
      "documents.issued_sha256",
      "entities.name as issuer",
      "protocol_entries.label as protocol_label",
      "pratiche.protocol_number as pratica_protocol",
    ])
    .where("documents.verification_code", "=", code)
    .executeTakeFirst();
  if (!row) return null;
  return {
    code: row.verification_code,
    kind: row.kind,
    title: row.title,
    sha256: row.sha256,
    /** The fingerprint at issue, when the queued timestamp or seal replaced the file (ADR 0016). */
    issuedSha256: row.issued_sha256,
    size: row.size,
    createdAt: new Date(row.created_at).toISOString(),
    issuer: row.issuer,
    protocol: row.protocol_label ?? (row.kind === "ricevuta" ? row.pratica_protocol : null),
  };
}

/** The confirmation page's facts (it stays right when bookmarked: all read from the database). */
export async function receiptView(db: Kysely<Database>, principal: Principal, praticaId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(praticaId)) return null;
  const pratica = await canSeePratica(db, principal, praticaId);
  if (!pratica || pratica.status === "draft") return null;
  const [business, comune, desk, receipt, protocol, attachments] = await Promise.all([
    db
      .selectFrom("businesses")
      .select(["name", "fiscal_code", "pec"])
      .where("id", "=", pratica.business_id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("entities")
      .select("name")
      .where("id", "=", pratica.municipality_id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("entities")
      .select(["name", "pec"])
      .where("id", "=", pratica.desk_id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("documents")
      .select(["id", "filename", "sha256", "verification_code", "size"])
      .where("pratica_id", "=", praticaId)
      .where("kind", "=", "ricevuta")
      .orderBy("created_at")
      .executeTakeFirst(),
    db
      .selectFrom("protocol_entries")
      .select(["label", "registered_at"])
      .where("pratica_id", "=", praticaId)
      .where("direction", "=", "in")
      .orderBy("id")
      .executeTakeFirst(),
    db
      .selectFrom("attachments")
      .select(["id", "code", "filename", "sha256", "size"])
      .where("pratica_id", "=", praticaId)
      .where("purpose", "=", "filing")
      .orderBy("created_at")
      .execute(),
  ]);
  return {
    id: pratica.id,
    title: pratica.title,
    cui: pratica.cui,
    regime: pratica.regime,
    status: pratica.status,
    protocolNumber: pratica.protocol_number,
    protocolAt: protocol ? new Date(protocol.registered_at).toISOString() : null,
    dueDate: pratica.due_date,
    ended: pratica.ended,
    suspended: pratica.suspended,
    outcome:
      (pratica.snapshot as { context?: { decision?: { outcome?: string } | null } } | null)?.context?.decision
        ?.outcome ?? null,
    business,
    comune: comune.name,
    desk,
    receipt,
    attachments,
    fees: pratica.fees as StoredFees | null,
    routing: pratica.competent_agencies as UsecaseRouting[],
  };
}

/** A pratica by its CUI, for a viewer allowed to see it; null otherwise (the API answers 404). */
export async function praticaByCui(db: Kysely<Database>, principal: Principal, cui: string) {
  const parsed = parseCui(cui);
  if (!parsed) return null;
  const row = await findPraticaByCui(db, cui);
  if (!row) return null;
  return canSeePratica(db, principal, row.id);
}
