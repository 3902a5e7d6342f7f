import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.server";
import type { FileStore } from "../../storage.server";
import { signatureVerifier } from "../signature/attachments.server";
import type { SealInfo } from "./port.server";

export interface SealStatus {
  /** "pending": the seal itself is still to be applied by the remote service (the file is as issued). */
  status: "valid" | "invalid" | "indeterminate" | "none" | "pending";
  /**
   * What the worker still owes (ADR 0016): "timestamp" or "seal" while queued, "failed" once the retries are
   * over, null when nothing is left.
   */
  completion: "timestamp" | "seal" | "failed" | null;
  holder: string | null;
  issuer: string | null;
  qualified: boolean;
  timestamped: boolean;
  sealedAt: string | null;
  checkedAt: string;
}

/**
 * The seal of an issued document, checked now on the stored bytes (the same bytes whose SHA-256 the page
 * shows): a tampered file or a broken seal reads "invalid", never the stored claim.
 */
export async function documentSeal(
  db: Kysely<Database>,
  files: FileStore,
  code: string,
): Promise<SealStatus | null> {
  const row = await db
    .selectFrom("documents")
    .select(["storage_key", "filename", "seal", "seal_status"])
    .where("verification_code", "=", code)
    .executeTakeFirst();
  if (!row) return null;
  const checkedAt = new Date().toISOString();
  const info = row.seal as (SealInfo & { deferred?: "timestamp" | "seal" | null }) | null;
  const completion =
    row.seal_status === "pending"
      ? (info?.deferred ?? "seal")
      : row.seal_status === "failed"
        ? "failed"
        : null;
  if (!info)
    return {
      status: "none",
      completion: null,
      holder: null,
      issuer: null,
      qualified: false,
      timestamped: false,
      sealedAt: null,
      checkedAt,
    };
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await files.get(row.storage_key));
  } catch {
    return {
      status: "invalid",
      completion,
      holder: info.subject,
      issuer: info.issuer,
      qualified: info.qualified,
      timestamped: false,
      sealedAt: null,
      checkedAt,
    };
  }
  if (completion === "seal" || (completion === "failed" && info.deferred === "seal")) {
    // Issued before the remote seal: the file is as issued and carries no seal yet.
    return {
      status: completion === "seal" ? "pending" : "none",
      completion,
      holder: info.subject,
      issuer: info.issuer,
      qualified: info.qualified,
      timestamped: false,
      sealedAt: null,
      checkedAt,
    };
  }
  const report = await (await signatureVerifier()).verify({ filename: row.filename, bytes });
  const seal = report.signatures.at(-1);
  const status = report.format === "pades" && report.outcome !== "unsigned" ? report.outcome : "invalid";
  return {
    status: status === "valid" || status === "indeterminate" ? status : "invalid",
    completion,
    holder: seal?.signer.name ?? info.subject,
    issuer: seal?.issuer ?? info.issuer,
    qualified: info.qualified,
    timestamped: seal?.signingTimeSource === "timestamp",
    sealedAt: seal?.signingTime ?? null,
    checkedAt,
  };
}
