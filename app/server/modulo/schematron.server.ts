import path from "node:path";
import { DOMParser } from "@xmldom/xmldom";
// fontoxpath ships CommonJS for Node: its named exports are not visible to Node's ESM loader (tsx, the built
// server), only the default export is.
import fontoxpath from "fontoxpath";

const { evaluateXPath, evaluateXPathToBoolean, evaluateXPathToNodes, evaluateXPathToString } = fontoxpath;

/**
 * An ISO Schematron evaluator over fontoxpath (XPath 3.1) and @xmldom/xmldom, for the features AgID's moduli use
 * (ADR 0027): `sch:include` with `#fragment`, abstract patterns instantiated with `is-a` + `sch:param`, `sch:let`
 * at schema, pattern and rule level, abstract rules + `sch:extends`, phases (`sch:phase`/`sch:active`, `#ALL`,
 * `defaultPhase`), "first matching rule wins" within a pattern, `sch:assert`/`sch:report` with `sch:value-of` and
 * `sch:name` in the messages, and `document('…')` for code lists.
 *
 * How XSLT's semantics are kept without XSLT:
 * - a rule's `context` is a match pattern; it is evaluated as `//(context)` (or as is when absolute), and a node a
 *   previous rule of the same pattern matched is not offered to later rules;
 * - `let`s are inlined into each test as XPath 3.1 `let $x := … return …` (rule lets in the rule's context,
 *   schema/pattern lets as `root(.) ! (…)`), so their values keep their XDM types (xs:date stays xs:date);
 * - `document('x')` is replaced at load time by a variable bound to the parsed code list. A code list that is not
 *   available makes every assert that depends on it `unchecked` (reported as such, never silently passed).
 */

const SCH = "http://purl.oclc.org/dsdl/schematron";

export type SchematronFile = { text: string } | null;
/** Reads a file of the schema by its path (relative to the schema root); null when it does not exist. */
export type FileLoader = (relativePath: string) => string | null;

export type LoadFix = { id: string; description: string };

export type CompileOptions = {
  load: FileLoader;
  /** Text rewrites applied to a loaded Schematron file before parsing (AgID's defects, named). */
  rewrite?: (relativePath: string, text: string) => string;
  /** Extra namespace bindings (e.g. `xs`, used by AgID's tests without an `sch:ns`). */
  namespaces?: Record<string, string>;
};

type Let = { name: string; value: string };
type Check = {
  kind: "assert" | "report";
  id: string | null;
  test: string;
  message: MessagePart[];
  role: string | null;
};
type MessagePart = { text: string } | { select: string } | { name: string };
type Rule = { id: string | null; context: string; lets: Let[]; checks: Check[] };
type Pattern = { id: string; lets: Let[]; rules: Rule[] };
type Vocabulary = { variable: string; href: string; doc: Document | null };

export type CompiledSchematron = {
  root: string;
  namespaces: Record<string, string>;
  globalLets: Let[];
  patterns: Pattern[];
  phases: Map<string, string[]>;
  defaultPhase: string | null;
  vocabularies: Vocabulary[];
  /** Variables whose value is not available (missing code lists and the lets depending on them). */
  missing: Set<string>;
};

export type SchematronProblem = {
  kind: "assert" | "report";
  id: string | null;
  patternId: string;
  ruleId: string | null;
  message: string;
  /** XPath of the node the rule fired on. */
  location: string;
  /** Local name of the node the rule fired on and of its ancestors, outermost first. */
  path: string[];
};
export type SchematronUnchecked = { id: string | null; patternId: string; vocabularies: string[] };
export type SchematronResult = {
  failures: SchematronProblem[];
  reports: SchematronProblem[];
  unchecked: SchematronUnchecked[];
  /** Pattern ids that were active. */
  patterns: string[];
};

const parser = () =>
  new DOMParser({
    onError: (level: string, msg: string) => {
      if (level !== "warning") throw new Error(msg);
    },
  });

