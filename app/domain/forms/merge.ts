import type { Field, FormDefinition, Section } from "./types";

/**
 * The form of a pratica that bundles several usecases: the union of their sections in order of first
 * appearance, each field once. Sections with the same id (the shared "scheda anagrafica") merge their fields;
 * a field name already placed in an earlier section is not repeated, so one answer feeds every usecase.
 */
export function mergeForms(defs: readonly FormDefinition[]): FormDefinition {
  if (defs.length === 0) throw new Error("mergeForms needs at least one form");
  if (defs.length === 1) return defs[0];
  const sections: Section[] = [];
  const byId = new Map<string, Section>();
  const placed = new Set<string>();
  for (const def of defs) {
    for (const section of def.sections) {
      const fresh: Field[] = section.fields.filter((f) => !placed.has(f.name));
      for (const f of fresh) placed.add(f.name);
      const existing = byId.get(section.id);
      if (existing) {
        existing.fields.push(...fresh);
      } else if (fresh.length > 0) {
        const copy: Section = { ...section, fields: [...fresh] };
        byId.set(section.id, copy);
        sections.push(copy);
      }
    }
  }
  return {
    id: defs.map((d) => d.id).join("+"),
    version: defs.map((d) => d.version).join("+"),
    title: {
      it: defs.map((d) => d.title.it).join(" + "),
      en: defs.map((d) => d.title.en).join(" + "),
    },
    // stable: anagrafica first, procedure-specific sections, declarations last
    sections: [
      ...sections.filter((s) => s.placement === "start"),
      ...sections.filter((s) => s.placement === "body"),
      ...sections.filter((s) => s.placement === "end"),
    ],
  };
}
