/**
 * Every internal code that must never reach a person (issue 12), built from the sources so a new code is
 * covered the day it is added: workflow event types and the audit log's own records, statuses, deadline names,
 * outcomes, the machines' state paths, and from the shipped catalogues the attachment type codes, form field
 * names, option codes, legal-term names and ISTAT codes. `findCodes` says which of them a text shows.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { deadlineWords, outcomeWords, recordWords, statusWords } from "../../../app/i18n/modules/words";
import { eventTypes, registry } from "../../../workflows/index";

interface StateNode {
  key: string;
  states?: Record<string, StateNode>;
}

function statePaths(node: StateNode, prefix: string[], out: Set<string>) {
  for (const [key, child] of Object.entries(node.states ?? {})) {
    const here = [...prefix, key];
    if (here.length > 1) out.add(here.join("."));
    if (key.includes("_")) out.add(key);
    statePaths(child, here, out);
  }
}

interface CatalogueFile {
  sections: { fields: { name: string; options?: { value: string }[] }[] }[];
  municipalities: { istat: string }[];
  proceedings: { usecases: { attachments: { code: string }[]; terms: Record<string, unknown> }[] }[];
}

function catalogueCodes(out: Set<string>) {
  const dir = path.resolve("catalogue");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const c = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as CatalogueFile;
    for (const s of c.sections) {
      for (const f of s.fields) {
        // a one-word field name ("email", "pec") is also a word people read; names with "_" are codes
        if (f.name.includes("_")) out.add(f.name);
        for (const o of f.options ?? []) if (/^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(o.value)) out.add(o.value);
      }
    }
    for (const m of c.municipalities) out.add(m.istat);
    for (const p of c.proceedings) {
      for (const u of p.usecases) {
        for (const a of u.attachments) out.add(a.code);
        for (const k of Object.keys(u.terms)) out.add(k);
      }
    }
  }
}

export function internalCodes(): string[] {
  const out = new Set<string>();
  for (const e of eventTypes) out.add(e);
  for (const k of Object.keys(recordWords)) out.add(k);
  for (const k of Object.keys(statusWords)) out.add(k);
  for (const k of Object.keys(deadlineWords)) out.add(k);
  // an outcome code that is itself an Italian word of its text ("divieto") is a word; the others are codes
  const italian = new Set(
    Object.values(outcomeWords).flatMap((w) => w.it.toLowerCase().split(/[^a-zàèéìòù]+/)),
  );
  for (const k of Object.keys(outcomeWords)) if (!italian.has(k)) out.add(k);
  for (const def of registry.all()) statePaths(def.machine.root as unknown as StateNode, [], out);
  catalogueCodes(out);
  return [...out].sort();
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The codes a text shows, each as a whole token (a code inside a longer identifier, a CUI or a URL is not
 * shown to anyone as that code), plus any "agency:<code>" deadline name.
 */
export function findCodes(text: string, codes: readonly string[] = internalCodes()): string[] {
  const found = new Set<string>();
  for (const code of codes) {
    const re = new RegExp(`(?<![\\w./:@-])${escapeRe(code)}(?![\\w/@-]|\\.\\w)`);
    if (re.test(text)) found.add(code);
  }
  for (const m of text.matchAll(/agency:[A-Z][\w-]*/g)) found.add(m[0]);
  return [...found].sort();
}
