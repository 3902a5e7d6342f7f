import type { Kysely } from "kysely";
import type { Attachment } from "~/domain/catalogue/schema";
import { findPdfSignatures, unwrapCadesEnvelope } from "~/domain/signature/envelope";
import type { Database } from "../../db/schema.server";
import { praticaSignatories } from "../../pratiche/repository.server";
import { runtime } from "../../runtime.server";
import { signatureRuntime } from "../signatures.server";
import type { ExpectedSigner, SignatureReport, SignatureVerifier, Text } from "./port.server";
import { loadVerifier } from "./registry.server";

/** The process's verifier (loaded at boot; on first use when a script or test did not boot). */
export async function signatureVerifier(): Promise<SignatureVerifier> {
  signatureRuntime.verifier ??= await loadVerifier(runtime.env);
  return signatureRuntime.verifier;
}

export type AttachmentSignature =
  | { ok: true; report: SignatureReport | null }
  | { ok: false; message: Text; report: SignatureReport | null };

/** Who may sign a pratica's attachments: the declarant of the form, the business's legal representative. */
async function expectedSigners(
  db: Kysely<Database>,
  praticaId: string,
  userId: string,
): Promise<ExpectedSigner[]> {
  const row = await praticaSignatories(db, praticaId);
  if (!row) return [];
  const form = (row.form_data ?? {}) as Record<string, unknown>;
  const rep = (row.legal_representative ?? {}) as Record<string, string>;
  const out: ExpectedSigner[] = [];
  const declarant = String(form.dich_codice_fiscale ?? row.fiscal_code ?? "")
    .trim()
    .toUpperCase();
  const declarantName = [form.dich_nome, form.dich_cognome].filter(Boolean).join(" ") || row.full_name;
  if (declarant) out.push({ role: "declarant", fiscalCode: declarant, name: declarantName });
  const repCode = String(rep.fiscalCode ?? "")
    .trim()
    .toUpperCase();
  if (repCode) out.push({ role: "legal_representative", fiscalCode: repCode, name: rep.fullName });
  void userId;
  return out;
}

/**
 * The signature check of one upload. Where the catalogue requires a signature (`signature.required`), an
 * unsigned file or one that fails a check is refused with the report's sentence; elsewhere a signed file's
 * report is kept and shown, and a plain file has none.
 */
export async function checkAttachmentSignature(
  db: Kysely<Database>,
  input: {
    praticaId: string;
    userId: string;
    filename: string;
    bytes: Uint8Array;
    requirement?: Attachment["signature"];
  },
): Promise<AttachmentSignature> {
  const looksSigned =
    unwrapCadesEnvelope(input.bytes) !== null ||
    (input.bytes[0] === 0x25 && findPdfSignatures(input.bytes).length > 0);
  if (!looksSigned && !input.requirement) return { ok: true, report: null };
  const everyone = await expectedSigners(db, input.praticaId, input.userId);
  const expected = input.requirement
    ? everyone.filter((e) => input.requirement!.by.includes(e.role))
    : everyone;
  const report = await (await signatureVerifier()).verify({
    filename: input.filename,
    bytes: input.bytes,
    expectedSigners: expected,
  });
  if (input.requirement && (report.outcome === "invalid" || report.outcome === "unsigned")) {
    return { ok: false, message: report.problem!, report };
  }
  return { ok: true, report };
}