function parseXml(text: string, what: string): Document {
  try {
    return parser().parseFromString(text, "text/xml") as unknown as Document;
  } catch (e) {
    throw new Error(`${what}: XML non leggibile (${(e as Error).message})`);
  }
}

const elements = (node: Node): Element[] =>
  Array.from(node.childNodes as unknown as ArrayLike<Node>).filter(
    (n): n is Element => n.nodeType === 1,
  ) as Element[];
const isSch = (e: Element, local: string) => e.namespaceURI === SCH && e.localName === local;
const attr = (e: Element, name: string) => (e.hasAttribute(name) ? e.getAttribute(name) : null);

function findById(doc: Document, id: string): Element | null {
  const walk = (e: Element): Element | null => {
    if (e.getAttribute("id") === id) return e;
    for (const c of elements(e)) {
      const hit = walk(c);
      if (hit) return hit;
    }
    return null;
  };
  return walk(doc.documentElement);
}

/** Replaces `$name` (a whole variable reference) with `value` in an expression. */
function substitute(expr: string, params: Map<string, string>): string {
  if (params.size === 0) return expr;
  const names = [...params.keys()].sort((a, b) => b.length - a.length);
  const re = new RegExp(
    `\\$(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})(?![\\w.-])`,
    "g",
  );
  return expr.replace(re, (_m, n: string) => params.get(n) ?? _m);
}

