import { describe, expect, it } from "vitest";
import { mergeForms } from "~/domain/forms/merge";
import { type FormDefinition, formDefinitionSchema } from "~/domain/forms/types";
import { parseDate } from "~/domain/forms/dates";
import { validateForm } from "~/domain/forms/validate";

const POSTCODES = { "050039": ["56048"], "050027": ["56045", "56044"] };

function makeForm(overrides: Partial<{ id: string }> = {}): FormDefinition {
  return formDefinitionSchema.parse({
    id: overrides.id ?? "TEST",
    version: "1.0.0",
    title: { it: "Prova", en: "Test" },
    sections: [
      {
        id: "anagrafica",
        title: { it: "Anagrafica", en: "Details" },
        shared: true,
        placement: "start",
        fields: [
          {
            name: "ruolo",
            type: "radio",
            label: { it: "Ruolo", en: "Role" },
            required: true,
            options: [
              { value: "TITOLARE", label: { it: "Titolare", en: "Owner" } },
              { value: "INTERMEDIARIO", label: { it: "Intermediario", en: "Intermediary" } },
            ],
          },
          {
            name: "cf",
            type: "codice_fiscale",
            cfKind: "person",
            label: { it: "Codice fiscale", en: "Tax code" },
            required: true,
          },
          { name: "piva", type: "partita_iva", label: { it: "Partita IVA", en: "VAT number" } },
          { name: "pec", type: "pec", label: { it: "PEC", en: "PEC" }, required: true },
          {
            name: "procura_estremi",
            type: "text",
            label: { it: "Estremi della procura", en: "Power of attorney reference" },
            showWhen: { field: "ruolo", equals: "INTERMEDIARIO" },
            requiredWhen: { field: "ruolo", equals: "INTERMEDIARIO" },
          },
        ],
      },
      {
        id: "sede",
        title: { it: "Sede", en: "Premises" },
        fields: [
          {
            name: "comune",
            type: "select",
            label: { it: "Comune", en: "Municipality" },
            required: true,
            options: [
              { value: "050039", label: { it: "Volterra", en: "Volterra" } },
              { value: "050027", label: { it: "Pomarance", en: "Pomarance" } },
            ],
          },
          {
            name: "cap",
            type: "cap",
            label: { it: "CAP", en: "Postcode" },
            required: true,
            municipalityField: "comune",
          },
          {
            name: "superficie",
            type: "number",
            label: { it: "Superficie", en: "Area" },
            min: 0,
            unit: "m²",
            required: true,
          },
          {
            name: "data_atto",
            type: "date",
            label: { it: "Data dell'atto", en: "Deed date" },
            notAfterToday: true,
          },
        ],
      },
      {
        id: "dichiarazioni",
        placement: "end",
        title: { it: "Dichiarazioni", en: "Declarations" },
        fields: [
          {
            name: "veridicita",
            type: "declaration",
            label: { it: "Dichiaro il vero", en: "I declare" },
            required: true,
          },
        ],
      },
    ],
  });
}

const valid = {
  ruolo: "TITOLARE",
  cf: "rssmra85t10a562s",
  piva: "00743110157",
  pec: "Impresa@PEC.it",
  comune: "050039",
  cap: "56048",
  superficie: "45,5",
  data_atto: "31/01/2026",
  veridicita: "true",
};

