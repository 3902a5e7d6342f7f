import type { Kysely } from "kysely";
import { type Answers, type FieldError, type FormDefinition, validateForm } from "~/domain/forms";
import type { Principal } from "~/domain/policy";
import type { Database } from "../db/schema.server";

/**
 * Business profiles: what every new pratica is prefilled from. Checked with the one form validator of the
 * domain (codice fiscale and partita IVA check digits, PEC syntax), so the rules match the filing forms.
 */

const t = (it: string, en: string) => ({ it, en });

export const LEGAL_FORMS = [
  "Impresa individuale",
  "Società in nome collettivo",
  "Società in accomandita semplice",
  "Società a responsabilità limitata",
  "Società per azioni",
  "Società cooperativa",
  "Impresa agricola",
  "Associazione o comitato",
];

export const businessForm: FormDefinition = {
  id: "BUSINESS_PROFILE",
  version: "1.0.0",
  title: t("Profilo dell'impresa", "Business profile"),
  sections: [
    {
      id: "impresa",
      title: t("Impresa", "Business"),
      shared: false,
      placement: "body",
      fields: [
        {
          name: "name",
          type: "text",
          label: t("Denominazione o ragione sociale", "Business name"),
          required: true,
          maxLength: 200,
        },
        {
          name: "legal_form",
          type: "select",
          label: t("Forma giuridica", "Legal form"),
          required: true,
          options: LEGAL_FORMS.map((f) => ({ value: f, label: t(f, f) })),
        },
        {
          name: "fiscal_code",
          type: "codice_fiscale",
          label: t("Codice fiscale", "Tax code"),
          required: true,
          cfKind: "any",
        },
        {
          name: "vat_number",
          type: "partita_iva",
          label: t("Partita IVA", "VAT number"),
          required: false,
          requiredWhen: { field: "legal_form", notEquals: "Associazione o comitato" },
        },
        { name: "rea", type: "text", label: t("Numero REA", "REA number"), required: false, maxLength: 20 },
        { name: "pec", type: "pec", label: t("PEC dell'impresa", "Business PEC"), required: true },
        {
          name: "office_address",
          type: "text",
          label: t("Indirizzo della sede legale", "Registered office address"),
          required: true,
          maxLength: 200,
        },
        {
          name: "office_cap",
          type: "cap",
          label: t("CAP della sede legale", "Registered office postcode"),
          required: true,
        },
        {
          name: "office_municipality",
          type: "text",
          label: t("Comune della sede legale", "Registered office municipality"),
          required: true,
          maxLength: 100,
        },
        {
          name: "rep_name",
          type: "text",
          label: t("Nome e cognome del legale rappresentante", "Legal representative"),
          required: true,
          maxLength: 200,
        },
        {
          name: "rep_fiscal_code",
          type: "codice_fiscale",
          label: t("Codice fiscale del legale rappresentante", "Legal representative's tax code"),
          required: true,
          cfKind: "person",
        },
      ],
    },
  ],
};

export async function myBusinesses(db: Kysely<Database>, principal: Principal) {
  if (!principal.businessIds.length) return [];
  return db
    .selectFrom("businesses")
    .selectAll()
    .where("id", "in", principal.businessIds)
    .orderBy("name")
    .execute();
}

export async function businessProfile(db: Kysely<Database>, principal: Principal, id: string) {
  if (!principal.businessIds.includes(id)) return null;
  const b = await db.selectFrom("businesses").selectAll().where("id", "=", id).executeTakeFirst();
  if (!b) return null;
  const office = (b.registered_office ?? {}) as Record<string, string>;
  const rep = (b.legal_representative ?? {}) as Record<string, string>;
  const answers: Answers = {
    name: b.name,
    legal_form: b.legal_form,
    fiscal_code: b.fiscal_code,
    vat_number: b.vat_number ?? "",
    rea: b.rea ?? "",
    pec: b.pec ?? "",
    office_address: office.address ?? "",
    office_cap: office.cap ?? "",
    office_municipality: office.municipality ?? "",
    rep_name: rep.fullName ?? "",
    rep_fiscal_code: rep.fiscalCode ?? "",
  };
  return { id: b.id, answers };
}

export type SaveProfileResult = { ok: true } | { ok: false; errors: FieldError[]; answers: Answers };

export async function saveBusinessProfile(
  db: Kysely<Database>,
  principal: Principal,
  id: string,
  form: FormData,
): Promise<SaveProfileResult | null> {
  if (!principal.businessIds.includes(id)) return null;
  const answers: Answers = {};
  for (const f of businessForm.sections[0]!.fields) answers[f.name] = String(form.get(f.name) ?? "").trim();
  const result = validateForm(businessForm, answers);
  if (!result.ok) return { ok: false, errors: result.errors, answers };
  const v = result.values as Record<string, string>;
  await db
    .updateTable("businesses")
    .set({
      name: v.name!,
      legal_form: v.legal_form!,
      fiscal_code: v.fiscal_code!,
      vat_number: v.vat_number ?? null,
      rea: v.rea ?? null,
      pec: v.pec!,
      registered_office: JSON.stringify({
        address: v.office_address,
        cap: v.office_cap,
        municipality: v.office_municipality,
      }),
      legal_representative: JSON.stringify({ fullName: v.rep_name, fiscalCode: v.rep_fiscal_code }),
      updated_at: new Date(),
    })
    .where("id", "=", id)
    .execute();
  return { ok: true };
}
