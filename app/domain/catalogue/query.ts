import { conditionHolds } from "~/domain/forms/conditions";
import { mergeForms } from "~/domain/forms/merge";
import type { Answers, FormDefinition, LocalisedText } from "~/domain/forms/types";
import type { Attachment, Catalogue, Entity, Proceeding, Regime, TerritorialScope, Usecase } from "./schema";

/** A usecase together with the proceeding it belongs to: what a pratica files. */
export interface UsecaseRef {
  proceeding: Proceeding;
  usecase: Usecase;
}

/** Municipalities a territorial scope covers, among those the catalogue knows. */
export function scopeMunicipalities(
  catalogue: Pick<Catalogue, "municipalities">,
  scope: TerritorialScope,
): string[] {
  if (scope.kind === "MUNICIPALITIES") return scope.municipalities;
  // Every Comune of this catalogue is in Tuscany (ISTAT region 09): national and regional scopes cover all.
  return catalogue.municipalities.map((m) => m.istat);
}

export function appliesInMunicipality(
  catalogue: Catalogue,
  proceeding: Proceeding,
  municipality: string,
): boolean {
  return scopeMunicipalities(catalogue, proceeding.territorialScope).includes(municipality);
}

/** Valid on `date` (ISO): validFrom <= date and (no validTo or date <= validTo). */
export function isValidOn(item: { validFrom: string; validTo: string | null }, date: string): boolean {
  return item.validFrom <= date && (item.validTo === null || date <= item.validTo);
}

export function findProceeding(catalogue: Catalogue, code: string): Proceeding | undefined {
  return catalogue.proceedings.find((p) => p.code === code);
}

export function findUsecase(catalogue: Catalogue, usecaseCode: string): UsecaseRef | undefined {
  for (const proceeding of catalogue.proceedings) {
    const usecase = proceeding.usecases.find((u) => u.code === usecaseCode);
    if (usecase) return { proceeding, usecase };
  }
  return undefined;
}

/** The resolved form of a proceeding (section ids replaced by the sections of the library). */
export function resolveForm(
  catalogue: Pick<Catalogue, "forms" | "sections">,
  formId: string,
): FormDefinition {
  const ref = catalogue.forms.find((f) => f.id === formId);
  if (!ref) throw new Error(`unknown form ${formId}`);
  return {
    id: ref.id,
    version: ref.version,
    title: ref.title,
    sections: ref.sections.map((id) => {
      const section = catalogue.sections.find((s) => s.id === id);
      if (!section) throw new Error(`form ${formId} refers to unknown section ${id}`);
      return section;
    }),
  };
}

/** The one form of a pratica bundling several usecases: each field once. */
export function bundleForm(catalogue: Catalogue, refs: readonly UsecaseRef[]): FormDefinition {
  const ids = [...new Set(refs.map((r) => r.proceeding.form))];
  return mergeForms(ids.map((id) => resolveForm(catalogue, id)));
}

/** ISTAT code -> postcodes, for the CAP check of `validateForm`. */
export function postcodesByMunicipality(
  catalogue: Pick<Catalogue, "municipalities">,
): Record<string, string[]> {
  return Object.fromEntries(catalogue.municipalities.map((m) => [m.istat, m.postcodes.map((p) => p.cap)]));
}

/** The entity competent for a proceeding in a Comune (class resolved through competentAdministrations). */
export function competentAdministration(
  catalogue: Catalogue,
  proceeding: Proceeding,
  municipality: string,
): Entity | undefined {
  return entityForClass(catalogue, proceeding.competentAdministrationClass, municipality);
}

export function entityForClass(
  catalogue: Catalogue,
  administrationClass: string,
  municipality: string,
): Entity | undefined {
  const row = catalogue.competentAdministrations.find((c) => c.municipality === municipality);
  const code = row?.byClass[administrationClass];
  return code === undefined ? undefined : catalogue.entities.find((e) => e.code === code);
}

/** The SUAP desk serving a Comune. */
export function singleDeskFor(catalogue: Catalogue, municipality: string) {
  return catalogue.singleDesks.find((d) => d.municipalities.includes(municipality));
}

export interface FeeLine {
  usecase: string;
  dirittiCents: number;
  finalActBolloCents: number;
  note?: string;
}

export interface FeeSummary {
  municipality: string;
  lines: FeeLine[];
  dirittiCents: number;
  /** One stamp duty on the application of the pratica, however many usecases it bundles. */
  applicationBolloCents: number;
  /** Stamp duty on each final act (autorizzazione) issued. */
  finalActBolloCents: number;
  totalCents: number;
  notes: string[];
  /** Agencies' own diritti di istruttoria (catalogue `fees.agencyDiritti`), by administration class. */
  agencyLines: { usecase: string; agencyClass: string; cents: number }[];
  /** When the fees are paid: before submission, or within N days after it (every usecase must allow it). */
  payment: { timing: "before" } | { timing: "after"; days: number };
}

/** Diritti di istruttoria for one usecase in one Comune (the "*" row is the default). */
export function dirittiFor(usecase: Usecase, municipality: string): { cents: number; note?: string } {
  const row =
    usecase.fees.diritti.find((d) => d.municipality === municipality) ??
    usecase.fees.diritti.find((d) => d.municipality === "*");
  if (!row) throw new Error(`no diritti for ${usecase.code} in ${municipality}`);
  return { cents: row.cents, note: row.note };
}

