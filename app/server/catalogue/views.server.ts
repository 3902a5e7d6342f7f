import type { Kysely } from "kysely";
import { withTermWords } from "~/i18n/modules/words";
import {
  type Attachment,
  dirittiFor,
  type Entity,
  type FinderAnswers,
  findProcedures,
  finderQuestions,
  type LegalReference,
  type Proceeding,
  parseFinderAnswers,
  type Regime,
  scopeMunicipalities,
  type Terms,
} from "~/domain/catalogue";
import type { LocalisedText } from "~/domain/forms/types";
import type { Database } from "../db/schema.server";
import {
  type CatalogueVersionInfo,
  catalogueDocument,
  catalogueReference,
  currentVersion,
  proceedingByCode,
} from "./repository.server";
import type { CatalogueReference } from "../../domain/catalogue/rows";
import { type CatalogueSearchParams, type CatalogueSearchResult, searchCatalogue } from "./search.server";

/** View models of the public catalogue pages: plain data the routes render, no rule left to the route. */

export interface Option {
  value: string;
  label: LocalisedText;
}

export interface CatalogueFilters {
  sectors: Option[];
  lifeEvents: Option[];
  municipalities: Option[];
  regimes: Option[];
}

function filtersOf(ref: CatalogueReference): CatalogueFilters {
  return {
    sectors: ref.sectors.map((s) => ({ value: s.code, label: s.description })),
    lifeEvents: ref.lifeEvents.map((l) => ({ value: l.code, label: l.description })),
    municipalities: ref.municipalities.map((m) => ({ value: m.istat, label: { it: m.name, en: m.name } })),
    regimes: ref.regimes.map((r) => ({ value: r.code, label: r.description })),
  };
}

export interface CatalogueIndexView {
  version: CatalogueVersionInfo;
  filters: CatalogueFilters;
  params: CatalogueSearchParams;
  result: CatalogueSearchResult;
  labels: { sectors: Record<string, LocalisedText>; regimes: Record<string, LocalisedText> };
}

export async function catalogueIndexView(
  db: Kysely<Database>,
  params: CatalogueSearchParams,
): Promise<CatalogueIndexView> {
  const version = await currentVersion(db);
  const [ref, result] = await Promise.all([
    catalogueReference(db, version.id),
    searchCatalogue(db, version.id, params),
  ]);
  return {
    version,
    filters: filtersOf(ref),
    params,
    result,
    labels: {
      sectors: Object.fromEntries(ref.sectors.map((s) => [s.code, s.description])),
      regimes: Object.fromEntries(ref.regimes.map((r) => [r.code, r.description])),
    },
  };
}

export interface EntityView {
  code: string;
  name: string;
  pec?: string;
}

export interface UsecaseView {
  code: string;
  version: string;
  title: LocalisedText;
  description?: LocalisedText;
  regime: Regime;
  regimeLabel: LocalisedText;
  terms: Terms;
  attachments: (Attachment & { conditional: boolean })[];
  endoproceedings: {
    code: string;
    kind: string;
    title: LocalisedText;
    agencyClass: LocalisedText;
    entity: EntityView | null;
    termDays: number;
    mandatory: boolean;
    linkedUsecase?: string;
    note?: string;
  }[];
  /** Fees in the chosen Comune; null when none is chosen. */
  fees: {
    dirittiCents: number;
    applicationBolloCents: number;
    finalActBolloCents: number;
    note?: string;
  } | null;
  /** Diritti per Comune of the scope, for the table shown when no Comune is chosen. */
  feesByMunicipality: { istat: string; name: string; dirittiCents: number }[];
  bollo: { applicationCents: number; finalActCents: number };
  feesNote?: string;
  note?: string;
}

export interface ProcedureView {
  version: CatalogueVersionInfo;
  proceeding: {
    code: string;
    version: string;
    title: LocalisedText;
    description: LocalisedText;
    sector: LocalisedText;
    typology: LocalisedText;
    lifeEvent: LocalisedText;
    filedBy: string[];
    legalReferences: LegalReference[];
    validFrom: string;
    validTo: string | null;
    note?: string;
  };
  municipalities: Option[];
  municipality: Option | null;
  competent: EntityView | null;
  desk: { code: string; name: string } | null;
  usecases: UsecaseView[];
  notes: string[];
}