export function compileSchematron(entry: string, options: CompileOptions): CompiledSchematron {
  const namespaces: Record<string, string> = { ...(options.namespaces ?? {}) };
  const vocabularies: Vocabulary[] = [];
  const vocabByPath = new Map<string, Vocabulary>();
  const loaded = new Map<string, Document>();

  const loadSch = (rel: string): Document => {
    const cached = loaded.get(rel);
    if (cached) return cached;
    const raw = options.load(rel);
    if (raw === null) throw new Error(`Schematron: file incluso non trovato: ${rel}`);
    const text = options.rewrite ? options.rewrite(rel, raw) : raw;
    const doc = parseXml(text, rel);
    // namespaces declared anywhere in the set: the entry schema's first (AgID's included patterns use the
    // prefixes of their own files)
    for (const ns of elements(doc.documentElement).filter((e) => isSch(e, "ns"))) {
      const prefix = attr(ns, "prefix");
      const uri = attr(ns, "uri");
      if (prefix && uri && !(prefix in namespaces)) namespaces[prefix] = uri;
    }
    loaded.set(rel, doc);
    return doc;
  };

  /** `document('x')` in an expression of file `rel` becomes a variable bound to the code list. */
  const bindDocuments = (expr: string, rel: string): string =>
    expr.replace(/document\(\s*(['"])([^'"]+)\1\s*\)/g, (_m, _q, href: string) => {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), href));
      let v = vocabByPath.get(target);
      if (!v) {
        const text = options.load(target);
        v = {
          variable: `__doc${vocabularies.length}`,
          href: target,
          doc: text === null ? null : parseXml(text, target),
        };
        vocabularies.push(v);
        vocabByPath.set(target, v);
      }
      return `$${v.variable}`;
    });

  /** Resolves `sch:include` (with or without `#fragment`) in place, recursively, keeping each element's file. */
  type Located = { el: Element; rel: string };
  const expand = (el: Element, rel: string): Located[] => {
    if (!isSch(el, "include")) return [{ el, rel }];
    const href = attr(el, "href") ?? "";
    const [file, fragment] = href.split("#");
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), file));
    const doc = loadSch(target);
    const picked = fragment ? findById(doc, fragment) : doc.documentElement;
    if (!picked)
      throw new Error(`Schematron: ${href} (incluso da ${rel}) non contiene l'elemento ${fragment}`);
    return expand(picked, target);
  };
  const children = (el: Element, rel: string): Located[] => elements(el).flatMap((c) => expand(c, rel));

  const root = loadSch(entry);
  const top = children(root.documentElement, entry);

  const letOf = ({ el, rel }: Located): Let => ({
    name: attr(el, "name") ?? "",
    value: bindDocuments(attr(el, "value") ?? ".", rel),
  });
  const globalLets = top.filter((c) => isSch(c.el, "let")).map(letOf);

  const messageOf = ({ el, rel }: Located): MessagePart[] =>
    Array.from(el.childNodes as unknown as ArrayLike<Node>).flatMap((n): MessagePart[] => {
      if (n.nodeType === 3 || n.nodeType === 4) return [{ text: n.nodeValue ?? "" }];
      if (n.nodeType !== 1) return [];
      const e = n as Element;
      if (isSch(e, "value-of")) return [{ select: bindDocuments(attr(e, "select") ?? ".", rel) }];
      if (isSch(e, "name")) return [{ name: bindDocuments(attr(e, "path") ?? ".", rel) }];
      return [{ text: e.textContent ?? "" }];
    });

  type RawPattern = {
    id: string;
    abstract: boolean;
    isA: string | null;
    params: Map<string, string>;
    body: Located[];
  };
  const rawPatterns: RawPattern[] = top
    .filter((c) => isSch(c.el, "pattern"))
    .map(({ el, rel }) => ({
      id: attr(el, "id") ?? `pattern-${Math.random().toString(36).slice(2)}`,
      abstract: attr(el, "abstract") === "true",
      isA: attr(el, "is-a"),
      params: new Map(
        children(el, rel)
          .filter((c) => isSch(c.el, "param"))
          .map((c) => [attr(c.el, "name") ?? "", attr(c.el, "value") ?? ""] as [string, string]),
      ),
      body: children(el, rel),
    }));
  const abstracts = new Map(rawPatterns.filter((p) => p.abstract).map((p) => [p.id, p]));

  const buildPattern = (id: string, body: Located[], params: Map<string, string>): Pattern => {
    const sub = (s: string) => substitute(s, params);
    const abstractRules = new Map<string, Located>();
    for (const c of body)
      if (isSch(c.el, "rule") && attr(c.el, "abstract") === "true")
        abstractRules.set(attr(c.el, "id") ?? "", c);
    const ruleBody = (rule: Located): { lets: Let[]; checks: Check[] } => {
      const lets: Let[] = [];
      const checks: Check[] = [];
      for (const c of children(rule.el, rule.rel)) {
        if (isSch(c.el, "let")) {
          const l = letOf(c);
          lets.push({ name: l.name, value: sub(l.value) });
        } else if (isSch(c.el, "assert") || isSch(c.el, "report")) {
          checks.push({
            kind: isSch(c.el, "assert") ? "assert" : "report",
            id: attr(c.el, "id"),
            test: sub(bindDocuments(attr(c.el, "test") ?? "true()", c.rel)),
            role: attr(c.el, "role"),
            message: messageOf(c).map((m) =>
              "select" in m ? { select: sub(m.select) } : "name" in m ? { name: sub(m.name) } : m,
            ),
          });
        } else if (isSch(c.el, "extends")) {
          const target = abstractRules.get(attr(c.el, "rule") ?? "");
          if (!target)
            throw new Error(
              `Schematron: sch:extends verso una regola astratta sconosciuta (${attr(c.el, "rule")})`,
            );
          const inherited = ruleBody(target);
          lets.push(...inherited.lets);
          checks.push(...inherited.checks);
        }
      }
      return { lets, checks };
    };
    return {
      id,
      lets: body
        .filter((c) => isSch(c.el, "let"))
        .map((c) => {
          const l = letOf(c);
          return { name: l.name, value: sub(l.value) };
        }),
      rules: body
        .filter((c) => isSch(c.el, "rule") && attr(c.el, "abstract") !== "true")
        .map((c) => ({ id: attr(c.el, "id"), context: sub(attr(c.el, "context") ?? "/"), ...ruleBody(c) })),
    };
  };

  const patterns: Pattern[] = [];
  for (const p of rawPatterns) {
    if (p.abstract) continue;
    if (p.isA) {
      const base = abstracts.get(p.isA);
      if (!base)
        throw new Error(`Schematron: il pattern ${p.id} istanzia un pattern astratto sconosciuto (${p.isA})`);
      patterns.push(buildPattern(p.id, base.body, p.params));
    } else patterns.push(buildPattern(p.id, p.body, new Map()));
  }

  const phases = new Map<string, string[]>();
  for (const c of top.filter((x) => isSch(x.el, "phase"))) {
    phases.set(
      attr(c.el, "id") ?? "",
      children(c.el, c.rel)
        .filter((a) => isSch(a.el, "active"))
        .map((a) => attr(a.el, "pattern") ?? ""),
    );
  }

  // a let is unavailable when its value reads a missing code list or another unavailable let
  const missing = new Set(vocabularies.filter((v) => v.doc === null).map((v) => v.variable));
  const allLets = [...globalLets, ...patterns.flatMap((p) => [...p.lets, ...p.rules.flatMap((r) => r.lets)])];
  for (let changed = true; changed; ) {
    changed = false;
    for (const l of allLets)
      if (!missing.has(l.name) && referencesAny(l.value, missing)) {
        missing.add(l.name);
        changed = true;
      }
  }

  return {
    root: entry,
    namespaces,
    globalLets,
    patterns,
    phases,
    defaultPhase: attr(root.documentElement, "defaultPhase"),
    vocabularies,
    missing,
  };
}

