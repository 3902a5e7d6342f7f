import { z } from "zod";
import { conditionSchema, localisedTextSchema, sectionSchema } from "~/domain/forms/types";

/**
 * The procedure catalogue, shaped like the national Catalogo SSU (cssu v1.6): typology x life event ->
 * proceeding (code + version, territorial scope, legal reference, competent administration class) ->
 * usecase proceeding (regime + SSU day counts) -> attachments, endoproceedings, fees, form.
 * Every figure is data; `note` says where a figure is uncertain.
 */

export const REGIMES = [
  "COMUNICAZIONE",
  "SCIA",
  "SCIA_UNICA",
  "SCIA_CONDIZIONATA",
  "SILENZIO_ASSENSO",
  "AUTORIZZAZIONE",
] as const;
export type Regime = (typeof REGIMES)[number];

export const LIFE_EVENTS = [
  "APERTURA",
  "TRASFERIMENTO",
  "AMPLIAMENTO",
  "SUBINGRESSO",
  "CESSAZIONE",
  "SOSPENSIONE",
] as const;
export type LifeEvent = (typeof LIFE_EVENTS)[number];

/** Activity kinds of the guided finder ("Cosa devo presentare?"). */
export const ACTIVITY_KINDS = [
  "negozio_alimentare",
  "negozio_non_alimentare",
  "bar_ristorante",
  "sagra",
  "parrucchiere",
  "estetista",
  "affittacamere",
  "agriturismo",
  "vendita_agricola",
  "laboratorio_artigiano",
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export const FILERS = ["TITOLARE", "LEGALE_RAPPRESENTANTE", "INTERMEDIARIO"] as const;
export const ENTITY_KINDS = ["comune", "suap", "ente_terzo"] as const;

const code = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9_-]*$/, "codes are UPPER_SNAKE_CASE (letters, digits, _ and -)");
const istat = z.string().regex(/^\d{6}$/, "ISTAT municipality codes have 6 digits, e.g. 050039");
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "dates are ISO yyyy-mm-dd")
  .refine(
    (s) =>
      !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: "not a calendar date",
    },
  );
/** A yearly date "MM-DD" (a patron day): 02-29 is refused, a term cannot hang on a leap day. */
const monthDay = z
  .string()
  .regex(/^\d{2}-\d{2}$/, "patron days are MM-DD, e.g. 06-05 for 5 June")
  .refine(
    (s) => {
      const [month, day] = s.split("-").map(Number) as [number, number];
      const inMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
      return inMonth !== undefined && day >= 1 && day <= inMonth;
    },
    { message: "not a day of the year (02-29 is refused: a term cannot hang on a leap day)" },
  );
const semver = z.string().regex(/^\d+\.\d+\.\d+$/, "versions are MAJOR.MINOR.PATCH");
/** AgID's form codes are the file names' stems, lower case (mod_esercizio_vicinato_apertura). */
const agidCode = z.string().regex(/^[a-z0-9_]+$/, "AgID form codes are lower_snake_case");
const days = z.number().int().nonnegative().nullable();
const cents = z.number().int().nonnegative();
const note = z.string().min(1).optional();

export const legalReferenceSchema = z
  .object({ citation: z.string().min(1), url: z.string().url().optional(), note })
  .strict();
export type LegalReference = z.infer<typeof legalReferenceSchema>;

export const termsSchema = z
  .object({
    max_gg_proc: z.number().int().nonnegative(),
    max_gg_correction: days,
    max_gg_admissibility: days,
    max_gg_int_req: days,
    max_gg_int_resp: days,
    max_gg_concl_send: days,
    max_gg_cdss_req: days,
  })
  .strict();
export type Terms = z.infer<typeof termsSchema>;

/** Finder answers a usecase (or an endoproceeding) applies to; an omitted key matches any answer. */
export const applicabilitySchema = z
  .object({
    activities: z.array(z.enum(ACTIVITY_KINDS)).min(1).optional(),
    food: z.boolean().optional(),
    protectedZone: z.boolean().optional(),
  })
  .strict();
export type Applicability = z.infer<typeof applicabilitySchema>;

export const attachmentSchema = z
  .object({
    code,
    title: localisedTextSchema,
    description: localisedTextSchema.optional(),
    /** Always required. When false, `requiredWhen` (a condition on a form answer) may make it required. */
    mandatory: z.boolean(),
    requiredWhen: conditionSchema.optional(),
    paymentProof: z.boolean().default(false),
    signed: z.boolean().default(false),
    /**
     * Added with the signature checks (issue 14): the file must be digitally signed (CAdES or PAdES) by one of
     * these people, and an upload that is unsigned or fails a check is refused. Absent: a signed file's
     * verification is only shown. Catalogue versions without it keep their meaning.
     */
    signature: z
      .object({
        required: z.literal(true),
        by: z.array(z.enum(["declarant", "legal_representative"])).min(1),
      })
      .strict()
      .optional(),
    note,
  })
  .strict();
