import { z } from "zod";

/** Text in Italian (the language of the service) and English (Single Digital Gateway). */
export const localisedTextSchema = z.object({ it: z.string().min(1), en: z.string().min(1) }).strict();
export type LocalisedText = z.infer<typeof localisedTextSchema>;

/**
 * A condition on a raw form answer. Answers are strings as posted by an HTML form, so a boolean field is
 * compared with "true" / "false". Exactly one of `equals`, `notEquals`, `in`, `filled` is given.
 */
export const conditionSchema = z
  .object({
    field: z.string().min(1),
    equals: z.string().optional(),
    notEquals: z.string().optional(),
    in: z.array(z.string()).min(1).optional(),
    filled: z.boolean().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const given = [c.equals, c.notEquals, c.in, c.filled].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: "a condition needs exactly one of equals, notEquals, in, filled",
      });
    }
  });
export type Condition = z.infer<typeof conditionSchema>;

export const FIELD_TYPES = [
  "text",
  "textarea",
  "email",
  "pec",
  "codice_fiscale",
  "partita_iva",
  "cap",
  "date",
  "number",
  "select",
  "radio",
  "checkboxes",
  "boolean",
  "declaration",
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const optionSchema = z.object({ value: z.string().min(1), label: localisedTextSchema }).strict();
export type FieldOption = z.infer<typeof optionSchema>;

export const fieldSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, "field names are snake_case ASCII"),
    type: z.enum(FIELD_TYPES),
    label: localisedTextSchema,
    hint: localisedTextSchema.optional(),
    required: z.boolean().default(false),
    requiredWhen: conditionSchema.optional(),
    showWhen: conditionSchema.optional(),
    options: z.array(optionSchema).min(1).optional(),
    /** number: inclusive bounds; surfaces use min 0. */
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().optional(),
    unit: z.string().optional(),
    maxLength: z.number().int().positive().optional(),
    /** codice_fiscale: which shapes are accepted. */
    cfKind: z.enum(["person", "company", "any"]).optional(),
    /** cap: name of the field holding the ISTAT code of the Comune the CAP must belong to. */
    municipalityField: z.string().optional(),
    /** date: reject dates after today (birth dates, deeds already signed). */
    notAfterToday: z.boolean().optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const needsOptions = f.type === "select" || f.type === "radio" || f.type === "checkboxes";
    if (needsOptions && !f.options) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["options"],
        message: `a ${f.type} field needs options`,
      });
    }
    if (!needsOptions && f.options) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["options"],
        message: `a ${f.type} field has no options`,
      });
    }
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["min"], message: "min is greater than max" });
    }
  });
export type Field = z.infer<typeof fieldSchema>;

export const sectionSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, "section ids are snake_case ASCII"),
    title: localisedTextSchema,
    description: localisedTextSchema.optional(),
    /** Part of the "scheda anagrafica" shared by every unified form: shown once in a bundle. */
    shared: z.boolean().default(false),
    /** Where the section goes when forms are merged: anagrafica at the start, declarations at the end. */
    placement: z.enum(["start", "body", "end"]).default("body"),
    showWhen: conditionSchema.optional(),
    fields: z.array(fieldSchema).min(1),
  })
  .strict();
export type Section = z.infer<typeof sectionSchema>;

/** A resolved form: what the validator and the UI consume. */
export const formDefinitionSchema = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    title: localisedTextSchema,
    sections: z.array(sectionSchema).min(1),
  })
  .strict();
export type FormDefinition = z.infer<typeof formDefinitionSchema>;

export type Answers = Record<string, string | string[] | undefined>;
export type FormValue = string | number | boolean | string[];

export interface FieldError {
  field: string;
  message: LocalisedText;
}

export interface ValidateOptions {
  /** ISTAT code -> postcodes of that Comune (from the catalogue's municipalities). */
  postcodes?: Record<string, readonly string[]>;
  /** ISO date (yyyy-mm-dd) used as "today"; pass it in so validation is deterministic. */
  today?: string;
}

export interface ValidationResult {
  ok: boolean;
  values: Record<string, FormValue>;
  errors: FieldError[];
}
