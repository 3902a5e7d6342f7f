import {
  type Catalogue,
  entityForClass,
  feesFor,
  findProceeding,
  findUsecase,
  type Proceeding,
  type Regime,
  regimeOfBundle,
  requiredAttachments,
  resolveForm,
  singleDeskFor,
  ssuRegime,
  type UsecaseRef,
  type Usecase,
} from "~/domain/catalogue/index";
import { conditionHolds, mergeForms } from "~/domain/forms/index";
import type { Answers, FormDefinition, LocalisedText, Section } from "~/domain/forms/types";
import type { Regime as WorkflowRegime, WorkflowInput } from "../../../workflows/index";
import { bundleTimes } from "./legal-times";

/**
 * What a pratica files, resolved from the catalogue (pure: the caller passes the catalogue version the
 * pratica is pinned to). The entry links accept proceeding codes (a procedure page) and usecase codes (the
 * finder's bundle), under `procedimento` or `usecase`.
 */

export interface BundleResolution {
  refs: UsecaseRef[];
  /** proceedings named by code that have several usecases: the applicant picks one */
  choices: { proceeding: Proceeding; usecases: Usecase[] }[];
  unknown: string[];
}

export function resolveBundle(
  catalogue: Catalogue,
  codes: readonly string[],
  chosen: readonly string[] = [],
) {
  const out: BundleResolution = { refs: [], choices: [], unknown: [] };
  const add = (ref: UsecaseRef) => {
    if (!out.refs.some((r) => r.usecase.code === ref.usecase.code)) out.refs.push(ref);
  };
  for (const code of new Set(codes)) {
    const asUsecase = findUsecase(catalogue, code);
    if (asUsecase) {
      add(asUsecase);
      continue;
    }
    const proceeding = findProceeding(catalogue, code);
    if (!proceeding) {
      out.unknown.push(code);
      continue;
    }
    if (proceeding.usecases.length === 1) {
      add({ proceeding, usecase: proceeding.usecases[0]! });
      continue;
    }
    const picked = proceeding.usecases.find((u) => chosen.includes(u.code));
    if (picked) add({ proceeding, usecase: picked });
    else out.choices.push({ proceeding, usecases: proceeding.usecases });
  }
  // A mandatory endoproceeding filed as its own usecase (food shop -> notifica sanitaria) joins the bundle.
  for (const ref of [...out.refs]) {
    for (const e of ref.usecase.endoproceedings) {
      if (!e.mandatory || !e.linkedUsecase) continue;
      const linked = findUsecase(catalogue, e.linkedUsecase);
      if (linked) add(linked);
    }
  }
  return out;
}

export interface CompetentAgency {
  code: string;
  name: string;
  endoproceeding: string;
  kind: string;
  termDays: number;
  mandatory: boolean;
}

export interface UsecaseRouting {
  usecase: string;
  usecaseVersion: string;
  proceeding: string;
  proceedingVersion: string;
  title: LocalisedText;
  regime: Regime;
  competentAdministration: { code: string; name: string; ipaCode: string | null } | null;
  agencies: CompetentAgency[];
}

export interface StoredFees {
  lines: { usecase: string; title: LocalisedText; dirittiCents: number; finalActBolloCents: number }[];
  dirittiCents: number;
  applicationBolloCents: number;
  finalActBolloCents: number;
  totalCents: number;
  notes: string[];
  /** Agencies' own diritti, each with the agency of the Comune that collects them (absent in older pratiche). */
  agencyLines?: {
    usecase: string;
    title: LocalisedText;
    agency: string;
    agencyName: string;
    cents: number;
  }[];
  /** When the fees are paid (absent in older pratiche: before submission). */
  payment?: { timing: "before" } | { timing: "after"; days: number };
}

/** The competent administration of each usecase and the agencies whose acts it needs, in this Comune. */
export function routingFor(
  catalogue: Catalogue,
  refs: readonly UsecaseRef[],
  municipality: string,
): UsecaseRouting[] {
  const inBundle = new Set(refs.map((r) => r.usecase.code));
  return refs.map(({ proceeding, usecase }) => {
    const competent = entityForClass(catalogue, proceeding.competentAdministrationClass, municipality);
    const agencies: CompetentAgency[] = [];
    for (const e of usecase.endoproceedings) {
      if (!e.mandatory && !(e.linkedUsecase && inBundle.has(e.linkedUsecase))) continue;
      const entity = entityForClass(catalogue, e.agencyClass, municipality);
      if (!entity || agencies.some((a) => a.code === entity.code && a.endoproceeding === e.code)) continue;
      agencies.push({
        code: entity.code,
        name: entity.name,
        endoproceeding: e.code,
        kind: e.kind,
        termDays: e.termDays,
        mandatory: e.mandatory,
      });
    }
    return {
      usecase: usecase.code,
      usecaseVersion: usecase.version,
      proceeding: proceeding.code,
      proceedingVersion: proceeding.version,
      title: usecase.title,
      regime: usecase.regime,
      competentAdministration: competent
        ? { code: competent.code, name: competent.name, ipaCode: competent.ipaCode ?? null }
        : null,
      agencies,
    };
  });
}