export type Attachment = z.infer<typeof attachmentSchema>;

export const ENDO_KINDS = ["NOTIFICA", "PARERE", "NULLA_OSTA", "AUTORIZZAZIONE", "VALUTAZIONE"] as const;

export const endoproceedingSchema = z
  .object({
    code,
    /** Administration class whose act or opinion is needed; resolved per Comune. */
    agencyClass: code,
    kind: z.enum(ENDO_KINDS),
    title: localisedTextSchema,
    termDays: z.number().int().nonnegative(),
    mandatory: z.boolean(),
    /** Finder answers that make a non-mandatory endoproceeding needed. */
    appliesWhen: applicabilitySchema.omit({ activities: true }).optional(),
    /** Usecase filed together with this one when the endoproceeding applies (e.g. the notifica sanitaria). */
    linkedUsecase: code.optional(),
    legalReferences: z.array(legalReferenceSchema).default([]),
    note,
  })
  .strict();
export type Endoproceeding = z.infer<typeof endoproceedingSchema>;

export const feeScheduleSchema = z
  .object({
    /** Diritti di istruttoria per Comune; municipality "*" is the default for Comuni not listed. */
    diritti: z
      .array(z.object({ municipality: z.union([istat, z.literal("*")]), cents, note }).strict())
      .min(1),
    /** Imposta di bollo on the application (charged once per pratica) and on the final act. */
    bollo: z.object({ applicationCents: cents, finalActCents: cents }).strict(),
    note,
    /**
     * When the fees are paid (issue 15, ADR 0017): before submission (the default), or within `days` days
     * after it (the pratica is sent unpaid, a payment deadline is set and reminders go out).
     */
    payment: z
      .discriminatedUnion("timing", [
        z.object({ timing: z.literal("before") }).strict(),
        z.object({ timing: z.literal("after"), days: z.number().int().min(1).max(365) }).strict(),
      ])
      .default({ timing: "before" }),
    /**
     * Each agency's own diritti di istruttoria, by administration class (resolved per Comune through the
     * competent administrations): a pagoPA position with the agency as creditor.
     */
    agencyDiritti: z.array(z.object({ agencyClass: code, cents, note }).strict()).default([]),
  })
  .strict();
export type FeeSchedule = z.infer<typeof feeScheduleSchema>;

export const usecaseSchema = z
  .object({
    code,
    version: semver,
    title: localisedTextSchema,
    description: localisedTextSchema.optional(),
    regime: z.enum(REGIMES),
    terms: termsSchema,
    /** Finder answers for which this usecase is what to file. */
    applicability: applicabilitySchema.optional(),
    /** Finder answers for which this usecase is suggested as possibly needed too (not filed automatically). */
    suggestedWhen: applicabilitySchema.optional(),
    attachments: z.array(attachmentSchema),
    endoproceedings: z.array(endoproceedingSchema).default([]),
    fees: feeScheduleSchema,
    /**
     * The AgID unified form (XSD + Schematron, specs/agid-moduli) the instance carries as XML for this usecase,
     * and the Schematron phases it is validated with (the SSU descriptor's usecase_proceedings[].form; ADR 0027).
     */
    modulo: z
      .object({
        xsd: z.object({ code: agidCode, version: semver }).strict(),
        schematron: z
          .object({
            code: agidCode,
            version: semver,
            phase: z.array(z.string().regex(/^[A-Za-z0-9_#-]+$/)).min(1),
          })
          .strict(),
      })
      .strict()
      .optional(),
    note,
  })
  .strict();
export type Usecase = z.infer<typeof usecaseSchema>;

export const territorialScopeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("NATIONAL") }).strict(),
  z
    .object({
      kind: z.literal("REGIONAL"),
      region: z.string().regex(/^\d{2}$/, "ISTAT region code, e.g. 09"),
    })
    .strict(),
  z.object({ kind: z.literal("MUNICIPALITIES"), municipalities: z.array(istat).min(1) }).strict(),
]);
export type TerritorialScope = z.infer<typeof territorialScopeSchema>;