export function feesFor(usecases: readonly Usecase[], municipality: string): FeeSummary {
  const lines: FeeLine[] = usecases.map((u) => {
    const d = dirittiFor(u, municipality);
    return {
      usecase: u.code,
      dirittiCents: d.cents,
      finalActBolloCents: u.fees.bollo.finalActCents,
      note: d.note,
    };
  });
  const dirittiCents = lines.reduce((s, l) => s + l.dirittiCents, 0);
  const applicationBolloCents = Math.max(0, ...usecases.map((u) => u.fees.bollo.applicationCents));
  const finalActBolloCents = lines.reduce((s, l) => s + l.finalActBolloCents, 0);
  const notes = [
    ...new Set(usecases.flatMap((u) => [u.fees.note, ...u.fees.diritti.map((d) => d.note)]).filter(isString)),
  ];
  const agencyLines = usecases.flatMap((u) =>
    (u.fees.agencyDiritti ?? [])
      .filter((a) => a.cents > 0)
      .map((a) => ({ usecase: u.code, agencyClass: a.agencyClass, cents: a.cents })),
  );
  const agencyCents = agencyLines.reduce((s, l) => s + l.cents, 0);
  const after = usecases.length > 0 && usecases.every((u) => u.fees.payment?.timing === "after");
  const payment: FeeSummary["payment"] = after
    ? {
        timing: "after",
        days: Math.min(...usecases.map((u) => (u.fees.payment as { days: number }).days)),
      }
    : { timing: "before" };
  return {
    municipality,
    lines,
    dirittiCents,
    applicationBolloCents,
    finalActBolloCents,
    totalCents: dirittiCents + applicationBolloCents + finalActBolloCents + agencyCents,
    notes,
    agencyLines,
    payment,
  };
}

function isString(x: unknown): x is string {
  return typeof x === "string";
}

export interface RequiredAttachment {
  usecase: string;
  attachment: Attachment;
  /** Why it is required: always, or because of a form answer. */
  reason: "mandatory" | "condition";
}

/**
 * Attachments the applicant must upload given the form answers; an attachment code required by several
 * usecases of the bundle (e.g. the identity document) is listed once.
 */
export function requiredAttachments(usecases: readonly Usecase[], answers: Answers): RequiredAttachment[] {
  const out: RequiredAttachment[] = [];
  const seen = new Set<string>();
  for (const usecase of usecases) {
    for (const attachment of usecase.attachments) {
      const byCondition =
        attachment.requiredWhen !== undefined && conditionHolds(attachment.requiredWhen, answers);
      if (!attachment.mandatory && !byCondition) continue;
      if (seen.has(attachment.code)) continue;
      seen.add(attachment.code);
      out.push({
        usecase: usecase.code,
        attachment,
        reason: attachment.mandatory ? "mandatory" : "condition",
      });
    }
  }
  return out;
}

/**
 * The regime of a pratica bundling several usecases (L. 241/1990 artt. 19, 19-bis, 20; DPR 160/2010 art. 7):
 * - any AUTORIZZAZIONE: the whole pratica follows the ordinary procedure (explicit act);
 * - any SCIA_CONDIZIONATA, or a SCIA together with an act of consent (silenzio-assenso): SCIA condizionata,
 *   the activity waits for the acts (art. 19-bis c.3);
 * - silenzio-assenso alone: SILENZIO_ASSENSO;
 * - several SCIA / comunicazioni, or any SCIA_UNICA: SCIA unica (art. 19-bis c.2);
 * - one SCIA: SCIA; only comunicazioni: COMUNICAZIONE.
 */
export function regimeOfBundle(usecases: readonly Pick<Usecase, "regime">[]): Regime {
  if (usecases.length === 0) throw new Error("regimeOfBundle needs at least one usecase");
  const regimes = usecases.map((u) => u.regime);
  const has = (r: Regime) => regimes.includes(r);
  const sciaFamily = regimes.filter((r) => r === "SCIA" || r === "SCIA_UNICA").length;
  if (has("AUTORIZZAZIONE")) return "AUTORIZZAZIONE";
  if (has("SCIA_CONDIZIONATA")) return "SCIA_CONDIZIONATA";
  if (has("SILENZIO_ASSENSO")) return sciaFamily > 0 ? "SCIA_CONDIZIONATA" : "SILENZIO_ASSENSO";
  if (has("SCIA_UNICA")) return "SCIA_UNICA";
  if (sciaFamily > 1 || (sciaFamily === 1 && regimes.length > 1)) return "SCIA_UNICA";
  if (sciaFamily === 1) return "SCIA";
  return "COMUNICAZIONE";
}

/** The SSU regime of the istanza (the national API knows four). */
export function ssuRegime(catalogue: Catalogue, regime: Regime): string {
  return catalogue.regimes.find((r) => r.code === regime)?.ssu ?? regime;
}

/** Longest term of a bundle in days: the usecases' max_gg_proc and their endoproceedings' terms. */
export function longestTermDays(usecases: readonly Usecase[]): number {
  return Math.max(
    0,
    ...usecases.map((u) => u.terms.max_gg_proc),
    ...usecases.flatMap((u) => u.endoproceedings.map((e) => e.termDays)),
  );
}

export function label(text: LocalisedText, lang: "it" | "en" = "it"): string {
  return text[lang];
}
