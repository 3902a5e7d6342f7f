/**
 * The signature-verification port: what the upload service asks of any verifier (the local pkijs one, or a
 * remote validation service as another adapter). The report is stored with the attachment as it is.
 */

export type CheckName =
  | "format"
  | "integrity"
  | "signingTime"
  | "validity"
  | "keyUsage"
  | "chain"
  | "revocation"
  | "signer"
  | "innerType"
  | "coverage";

export type CheckStatus = "passed" | "failed" | "unknown" | "warning";

export interface Text {
  it: string;
  en: string;
}

export interface SignatureCheck {
  name: CheckName;
  status: CheckStatus;
  message: Text;
  /** When the check ran (ISO). */
  at: string;
}

export interface SignerReport {
  outcome: "valid" | "invalid" | "indeterminate";
  signer: { name: string | null; fiscalCode: string | null };
  issuer: string | null;
  serialNumber: string | null;
  /** ISO; the moment the certificate was checked at. */
  signingTime: string;
  signingTimeSource: "timestamp" | "signed-attribute" | "pdf-claim" | "verification-time";
  checks: SignatureCheck[];
  /** 1 for the outer envelope, 2 for a signature nested inside it, and so on. */
  level: number;
}

export interface SignatureReport {
  format: "cades" | "pades" | "none";
  /** Envelope encoding for CAdES (der, pem, base64). */
  encoding?: string;
  outcome: "valid" | "invalid" | "indeterminate" | "unsigned";
  signatures: SignerReport[];
  /** File-level checks (inner type, coverage of the last PDF signature, the required signer). */
  checks: SignatureCheck[];
  /** The first failure, in a sentence a business can act on (null when nothing failed). */
  problem: Text | null;
  /** The inner file of a CAdES envelope (after every nested layer), for the desk to open. */
  innerKind?: string;
  checkedAt: string;
}

export interface ExpectedSigner {
  role: "declarant" | "legal_representative";
  fiscalCode: string;
  name?: string;
}

export interface VerifyInput {
  filename: string;
  bytes: Uint8Array;
  /** Who may sign it: the signature must be by one of these (empty: anyone, the signer is only shown). */
  expectedSigners?: ExpectedSigner[];
  now?: Date;
}

export interface SignatureVerifier {
  verify(input: VerifyInput): Promise<SignatureReport>;
}
