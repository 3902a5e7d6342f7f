import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { knownTemplates, renderTemplate, type TemplateFacts } from "~/i18n/mail";

const dir = path.resolve("workflows");
const source = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => readFileSync(path.join(dir, f), "utf8"))
  .join("\n");

/** Every template name a machine can emit, including `conclusion_${outcome}` and ternaries. */
function emittedTemplates(): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/template:\s*([^,}\n]+)/g)) {
    const expr = m[1]!;
    for (const s of expr.matchAll(/"([a-z_]+)"/g)) names.add(s[1]!);
    if (expr.includes("conclusion_${")) {
      for (const o of ["positive", "conformation", "negative"]) names.add(`conclusion_${o}`);
    }
  }
  return [...names].sort();
}

const facts: TemplateFacts = {
  title: "Apertura esercizio di vicinato",
  cui: "CUI-1",
  protocolNumber: "SUAP-AVC/2026/0000001",
  comune: "Volterra",
  business: "Bottega Rossi",
  status: "in_review",
  desk: "SUAP Associato Alta Val di Cecina",
  finalDue: "2026-05-02",
  integrationDue: "2026-04-01",
  observationsDue: null,
  reasons: null,
  link: "http://localhost/x",
  audience: "applicant",
};

describe("notification templates", () => {
  it("finds the machines' templates (the scan itself works)", () => {
    const names = emittedTemplates();
    expect(names).toContain("ricevuta");
    expect(names).toContain("conclusion_negative");
    expect(names).toContain("richiesta_parere");
    expect(names.length).toBeGreaterThan(20);
  });

  it("has a proper text, not the generic fallback, for every template a machine emits", () => {
    const missing = emittedTemplates().filter((n) => !knownTemplates.includes(n));
    expect(missing).toEqual([]);
  });

  it("renders each in Italian and English with the pratica's references", () => {
    for (const name of emittedTemplates()) {
      for (const locale of ["it", "en"] as const) {
        const r = renderTemplate(name, locale, facts);
        expect(r.subject.length, `${name}/${locale}`).toBeGreaterThan(10);
        expect(r.text).toContain("CUI-1");
        expect(r.text).toContain("http://localhost/x");
      }
    }
    expect(renderTemplate("integration_requested", "it", facts).subject).toBe(
      "Richiesta di integrazione entro il 01/04/2026",
    );
  });
});
