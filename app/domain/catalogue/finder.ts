import type { LocalisedText } from "~/domain/forms/types";
import {
  appliesInMunicipality,
  entityForClass,
  type FeeSummary,
  feesFor,
  findUsecase,
  isValidOn,
  regimeOfBundle,
  singleDeskFor,
  type UsecaseRef,
} from "./query";
import {
  ACTIVITY_KINDS,
  type ActivityKind,
  type Applicability,
  type Catalogue,
  type Endoproceeding,
  type Entity,
  LIFE_EVENTS,
  type LifeEvent,
  type Regime,
  type SingleDesk,
} from "./schema";

/** The guided finder ("Cosa devo presentare?"). */
export interface FinderAnswers {
  activity: ActivityKind;
  municipality: string;
  protectedZone: boolean;
  lifeEvent: LifeEvent;
  food: boolean;
}

export interface FinderQuestion {
  name: keyof FinderAnswers;
  label: LocalisedText;
  hint?: LocalisedText;
  options: { value: string; label: LocalisedText }[];
}

export const ACTIVITY_LABELS: Record<ActivityKind, LocalisedText> = {
  negozio_alimentare: { it: "Negozio di alimentari", en: "Food shop" },
  negozio_non_alimentare: { it: "Negozio non alimentare", en: "Non-food shop" },
  bar_ristorante: { it: "Bar, ristorante, pizzeria", en: "Bar, restaurant, pizzeria" },
  sagra: { it: "Sagra o manifestazione temporanea", en: "Food fair or temporary event" },
  parrucchiere: { it: "Parrucchiere o barbiere (acconciatore)", en: "Hairdresser or barber" },
  estetista: { it: "Centro estetico (estetista)", en: "Beauty salon (beautician)" },
  affittacamere: { it: "Affittacamere, B&B, casa vacanze", en: "Guest rooms, B&B, holiday home" },
  agriturismo: { it: "Agriturismo", en: "Farm stay (agriturismo)" },
  vendita_agricola: {
    it: "Vendita diretta dei propri prodotti agricoli",
    en: "Direct sale of own farm produce",
  },
  laboratorio_artigiano: { it: "Laboratorio artigiano", en: "Artisan workshop" },
};

export const LIFE_EVENT_LABELS: Record<LifeEvent, LocalisedText> = {
  APERTURA: { it: "Aprire una nuova attività", en: "Open a new business" },
  TRASFERIMENTO: { it: "Trasferire l'attività in un'altra sede", en: "Move the business to new premises" },
  AMPLIAMENTO: { it: "Ampliare i locali o la superficie", en: "Enlarge the premises" },
  SUBINGRESSO: { it: "Subentrare a un'attività esistente", en: "Take over an existing business" },
  CESSAZIONE: { it: "Chiudere l'attività", en: "Close the business" },
  SOSPENSIONE: { it: "Sospendere temporaneamente l'attività", en: "Suspend the business temporarily" },
};

const YES_NO = [
  { value: "true", label: { it: "Sì", en: "Yes" } },
  { value: "false", label: { it: "No", en: "No" } },
];

/** The finder's questions as plain radio groups; the Comuni come from the catalogue. */
export function finderQuestions(catalogue: Pick<Catalogue, "municipalities">): FinderQuestion[] {
  return [
    {
      name: "activity",
      label: { it: "Che attività vuoi svolgere?", en: "What business do you run or want to run?" },
      options: ACTIVITY_KINDS.map((value) => ({ value, label: ACTIVITY_LABELS[value] })),
    },
    {
      name: "lifeEvent",
      label: { it: "Che cosa vuoi fare?", en: "What do you want to do?" },
      options: LIFE_EVENTS.map((value) => ({ value, label: LIFE_EVENT_LABELS[value] })),
    },
    {
      name: "municipality",
      label: { it: "In quale Comune?", en: "In which municipality?" },
      options: catalogue.municipalities.map((m) => ({ value: m.istat, label: { it: m.name, en: m.name } })),
    },
    {
      name: "protectedZone",
      label: {
        it: "I locali sono nel centro storico tutelato?",
        en: "Are the premises in the protected historic centre?",
      },
      hint: {
        it: "Ad esempio il centro storico di Volterra, individuato dal Comune come zona tutelata",
        en: "For example Volterra's historic centre, designated by the municipality as a protected zone",
      },
      options: YES_NO,
    },
    {
      name: "food",
      label: {
        it: "Vendi, prepari o servi alimenti o bevande?",
        en: "Do you sell, prepare or serve food or drinks?",
      },
      options: YES_NO,
    },
  ];
}

