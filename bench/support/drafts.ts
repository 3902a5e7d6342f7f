import type { Kysely } from "kysely";
import type { Database } from "~/server/db/schema.server";
import { visibleSections } from "~/domain/filing/bundle";
import { type FilingUser, loadDraft, saveSection, startDraft } from "~/server/filing/drafts.server";
import { addAttachment } from "~/server/filing/uploads.server";
import type { FileStore } from "~/server/storage.server";
// The same valid answers the filing tests use.
import { ANSWERS, PDF } from "../../tests/integration/filing/support";

/** A complete non-food shop draft in Volterra, without the attachment `missing` (uploaded in the timed part). */
export async function completeDraftWithout(
  db: Kysely<Database>,
  files: FileStore,
  user: FilingUser,
  missing: string,
) {
  const started = await startDraft(db, user, {
    codes: ["VICINATO_APERTURA_NON_ALIMENTARE"],
    chosen: [],
    municipality: "050039",
    businessId: null,
  });
  if (!started.ok) throw new Error("draft");
  const form = new FormData();
  for (const [k, v] of Object.entries(ANSWERS)) form.set(k, v);
  const ctx = await loadDraft(db, user, started.id);
  for (const s of visibleSections(ctx.bundle.form, ANSWERS))
    await saveSection(db, user, started.id, s.id, form, { validate: false });
  for (const code of ["DOC_IDENTITA", "PLANIMETRIA", "RICEVUTA_DIRITTI"].filter((c) => c !== missing)) {
    await addAttachment(db, files, user, {
      praticaId: started.id,
      code,
      filename: `${code.toLowerCase()}.pdf`,
      // A real PDF: the upload checks refuse bytes that only start like one (and nothing was uploaded).
      bytes: PDF,
      purpose: "filing",
      limits: { maxFileBytes: 1 << 24, maxPraticaBytes: 1 << 27 },
    });
  }
  return started.id;
}