export const proceedingSchema = z
  .object({
    code,
    version: semver,
    typology: code,
    lifeEvent: z.enum(LIFE_EVENTS),
    validFrom: isoDate,
    validTo: isoDate.nullable(),
    territorialScope: territorialScopeSchema,
    legalReferences: z.array(legalReferenceSchema).min(1),
    competentAdministrationClass: code,
    sector: code,
    title: localisedTextSchema,
    description: localisedTextSchema,
    keywords: z
      .object({ it: z.array(z.string()), en: z.array(z.string()) })
      .strict()
      .optional(),
    filedBy: z.array(z.enum(FILERS)).min(1),
    form: z.string().min(1),
    usecases: z.array(usecaseSchema).min(1),
    note,
  })
  .strict();
export type Proceeding = z.infer<typeof proceedingSchema>;

export const entitySchema = z
  .object({
    code: z.string().min(1),
    kind: z.enum(ENTITY_KINDS),
    name: z.string().min(1),
    istat: istat.optional(),
    ipaCode: z.string().optional(),
    pec: z.string().email().optional(),
    note,
  })
  .strict();
export type Entity = z.infer<typeof entitySchema>;

export const municipalitySchema = z
  .object({
    istat,
    name: z.string().min(1),
    entity: z.string().min(1),
    postcodes: z.array(z.object({ cap: z.string().regex(/^\d{5}$/), note }).strict()).min(1),
    protectedZones: z
      .array(
        z
          .object({ code, name: localisedTextSchema, legalReferences: z.array(legalReferenceSchema), note })
          .strict(),
      )
      .default([]),
    /** Local holidays (the patron saint's day): a legal term ending on one moves to the next working day. */
    patronDays: z
      .array(z.object({ date: monthDay, name: z.string().min(1), note }).strict())
      .default([])
      .refine((list) => new Set(list.map((d) => d.date)).size === list.length, {
        message: "a patron day is listed twice",
      }),
    note,
  })
  .strict();
export type Municipality = z.infer<typeof municipalitySchema>;

export const singleDeskSchema = z
  .object({
    code: z.string().min(1),
    entity: z.string().min(1),
    name: z.string().min(1),
    municipalities: z.array(istat).min(1),
    validFrom: isoDate,
    validTo: isoDate.nullable(),
    note,
  })
  .strict();
export type SingleDesk = z.infer<typeof singleDeskSchema>;

export const competentAdministrationsSchema = z
  .object({
    municipality: istat,
    /** administration class -> entity code */
    byClass: z.record(code, z.string().min(1)),
  })
  .strict();
export type CompetentAdministrations = z.infer<typeof competentAdministrationsSchema>;

export const formRefSchema = z
  .object({
    id: z.string().min(1),
    version: semver,
    title: localisedTextSchema,
    /** Ids of sections in the catalogue's section library, in order. */
    sections: z.array(z.string().min(1)).min(1),
  })
  .strict();
export type FormRef = z.infer<typeof formRefSchema>;

const describedCode = z.object({ code, description: localisedTextSchema, note }).strict();

export const catalogueSchema = z
  .object({
    format: z.literal("suap-catalogue/1"),
    id: code,
    version: z.string().regex(/^\d{4}\.\d+$/, "catalogue versions are YEAR.N, e.g. 2026.1"),
    title: z.string().min(1),
    validFrom: isoDate,
    validTo: isoDate.nullable(),
    notes: z.array(z.string()).default([]),
    regimes: z
      .array(
        z
          .object({
            code: z.enum(REGIMES),
            ssu: z.enum(["SCIA", "AUTORIZZAZIONE", "SILENZIO-ASSENSO", "COMUNICAZIONE"]),
            description: localisedTextSchema,
            legalReferences: z.array(legalReferenceSchema),
            note,
          })
          .strict(),
      )
      .min(1),
    typologies: z.array(describedCode).min(1),
    lifeEvents: z.array(z.object({ code: z.enum(LIFE_EVENTS), description: localisedTextSchema }).strict()),
    administrationClasses: z.array(describedCode).min(1),
    sectors: z.array(describedCode).min(1),
    entities: z.array(entitySchema).min(1),
    municipalities: z.array(municipalitySchema).min(1),
    singleDesks: z.array(singleDeskSchema).min(1),
    competentAdministrations: z.array(competentAdministrationsSchema),
    sections: z.array(sectionSchema).min(1),
    forms: z.array(formRefSchema).min(1),
    proceedings: z.array(proceedingSchema).min(1),
  })
  .strict();
export type Catalogue = z.infer<typeof catalogueSchema>;
/** The JSON as written in a file (defaults not yet applied). */
export type CatalogueInput = z.input<typeof catalogueSchema>;