describe("validateForm", () => {
  it("accepts valid answers and returns typed, normalised values", () => {
    const r = validateForm(makeForm(), valid, { postcodes: POSTCODES, today: "2026-03-01" });
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.values).toMatchObject({
      cf: "RSSMRA85T10A562S",
      pec: "impresa@pec.it",
      superficie: 45.5,
      data_atto: "2026-01-31",
      veridicita: true,
    });
    expect(r.values).not.toHaveProperty("procura_estremi");
  });

  it("lists every error with a message that says how to fix it", () => {
    const r = validateForm(
      makeForm(),
      {
        ...valid,
        cf: "RSSMRA85T10A562",
        piva: "00743110158",
        superficie: "-3",
        cap: "56045",
        veridicita: undefined,
      },
      { postcodes: POSTCODES, today: "2026-03-01" },
    );
    expect(r.ok).toBe(false);
    const byField = Object.fromEntries(r.errors.map((e) => [e.field, e.message]));
    expect(Object.keys(byField).sort()).toEqual(["cap", "cf", "piva", "superficie", "veridicita"]);
    expect(byField.cf.it).toContain("nel formato RSSMRA85T10A562S");
    expect(byField.cf.en).toContain("RSSMRA85T10A562S");
    expect(byField.piva.it).toContain("11 cifre");
    expect(byField.superficie.it).toContain("almeno 0 m²");
    expect(byField.cap.it).toContain("56048");
    expect(byField.veridicita.it).toContain("conferma");
  });

  it("requires and shows a field only when its condition holds", () => {
    const form = makeForm();
    const asIntermediary = validateForm(form, { ...valid, ruolo: "INTERMEDIARIO" }, { today: "2026-03-01" });
    expect(asIntermediary.errors.map((e) => e.field)).toEqual(["procura_estremi"]);
    const filled = validateForm(form, { ...valid, ruolo: "INTERMEDIARIO", procura_estremi: "Rep. 123" });
    expect(filled.ok).toBe(true);
    expect(filled.values.procura_estremi).toBe("Rep. 123");
    // hidden fields are ignored even when posted
    const hidden = validateForm(form, { ...valid, procura_estremi: "stale" });
    expect(hidden.values).not.toHaveProperty("procura_estremi");
  });

  it("accepts the frazione postcode of Pomarance and rejects Volterra's", () => {
    const ok = validateForm(
      makeForm(),
      { ...valid, comune: "050027", cap: "56044" },
      { postcodes: POSTCODES },
    );
    expect(ok.ok).toBe(true);
    const ko = validateForm(
      makeForm(),
      { ...valid, comune: "050027", cap: "56048" },
      { postcodes: POSTCODES },
    );
    expect(ko.errors[0]).toMatchObject({ field: "cap" });
    expect(ko.errors[0].message.it).toContain("56045 o 56044");
  });

  it("checks dates are real and, where asked, not in the future", () => {
    const bad = validateForm(makeForm(), { ...valid, data_atto: "30/02/2026" });
    expect(bad.errors.map((e) => e.field)).toEqual(["data_atto"]);
    const future = validateForm(makeForm(), { ...valid, data_atto: "2026-12-01" }, { today: "2026-03-01" });
    expect(future.errors[0].message.it).toContain("01/12/2026");
    expect(parseDate("29/02/2024")).toBe("2024-02-29");
    expect(parseDate("29/02/2023")).toBeNull();
    expect(parseDate("2026-1-5")).toBe("2026-01-05");
  });

  it("refuses ambiguous thousands separators and non-numbers", () => {
    const thousands = validateForm(makeForm(), { ...valid, superficie: "1.500" });
    expect(thousands.errors[0].message.it).toContain("senza separatore delle migliaia");
    const text = validateForm(makeForm(), { ...valid, superficie: "tanti" });
    expect(text.errors[0].message.it).toContain("come numero");
  });

  it("rejects a select value not among the options and a malformed PEC", () => {
    const r = validateForm(makeForm(), { ...valid, comune: "999999", pec: "impresa@pec" });
    expect(r.errors.map((e) => e.field).sort()).toEqual(["comune", "pec"]);
  });
});

describe("mergeForms", () => {
  it("keeps each section and field once, anagrafica first and declarations last", () => {
    const a = makeForm({ id: "A" });
    const b = makeForm({ id: "B" });
    b.sections.splice(1, 0, {
      id: "extra",
      title: { it: "Extra", en: "Extra" },
      shared: false,
      placement: "body",
      fields: [
        { name: "extra_field", type: "text", label: { it: "Extra", en: "Extra" }, required: true },
        { ...a.sections[0].fields[1] }, // "cf" again in another section: must not repeat
      ],
    });
    const merged = mergeForms([a, b]);
    const names = merged.sections.flatMap((s) => s.fields.map((f) => f.name));
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => n === "cf")).toHaveLength(1);
    expect(names).toContain("extra_field");
    expect(merged.sections.map((s) => s.id)).toEqual(["anagrafica", "sede", "extra", "dichiarazioni"]);
    expect(merged.id).toBe("A+B");
  });
});