/** Parse the finder's posted answers; errors use the validator's shape and say how to fix them. */
export function parseFinderAnswers(
  catalogue: Pick<Catalogue, "municipalities">,
  raw: Record<string, string | undefined>,
):
  | { ok: true; answers: FinderAnswers }
  | { ok: false; errors: { field: keyof FinderAnswers; message: LocalisedText }[] } {
  const errors: { field: keyof FinderAnswers; message: LocalisedText }[] = [];
  for (const q of finderQuestions(catalogue)) {
    const v = raw[q.name]?.trim() ?? "";
    if (!q.options.some((o) => o.value === v)) {
      errors.push({
        field: q.name,
        message: {
          it: `Seleziona una risposta per «${q.label.it}»`,
          en: `Select an answer for "${q.label.en}"`,
        },
      });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    answers: {
      activity: raw.activity as ActivityKind,
      lifeEvent: raw.lifeEvent as LifeEvent,
      municipality: raw.municipality as string,
      protectedZone: raw.protectedZone === "true",
      food: raw.food === "true",
    },
  };
}

export interface FinderUsecase extends UsecaseRef {
  /** primary: matches the answers; linked: required by an endoproceeding of another usecase of the bundle. */
  reason: "primary" | "linked";
  via?: string;
}

export interface FinderEndoproceeding {
  usecase: string;
  endoproceeding: Endoproceeding;
  entity: Entity | undefined;
}

export interface FinderResult {
  answers: FinderAnswers;
  desk: SingleDesk | undefined;
  usecases: FinderUsecase[];
  regime: Regime | null;
  endoproceedings: FinderEndoproceeding[];
  fees: FeeSummary | null;
  /** Total due in the Comune: diritti + bollo on the application + bollo on each final act, in cents. */
  totalFees: number;
  longestTermDays: number;
  /** Usecases that may be needed too, depending on facts the finder does not ask (signs, fire prevention). */
  suggestions: UsecaseRef[];
  /** Explanations generated by the finder. */
  messages: LocalisedText[];
  /** Notes from the data (uncertain figures, local rules), in Italian. */
  notes: string[];
}

const FOOD_ACTIVITIES: readonly ActivityKind[] = ["negozio_alimentare", "bar_ristorante"];

function matches(rule: Applicability | undefined, a: FinderAnswers, protectedZone: boolean): boolean {
  if (!rule) return false;
  if (rule.activities && !rule.activities.includes(a.activity)) return false;
  if (rule.food !== undefined && rule.food !== a.food) return false;
  if (rule.protectedZone !== undefined && rule.protectedZone !== protectedZone) return false;
  return true;
}

function endoApplies(e: Endoproceeding, a: FinderAnswers, protectedZone: boolean): boolean {
  return e.mandatory || matches(e.appliesWhen, a, protectedZone);
}

/**
 * Which usecases a business must file together, from the finder's answers: the usecases whose applicability
 * matches, plus the usecases linked by their endoproceedings (e.g. the notifica sanitaria of a food shop).
 * `date` (ISO) selects proceedings valid that day; omit it to ignore validity.
 */
export function findProcedures(catalogue: Catalogue, given: FinderAnswers, date?: string): FinderResult {
  const messages: LocalisedText[] = [];
  // a food shop or a bar handles food whatever the answer to the food question
  const answers = FOOD_ACTIVITIES.includes(given.activity) ? { ...given, food: true } : given;
  const municipality = catalogue.municipalities.find((m) => m.istat === answers.municipality);
  let protectedZone = answers.protectedZone;
  if (municipality && protectedZone && municipality.protectedZones.length === 0) {
    protectedZone = false;
    messages.push({
      it: `Il Comune di ${municipality.name} non ha individuato zone tutelate: si applica la disciplina ordinaria.`,
      en: `${municipality.name} has no designated protected zone: the ordinary rules apply.`,
    });
  }
  const empty: FinderResult = {
    answers,
    desk: undefined,
    usecases: [],
    regime: null,
    endoproceedings: [],
    fees: null,
    totalFees: 0,
    longestTermDays: 0,
    suggestions: [],
    messages,
    notes: [],
  };
  if (!municipality) {
    messages.push({
      it: "Il Comune indicato non è servito da questo sportello: scegli uno dei Comuni proposti.",
      en: "This desk does not serve that municipality: choose one of the municipalities offered.",
    });
    return empty;
  }

  const eligible = catalogue.proceedings.filter(
    (p) =>
      p.lifeEvent === answers.lifeEvent &&
      appliesInMunicipality(catalogue, p, answers.municipality) &&
      (date === undefined || isValidOn(p, date)),
  );
  const chosen: FinderUsecase[] = [];
  const suggestions: UsecaseRef[] = [];
  for (const proceeding of eligible) {
    for (const usecase of proceeding.usecases) {
      if (matches(usecase.applicability, answers, protectedZone))
        chosen.push({ proceeding, usecase, reason: "primary" });
      else if (matches(usecase.suggestedWhen, answers, protectedZone))
        suggestions.push({ proceeding, usecase });
    }
  }
  if (chosen.length === 0) {
    messages.push({
      it: "Non abbiamo trovato un procedimento per queste risposte: contatta lo sportello SUAP per una consulenza.",
      en: "No procedure matches these answers: contact the SUAP desk for advice.",
    });
    return { ...empty, desk: singleDeskFor(catalogue, answers.municipality), messages };
  }

  // follow the endoproceedings that apply: linked usecases join the bundle, the others go to enti terzi
  const endoproceedings: FinderEndoproceeding[] = [];
  let longest = 0;
  for (let i = 0; i < chosen.length; i++) {
    const { usecase } = chosen[i];
    longest = Math.max(longest, usecase.terms.max_gg_proc);
    for (const e of usecase.endoproceedings) {
      if (!endoApplies(e, answers, protectedZone)) continue;
      longest = Math.max(longest, e.termDays);
      if (e.linkedUsecase !== undefined) {
        if (chosen.some((c) => c.usecase.code === e.linkedUsecase)) continue;
        const linked = findUsecase(catalogue, e.linkedUsecase);
        if (linked) chosen.push({ ...linked, reason: "linked", via: usecase.code });
      } else {
        endoproceedings.push({
          usecase: usecase.code,
          endoproceeding: e,
          entity: entityForClass(catalogue, e.agencyClass, answers.municipality),
        });
      }
    }
  }

  const usecases = chosen.map((c) => c.usecase);
  const fees = feesFor(usecases, answers.municipality);
  const regime = regimeOfBundle(usecases);
  const notes = [
    ...new Set(
      chosen
        .flatMap((c) => [c.proceeding.note, c.usecase.note])
        .concat(endoproceedings.map((e) => e.endoproceeding.note))
        .filter((n): n is string => typeof n === "string"),
    ),
  ];
  if (chosen.length > 1) {
    messages.push({
      it: `Presenterai un'unica pratica con ${chosen.length} procedimenti: regime risultante ${regime.replace(/_/g, " ")}.`,
      en: `You will file one application covering ${chosen.length} procedures: resulting regime ${regime.replace(/_/g, " ")}.`,
    });
  }
  return {
    answers,
    desk: singleDeskFor(catalogue, answers.municipality),
    usecases: chosen,
    regime,
    endoproceedings,
    fees,
    totalFees: fees.totalCents,
    longestTermDays: longest,
    suggestions,
    messages,
    notes,
  };
}
