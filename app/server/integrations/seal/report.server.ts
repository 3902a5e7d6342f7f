import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.server";
import type { FileStore } from "../../storage.server";
import { signatureVerifier } from "../signature/attachments.server";
import type { SealInfo } from "./port.server";

export interface SealStatus {
  status: "valid" | "invalid" | "indeterminate" | "none";
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
    .select(["storage_key", "filename", "seal"])
    .where("verification_code", "=", code)
    .executeTakeFirst();
  if (!row) return null;
  const checkedAt = new Date().toISOString();
  const info = row.seal as SealInfo | null;
  if (!info)
    return {
      status: "none",
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
    holder: seal?.signer.name ?? info.subject,
    issuer: seal?.issuer ?? info.issuer,
    qualified: info.qualified,
    timestamped: seal?.signingTimeSource === "timestamp",
    sealedAt: seal?.signingTime ?? null,
    checkedAt,
  };
}
