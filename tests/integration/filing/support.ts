import { readFileSync } from "node:fs";
import path from "node:path";
import type { Kysely } from "kysely";
import type { Database } from "~/server/db/schema.server";
import { startDraft, loadDraft, saveSection, type FilingUser } from "~/server/filing/drafts.server";
import { visibleSections } from "~/domain/filing/bundle";
import { addAttachment, type UploadLimits } from "~/server/filing/uploads.server";
import type { FileStore } from "~/server/storage.server";

export const PDF = new Uint8Array(readFileSync(path.resolve("tests/fixtures/planimetria.pdf")));
export const FAKE_PDF = new Uint8Array(readFileSync(path.resolve("tests/fixtures/finto.pdf")));
export const LIMITS: UploadLimits = { maxFileBytes: 20 * 1024 * 1024, maxPraticaBytes: 100 * 1024 * 1024 };

/** Valid answers for a non-food neighbourhood shop in Volterra (the business data come prefilled). */
export const ANSWERS: Record<string, string> = {
  forma_giuridica: "IMPRESA_INDIVIDUALE",
  impresa_denominazione: "Bottega Rossi di Maria Rossi",
  impresa_codice_fiscale: "RSSMRA80A41M126H",
  impresa_partita_iva: "01234567897",
  impresa_rea: "PI-123456",
  impresa_pec: "bottegarossi@pec.imprese.test",
  ruolo_dichiarante: "TITOLARE",
  dich_nome: "Maria",
  dich_cognome: "Rossi",
  dich_codice_fiscale: "RSSMRA80A41M126H",
  dich_data_nascita: "01/01/1980",
  dich_luogo_nascita: "Volterra",
  dich_cittadinanza: "italiana",
  dich_residenza: "Via dei Sarti 12, 56048 Volterra",
  dich_pec: "maria.rossi@pec.it",
  sede_comune: "050039",
  sede_indirizzo: "Via Matteotti 1",
  sede_cap: "56048",
  catasto_foglio: "12",
  catasto_particella: "345",
  settore_merceologico: "NON_ALIMENTARE",
  superficie_vendita: "45",
  dich_onorabilita: "true",
  dich_antimafia: "true",
  dich_veridicita: "true",
  dich_privacy: "true",
};

/** A complete draft (every section saved, every required attachment uploaded), ready for "Conferma e invia". */
export async function completeDraft(
  db: Kysely<Database>,
  files: FileStore,
  user: FilingUser,
  opts: { pdf?: Uint8Array } = {},
) {
  const started = await startDraft(db, user, {
    codes: ["VICINATO_APERTURA"],
    chosen: ["VICINATO_APERTURA_NON_ALIMENTARE"],
    municipality: "050039",
    businessId: null,
  });
  if (!started.ok) throw new Error(JSON.stringify(started.errors));
  const form = new FormData();
  for (const [k, v] of Object.entries(ANSWERS)) form.set(k, v);
  const ctx = await loadDraft(db, user, started.id);
  for (const s of visibleSections(ctx.bundle.form, ANSWERS)) {
    const saved = await saveSection(db, user, started.id, s.id, form, { validate: true });
    if (!saved.ok) throw new Error(JSON.stringify(saved.errors));
  }
  for (const code of ["DOC_IDENTITA", "PLANIMETRIA", "RICEVUTA_DIRITTI"]) {
    const r = await addAttachment(db, files, user, {
      praticaId: started.id,
      code,
      filename: `${code.toLowerCase()}.pdf`,
      bytes: opts.pdf ?? PDF,
      purpose: "filing",
      limits: LIMITS,
    });
    if (!r.ok) throw new Error(JSON.stringify(r.message));
  }
  return started.id;
}
