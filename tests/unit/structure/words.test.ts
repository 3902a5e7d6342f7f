import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { AnyStateMachine } from "xstate";
import { describe, expect, it } from "vitest";
import { dictionaryKeys, eventText, type MessageKey, refusalText, statusText, translator } from "~/i18n";
import { knownTemplates, renderTemplate, type TemplateFacts } from "~/i18n/mail";
import { documentWords, eventWords, refusalWords, statusWords } from "~/i18n/modules/words";
import { refusalWords as engineRefusalWords } from "~/server/pratiche/refusal.server";
import { EngineError } from "~/server/engine/engine.server";
import { eventTypes, registry, step } from "../../../workflows/index";
import { guards } from "../../../workflows/shared";
import { inputFor, run } from "../workflows/helpers";

/** Every text must exist in both languages, be non-empty, and (for English) not be the Italian copied over. */
function expectBoth(where: string, w: { it: string; en: string } | undefined) {
  expect(w, where).toBeDefined();
  expect(w!.it.trim().length, `${where} it`).toBeGreaterThan(0);
  expect(w!.en.trim().length, `${where} en`).toBeGreaterThan(0);
}

type Node = {
  meta?: { status?: string };
  states?: Record<string, Node>;
  on?: Record<string, { guard?: unknown }[]>;
};

function walk(node: Node, visit: (n: Node) => void) {
  visit(node);
  for (const child of Object.values(node.states ?? {})) walk(child, visit);
}

const machines = registry.all().map((d) => d.machine as AnyStateMachine);

function declaredStatuses(): string[] {
  const out = new Set<string>();
  for (const m of machines) walk(m.root as unknown as Node, (n) => n.meta?.status && out.add(n.meta.status));
  return [...out].sort();
}

function usedGuards(): string[] {
  const out = new Set<string>();
  for (const m of machines) {
    walk(m.root as unknown as Node, (n) => {
      for (const ts of Object.values(n.on ?? {})) {
        for (const t of ts) {
          const g = t.guard;
          const name = typeof g === "string" ? g : (g as { type?: string } | undefined)?.type;
          if (name) out.add(name);
        }
      }
    });
  }
  return [...out].sort();
}

const source = readdirSync(path.resolve("workflows"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => readFileSync(path.resolve("workflows", f), "utf8"))
  .join("\n");

/** Every document kind a machine can produce, including `kind: cond ? "a" : "b"` (clock kinds excluded). */
function emittedDocumentKinds(): string[] {
  const out = new Set<string>();
  for (const m of source.matchAll(/type: "document",\s*kind:\s*([^,}\n]+)/g)) {
    for (const s of m[1]!.matchAll(/"([a-z_]+)"/g)) out.add(s[1]!);
  }
  return [...out].sort();
}

describe("one source for every word", () => {
  it("has Italian and English for every status the machines declare", () => {
    const statuses = declaredStatuses();
    expect(statuses).toContain("integration_expired");
    expect(statuses.length).toBeGreaterThan(12);
    for (const s of statuses) expectBoth(`status ${s}`, statusWords[s as keyof typeof statusWords]);
  });

  it("has Italian and English for every event type", () => {
    expect(eventTypes.length).toBeGreaterThan(20);
    for (const e of eventTypes) expectBoth(`event ${e}`, eventWords[e]);
  });

  it("has an Italian and an English refusal for every guard, and the machines use no other guard", () => {
    for (const g of Object.keys(guards))
      expectBoth(`guard ${g}`, refusalWords[g as keyof typeof refusalWords]);
    const used = usedGuards();
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((g) => !(g in refusalWords))).toEqual([]);
  });

  it("has Italian and English for every document kind the machines produce", () => {
    const kinds = emittedDocumentKinds();
    expect(kinds).toContain("ricevuta");
    expect(kinds.length).toBeGreaterThan(8);
    for (const k of kinds) expectBoth(`document ${k}`, documentWords[k as keyof typeof documentWords]);
  });

  it("renders every mail template in both languages with the status in that language", () => {
    const facts: TemplateFacts = {
      title: "Apertura esercizio di vicinato",
      cui: "CUI-1",
      protocolNumber: null,
      comune: "Comune di Prova",
      business: "Bottega Rossi",
      status: "integration_expired",
      desk: "Sportello di Prova",
      finalDue: null,
      integrationDue: null,
      observationsDue: null,
      reasons: null,
      link: "http://localhost/x",
      audience: "applicant",
    };
    expect(knownTemplates.length).toBeGreaterThan(20);
    for (const name of knownTemplates) {
      const it_ = renderTemplate(name, "it", facts);
      const en = renderTemplate(name, "en", facts);
      expect(it_.text, name).toContain("Stato: Integrazione non pervenuta");
      expect(en.text, name).toContain("Status: Integration not received");
      expect(en.text, name).toContain("Sportello di Prova");
      expect(en.subject, name).not.toBe(it_.subject);
    }
  });

  it("puts the words in the dictionary the pages use, in both languages", () => {
    expect(dictionaryKeys.en.sort()).toEqual(dictionaryKeys.it.sort());
    const en = translator("en");
    expect(en("status.granted" as MessageKey)).toBe("Granted");
    expect(en("event.GRANT" as MessageKey)).toBe("Decision to grant");
    expect(en.locale).toBe("en");
  });
});

describe("known bugs stay fixed", () => {
  it("a business whose integration expired reads a status, not the raw key", () => {
    expect(statusText("it", "integration_expired")).toBe("Integrazione non pervenuta");
    expect(statusText("en", "integration_expired")).toBe("Integration not received");
    // the pages read statuses only through the one vocabulary: no area builds its own status keys any more
    const offenders: string[] = [];
    const scan = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) scan(p);
        else if (/\.(ts|tsx)$/.test(e.name) && /[`"](filing|desk)\.status\./.test(readFileSync(p, "utf8")))
          offenders.push(p);
      }
    };
    scan(path.resolve("app"));
    expect(offenders).toEqual([]);
  });

  it("an English user is told why an act was refused in English", () => {
    const def = registry.current("autorizzazione");
    const input = inputFor("autorizzazione", 60);
    const submitted = run(def, input, [
      { type: "SUBMIT", at: "2026-03-02" },
      { type: "PROTOCOL", at: "2026-03-02" },
    ]);
    // DENY before a notice of refusal: the 10-bis guard refuses it
    const r = step(def, submitted.snapshot, { type: "DENY", at: "2026-03-03", reasons: "x" }, input);
    expect(r.accepted).toBe(false);
    if (r.accepted) return;
    expect(r.refusal).toBeDefined();
    const error = new EngineError("conflict", r.reason, r.reasonEn, r.refusal);
    const words = engineRefusalWords(error);
    expect(words.en).not.toBe(words.it);
    expect(words.en).toMatch(/^[A-Z][a-z]/);
    expect(words.en).not.toMatch(/[àèéìòù]|L'atto|non è/);
    expect(words.it).toMatch(/Provvedimento di diniego|non è ammesso/);
    expect(refusalText("en", r.refusal!)).toBe(words.en);
  });

  it("words an act not allowed in the current state with the state's name", () => {
    const text = refusalText("en", { event: "GRANT", status: "integration_expired" });
    expect(text).toContain("Decision to grant");
    expect(text).toContain("Integration not received");
    // an unknown record is named as an act, never by its code (issue 12)
    expect(eventText("it", "NOT_AN_EVENT")).toBe("Atto registrato");
    expect(eventText("it", "ASSIGN")).toBe("Assegnazione della pratica");
  });
});