export function storedFees(
  refs: readonly UsecaseRef[],
  municipality: string,
  catalogue?: Catalogue,
): StoredFees {
  const summary = feesFor(
    refs.map((r) => r.usecase),
    municipality,
  );
  const agencyLines = summary.agencyLines.flatMap((l) => {
    const agency = catalogue ? entityForClass(catalogue, l.agencyClass, municipality) : undefined;
    return agency
      ? [
          {
            usecase: l.usecase,
            title: refs.find((r) => r.usecase.code === l.usecase)!.usecase.title,
            agency: agency.code,
            agencyName: agency.name,
            cents: l.cents,
          },
        ]
      : [];
  });
  return {
    ...(agencyLines.length ? { agencyLines } : {}),
    payment: summary.payment,
    lines: summary.lines.map((l) => ({
      usecase: l.usecase,
      title: refs.find((r) => r.usecase.code === l.usecase)!.usecase.title,
      dirittiCents: l.dirittiCents,
      finalActBolloCents: l.finalActBolloCents,
    })),
    dirittiCents: summary.dirittiCents,
    applicationBolloCents: summary.applicationBolloCents,
    finalActBolloCents: summary.finalActBolloCents,
    totalCents: summary.totalCents,
    notes: summary.notes,
  };
}

export function euro(cents: number, locale: "it" | "en" = "it") {
  return new Intl.NumberFormat(locale === "it" ? "it-IT" : "en-GB", {
    style: "currency",
    currency: "EUR",
  }).format(cents / 100);
}

/** Everything about a bundle the journey shows and the submission needs. */
export function describeBundle(catalogue: Catalogue, refs: readonly UsecaseRef[], municipality: string) {
  if (refs.length === 0) throw new Error("describeBundle needs at least one usecase");
  const usecases = refs.map((r) => r.usecase);
  const regime = regimeOfBundle(usecases);
  const workflowRegime = regime.toLowerCase() as WorkflowRegime;
  const form: FormDefinition = mergeForms(
    [...new Set(refs.map((r) => r.proceeding.form))].map((id) => resolveForm(catalogue, id)),
  );
  const { termDays, times } = bundleTimes(
    usecases.map((u) => u.terms),
    workflowRegime,
  );
  const comune = catalogue.municipalities.find((m) => m.istat === municipality);
  const workflowInput: WorkflowInput = {
    regime: workflowRegime,
    termDays,
    times,
    // The Comune's own holidays count for its terms (art. 2963 c.c.); they are pinned with the pratica.
    calendar: { patronDays: (comune?.patronDays ?? []).map((d) => d.date) },
  };
  return {
    regime,
    ssuRegime: ssuRegime(catalogue, regime),
    regimeDescription: catalogue.regimes.find((r) => r.code === regime)?.description ?? {
      it: regime,
      en: regime,
    },
    workflowInput,
    form,
    fees: storedFees(refs, municipality, catalogue),
    routing: routingFor(catalogue, refs, municipality),
    desk: singleDeskFor(catalogue, municipality) ?? null,
    municipality: comune ?? null,
    title: {
      it: refs.map((r) => r.usecase.title.it).join(" + "),
      en: refs.map((r) => r.usecase.title.en).join(" + "),
    },
  };
}

export type BundleDescription = ReturnType<typeof describeBundle>;

/** Sections the applicant sees for these answers (a section hidden by a condition is not a task). */
export function visibleSections(form: FormDefinition, answers: Answers): Section[] {
  return form.sections.filter((s) => conditionHolds(s.showWhen, answers));
}

/** Attachments for these answers: the required ones (catalogue), then the optional ones. */
export function attachmentList(refs: readonly UsecaseRef[], answers: Answers) {
  const usecases = refs.map((r) => r.usecase);
  const required = requiredAttachments(usecases, answers);
  const codes = new Set(required.map((r) => r.attachment.code));
  const optional = usecases
    .flatMap((u) => u.attachments)
    .filter((a) => !codes.has(a.code) && !a.requiredWhen)
    .filter((a, i, all) => all.findIndex((b) => b.code === a.code) === i);
  return [
    ...required.map((r) => ({ attachment: r.attachment, required: true })),
    ...optional.map((attachment) => ({ attachment, required: false })),
  ];
}
