import type { Kysely } from "kysely";
import type { WorkflowEvent } from "../../../workflows/index";
import type { CurrentUser } from "../auth/session.server";
import type { Database } from "../db/schema.server";
import { performAct, todayIso } from "../pratiche/acts.server";
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
  if (spec?.fileRequired && !input.file) {
    return {
      ok: false,
      status: 400,
      message: { it: "Scegli il documento da allegare", en: "Choose the document to attach" },
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