function entityView(e: Entity | undefined): EntityView | null {
  return e ? { code: e.code, name: e.name, pec: e.pec } : null;
}

function entityFor(ref: CatalogueReference, cls: string, municipality: string | undefined) {
  if (!municipality) return undefined;
  const code = ref.competentAdministrations.find((c) => c.municipality === municipality)?.byClass[cls];
  return code === undefined ? undefined : ref.entities.find((e) => e.code === code);
}

function describeCode(list: { code: string; description: LocalisedText }[], code: string): LocalisedText {
  return list.find((x) => x.code === code)?.description ?? { it: code, en: code };
}

/** The "scheda procedimento" of the current catalogue; null when the code is unknown. */
export async function procedureView(
  db: Kysely<Database>,
  code: string,
  municipalityParam?: string | null,
): Promise<ProcedureView | null> {
  const version = await currentVersion(db);
  const [p, ref] = await Promise.all([
    proceedingByCode(db, version.id, code),
    catalogueReference(db, version.id),
  ]);
  if (!p) return null;
  return buildProcedureView(version, ref, p, municipalityParam);
}

export function buildProcedureView(
  version: CatalogueVersionInfo,
  ref: CatalogueReference,
  p: Proceeding,
  municipalityParam?: string | null,
): ProcedureView {
  const scope = scopeMunicipalities(ref, p.territorialScope);
  const municipalities = ref.municipalities
    .filter((m) => scope.includes(m.istat))
    .map((m) => ({ value: m.istat, label: { it: m.name, en: m.name } }));
  const municipality = municipalities.find((m) => m.value === municipalityParam) ?? null;
  const istat = municipality?.value;
  const desk = istat ? ref.singleDesks.find((d) => d.municipalities.includes(istat)) : undefined;
  const usecases: UsecaseView[] = p.usecases.map((u) => {
    const d = istat ? dirittiFor(u, istat) : null;
    return {
      code: u.code,
      version: u.version,
      title: u.title,
      description: u.description,
      regime: u.regime,
      regimeLabel: describeCode(ref.regimes, u.regime),
      terms: u.terms,
      attachments: u.attachments.map((a) => ({ ...a, conditional: !a.mandatory })),
      endoproceedings: u.endoproceedings.map((e) => ({
        code: e.code,
        kind: e.kind,
        title: e.title,
        agencyClass: describeCode(ref.administrationClasses, e.agencyClass),
        entity: entityView(entityFor(ref, e.agencyClass, istat)),
        termDays: e.termDays,
        mandatory: e.mandatory,
        linkedUsecase: e.linkedUsecase,
        note: e.note,
      })),
      fees: d
        ? {
            dirittiCents: d.cents,
            applicationBolloCents: u.fees.bollo.applicationCents,
            finalActBolloCents: u.fees.bollo.finalActCents,
            note: d.note,
          }
        : null,
      feesByMunicipality: municipalities.map((m) => ({
        istat: m.value,
        name: m.label.it,
        dirittiCents: dirittiFor(u, m.value).cents,
      })),
      bollo: u.fees.bollo,
      feesNote: u.fees.note,
      note: u.note,
    };
  });
  const notes = [
    ...new Set(
      [
        p.note,
        ...p.legalReferences.map((r) => r.note),
        ...p.usecases.flatMap((u) => [u.note, u.fees.note, ...u.fees.diritti.map((d) => d.note)]),
      ]
        .filter((n): n is string => typeof n === "string")
        // the notes cite the catalogue's term fields by name: people read them in words
        .map((n) => withTermWords(n)),
    ),
  ];
  return {
    version,
    proceeding: {
      code: p.code,
      version: p.version,
      title: p.title,
      description: p.description,
      sector: describeCode(ref.sectors, p.sector),
      typology: describeCode(ref.typologies, p.typology),
      lifeEvent: describeCode(ref.lifeEvents, p.lifeEvent),
      filedBy: p.filedBy,
      legalReferences: p.legalReferences,
      validFrom: p.validFrom,
      validTo: p.validTo,
      note: p.note,
    },
    municipalities,
    municipality,
    competent: entityView(entityFor(ref, p.competentAdministrationClass, istat)),
    desk: desk ? { code: desk.code, name: desk.name } : null,
    usecases,
    notes,
  };
}

export interface FinderQuestionView {
  name: keyof FinderAnswers;
  label: LocalisedText;
  hint?: LocalisedText;
  options: Option[];
}