function referencesAny(expr: string, names: Set<string>): string[] | false {
  const hits = [...names].filter((n) =>
    new RegExp(`\\$${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w.-])`).test(expr),
  );
  return hits.length ? hits : false;
}

/** The expression with the lets it can see, as one XPath 3.1 expression. */
function withLets(expr: string, globals: Let[], local: Let[]): string {
  const bindings = [
    ...globals.map((l) => `$${l.name} := (root(.) ! (${l.value}))`),
    ...local.map((l) => `$${l.name} := (${l.value})`),
  ];
  return bindings.length ? `let ${bindings.join(", ")} return (${expr})` : expr;
}

function locationOf(node: Node): { xpath: string; names: string[] } {
  const steps: string[] = [];
  const names: string[] = [];
  for (let n: Node | null = node; n && n.nodeType === 1; n = n.parentNode) {
    const e = n as Element;
    let i = 1;
    for (let s = e.previousSibling; s; s = s.previousSibling)
      if (
        s.nodeType === 1 &&
        (s as Element).localName === e.localName &&
        (s as Element).namespaceURI === e.namespaceURI
      )
        i++;
    steps.unshift(`${e.nodeName}[${i}]`);
    names.unshift(e.localName ?? e.nodeName);
  }
  return { xpath: `/${steps.join("/")}`, names };
}

/** Active pattern ids for a list of phases (`#ALL`, none: every pattern; otherwise the schema's phases). */
export function activePatterns(schema: CompiledSchematron, phases: readonly string[] = []): string[] {
  const wanted = phases.length ? phases : schema.defaultPhase ? [schema.defaultPhase] : ["#ALL"];
  if (wanted.includes("#ALL")) return schema.patterns.map((p) => p.id);
  const ids = new Set<string>();
  for (const ph of wanted) {
    const actives = schema.phases.get(ph);
    if (!actives)
      throw new Error(`Schematron: fase sconosciuta "${ph}" (fasi: ${[...schema.phases.keys()].join(", ")})`);
    for (const a of actives) ids.add(a);
  }
  return schema.patterns.filter((p) => ids.has(p.id)).map((p) => p.id);
}