export interface FinderView {
  version: CatalogueVersionInfo;
  questions: FinderQuestionView[];
  /** What was asked, as sent (to re-check the radios). */
  values: Record<string, string>;
  submitted: boolean;
  errors: { field: string; message: LocalisedText }[];
  result: {
    municipality: string;
    municipalityName: string;
    regime: Regime | null;
    regimeLabel: LocalisedText | null;
    usecases: {
      proceedingCode: string;
      usecaseCode: string;
      title: LocalisedText;
      proceedingTitle: LocalisedText;
      regime: Regime;
      maxDays: number;
      reason: "primary" | "linked";
    }[];
    endoproceedings: { title: LocalisedText; entity: string | null; termDays: number }[];
    suggestions: { proceedingCode: string; title: LocalisedText }[];
    fees: {
      dirittiCents: number;
      applicationBolloCents: number;
      finalActBolloCents: number;
      totalCents: number;
    };
    longestTermDays: number;
    desk: string | null;
    messages: LocalisedText[];
    notes: string[];
    fileUrl: string | null;
  } | null;
}

const FINDER_FIELDS = ["activity", "lifeEvent", "municipality", "protectedZone", "food"] as const;

/** The guided finder: the questions, and once answered (GET), what to file together. */
export async function finderView(db: Kysely<Database>, url: URL): Promise<FinderView> {
  const version = await currentVersion(db);
  const catalogue = await catalogueDocument(db, version.id);
  const values: Record<string, string> = {};
  for (const f of FINDER_FIELDS) {
    const v = url.searchParams.get(f);
    if (v !== null) values[f] = v;
  }
  const submitted = url.searchParams.has("cerca");
  const questions = finderQuestions(catalogue).map((q) => ({ ...q, options: q.options }));
  const base: FinderView = { version, questions, values, submitted, errors: [], result: null };
  if (!submitted) return base;
  const parsed = parseFinderAnswers(catalogue, values);
  if (!parsed.ok) return { ...base, errors: parsed.errors };
  const r = findProcedures(catalogue, parsed.answers, new Date().toISOString().slice(0, 10));
  const municipality = catalogue.municipalities.find((m) => m.istat === parsed.answers.municipality);
  const codes = r.usecases.map((u) => u.usecase.code);
  return {
    ...base,
    result: {
      municipality: parsed.answers.municipality,
      municipalityName: municipality?.name ?? parsed.answers.municipality,
      regime: r.regime,
      regimeLabel: r.regime ? describeCode(catalogue.regimes, r.regime) : null,
      usecases: r.usecases.map((u) => ({
        proceedingCode: u.proceeding.code,
        usecaseCode: u.usecase.code,
        title: u.usecase.title,
        proceedingTitle: u.proceeding.title,
        regime: u.usecase.regime,
        maxDays: u.usecase.terms.max_gg_proc,
        reason: u.reason,
      })),
      endoproceedings: r.endoproceedings.map((e) => ({
        title: e.endoproceeding.title,
        entity: e.entity?.name ?? null,
        termDays: e.endoproceeding.termDays,
      })),
      suggestions: r.suggestions.map((s) => ({ proceedingCode: s.proceeding.code, title: s.usecase.title })),
      fees: {
        dirittiCents: r.fees?.dirittiCents ?? 0,
        applicationBolloCents: r.fees?.applicationBolloCents ?? 0,
        finalActBolloCents: r.fees?.finalActBolloCents ?? 0,
        totalCents: r.totalFees,
      },
      longestTermDays: r.longestTermDays,
      desk: r.desk?.name ?? null,
      messages: r.messages,
      notes: [...new Set([...r.notes, ...(r.fees?.notes ?? [])].map((n) => withTermWords(n)))],
      fileUrl: codes.length > 0 ? fileUrl(codes, parsed.answers.municipality) : null,
    },
  };
}

/**
 * The entry point of the filing journey (built elsewhere): one `procedimento` parameter per code (a
 * proceeding code from a procedure page, the usecase codes of a finder bundle), and the Comune.
 */
export function fileUrl(codes: string[], municipality?: string): string {
  const params = new URLSearchParams();
  for (const code of codes) params.append("procedimento", code);
  if (municipality) params.set("comune", municipality);
  return `/pratiche/nuova?${params.toString()}`;
}