export function validateSchematron(
  schema: CompiledSchematron,
  xml: string | Document,
  phases: readonly string[] = [],
): SchematronResult {
  const doc = typeof xml === "string" ? parseXml(xml, "documento") : xml;
  const active = new Set(activePatterns(schema, phases));
  const variables: Record<string, unknown> = {};
  for (const v of schema.vocabularies) if (v.doc) variables[v.variable] = v.doc;
  const namespaceResolver = (prefix: string) => schema.namespaces[prefix] ?? null;
  const opts = { namespaceResolver };
  const missingVocab = (names: string[]) =>
    schema.vocabularies
      .filter((v) => v.doc === null && names.some((n) => n === v.variable))
      .map((v) => v.href);

  const result: SchematronResult = { failures: [], reports: [], unchecked: [], patterns: [...active] };
  for (const pattern of schema.patterns) {
    if (!active.has(pattern.id)) continue;
    const claimed = new Set<Node>();
    const globals = [...schema.globalLets, ...pattern.lets];
    for (const rule of pattern.rules) {
      const ctx = rule.context.trim();
      const select = ctx.startsWith("/") ? ctx : `//(${ctx})`;
      let nodes: Node[];
      try {
        nodes = evaluateXPathToNodes(
          withLets(
            select,
            schema.globalLets.filter((l) => !schema.missing.has(l.name)),
            [],
          ),
          doc,
          null,
          variables,
          opts,
        ) as Node[];
      } catch (e) {
        throw new Error(
          `Schematron: contesto non valutabile nel pattern ${pattern.id} (${ctx}): ${(e as Error).message}`,
        );
      }
      const fresh = nodes.filter((n) => !claimed.has(n));
      for (const n of fresh) claimed.add(n);
      if (fresh.length === 0) continue;
      for (const check of rule.checks) {
        const lets = [...globals, ...rule.lets];
        const blocked = referencesAny(check.test, schema.missing);
        if (blocked) {
          const vocab = new Set<string>();
          const trace = (names: string[]) => {
            for (const n of names) {
              if (n.startsWith("__doc")) for (const h of missingVocab([n])) vocab.add(h);
              const l = lets.find((x) => x.name === n);
              if (l) trace(referencesAny(l.value, schema.missing) || []);
            }
          };
          trace(blocked);
          for (const _n of fresh)
            result.unchecked.push({ id: check.id, patternId: pattern.id, vocabularies: [...vocab] });
          continue;
        }
        const usable = (ls: Let[]) => ls.filter((l) => !schema.missing.has(l.name));
        const test = withLets(check.test, usable(globals), usable(rule.lets));
        for (const n of fresh) {
          let ok: boolean;
          try {
            ok = evaluateXPathToBoolean(test, n, null, variables, opts);
          } catch (e) {
            throw new Error(
              `Schematron: test non valutabile (${check.id ?? pattern.id}): ${check.test.trim()} — ${(e as Error).message}`,
            );
          }
          const fires = check.kind === "assert" ? !ok : ok;
          if (!fires) continue;
          const message = check.message
            .map((m) => {
              if ("text" in m) return m.text;
              const expr = "select" in m ? m.select : m.name === "." ? "name(.)" : `name(${m.name})`;
              try {
                return evaluateXPathToString(
                  withLets(`string-join((${expr}) ! string(.), ' ')`, usable(globals), usable(rule.lets)),
                  n,
                  null,
                  variables,
                  opts,
                );
              } catch {
                return "";
              }
            })
            .join("")
            .replace(/\s+/g, " ")
            .trim();
          const loc = locationOf(n);
          (check.kind === "assert" ? result.failures : result.reports).push({
            kind: check.kind,
            id: check.id,
            patternId: pattern.id,
            ruleId: rule.id,
            message,
            location: loc.xpath,
            path: loc.names,
          });
        }
      }
    }
  }
  return result;
}

/** Evaluates an arbitrary XPath against a document with the schema's namespaces (tests and diagnostics). */
export function evaluateWithSchema(schema: CompiledSchematron, doc: Document, expr: string): unknown {
  return evaluateXPath(expr, doc, null, {}, evaluateXPath.ANY_TYPE, {
    namespaceResolver: (p: string) => schema.namespaces[p] ?? null,
  });
}
