import path from "node:path/posix";
import { DOMParser, type Document as XDocument, type Element as XElement } from "@xmldom/xmldom";
import fontoxpath from "fontoxpath";

// fontoxpath's main entry is a UMD bundle: Node's ESM loader sees no named exports, so take them off the default.
const { evaluateXPath, evaluateXPathToBoolean, evaluateXPathToNodes } = fontoxpath;

/**
 * An ISO Schematron (ISO/IEC 19757-3) evaluator over XPath 3.1 (fontoxpath), enough for AgID's unified forms,
 * which declare `queryBinding="xslt2"`: `sch:include` (with `#fragment`), abstract patterns instantiated with
 * `is-a` + `sch:param` (textual substitution of `$name`, as the standard says), `sch:let` at schema, pattern and
 * rule level (XPath `let ... return`, so a later let sees the earlier ones and predicates see the variables),
 * phases (`sch:phase`/`sch:active`, `defaultPhase`, `#ALL`), rule contexts as XSLT match patterns (the first
 * rule of a pattern that matches a node fires, later rules of that pattern do not), `assert`/`report` with
 * `value-of` and `name` in the message. XSLT's `document()` is resolved at load time against the files the
 * loader knows, relative to the file the expression was written in. ADR 0027.
 *
 * Reading files is the caller's: `read(path)` returns a file's text (or undefined), so the evaluator stays
 * free of I/O and the loader can apply its listed fixes to what it hands over.
 */

const SCH = "http://purl.oclc.org/dsdl/schematron";

export interface SchematronSource {
  /** Path of the main .sch, relative to the root the reader understands (posix separators). */
  main: string;
  read: (filePath: string) => string | undefined;
  /** Rewrites an href or document() path that does not exist into one that does (a listed fix); may return it unchanged. */
  resolve?: (fromFile: string, target: string) => string;
}

export interface SchematronFailure {
  kind: "assert" | "report";
  patternId: string;
  ruleId: string | null;
  /** The assert/report `id`, when the schema gives one. */
  id: string | null;
  /** The message, whitespace normalised, with value-of evaluated. */
  message: string;
  /** Where, as a simple path of qualified names (e.g. /mesviap:esercizio_vicinato_apertura/sscheana:scheda_anagrafica). */
  location: string;
}

interface MessagePart {
  text?: string;
  select?: string;
  name?: string;
}

interface Check {
  kind: "assert" | "report";
  id: string | null;
  test: string;
  message: MessagePart[];
}

interface Let {
  name: string;
  value: string;
}

interface Rule {
  id: string | null;
  context: string;
  lets: Let[];
  checks: Check[];
  file: string;
}

interface Pattern {
  id: string;
  lets: Let[];
  rules: Rule[];
}

export interface CompiledSchematron {
  patterns: Pattern[];
  phases: Map<string, { patterns: string[]; lets: Let[] }>;
  defaultPhase: string | null;
  schemaLets: Let[];
  namespaces: Record<string, string>;
  documents: Map<string, XDocument>;
  /** Files read to compile it (main first). */
  files: string[];
}

export class SchematronError extends Error {}

function parseXml(text: string, where: string): XDocument {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== "warning") errors.push(message);
    },
  }).parseFromString(text, "text/xml");
  if (errors.length > 0 || !doc.documentElement) {
    throw new SchematronError(`${where}: XML non leggibile / not well-formed: ${errors[0] ?? "no root"}`);
  }
  return doc;
}

function children(el: XElement, local?: string): XElement[] {
  const out: XElement[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) {
      const e = n as XElement;
      if (e.namespaceURI === SCH && (!local || e.localName === local)) out.push(e);
    }
  }
  return out;
}

function attr(el: XElement, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}

/** `$name` not followed by a name character; longest names first so `$ns` never eats `$nsapesvi`. */
function substitute(expr: string, params: Map<string, string>): string {
  if (params.size === 0) return expr;
  const names = [...params.keys()].sort((a, b) => b.length - a.length);
  const re = new RegExp(`\\$(${names.map((n) => n.replace(/[.\\-]/g, "\\$&")).join("|")})(?![\\w.\\-])`, "g");
  return expr.replace(re, (_m, n: string) => params.get(n) ?? _m);
}

export function compileSchematron(source: SchematronSource): CompiledSchematron {
  const resolve =
    source.resolve ??
    ((from: string, target: string) => path.normalize(path.join(path.dirname(from), target)));
  const files: string[] = [];
  const docs = new Map<string, XDocument>();
  const documents = new Map<string, XDocument>();
  const namespaces: Record<string, string> = {};

  function load(file: string): XDocument {
    const cached = docs.get(file);
    if (cached) return cached;
    const text = source.read(file);
    if (text === undefined) throw new SchematronError(`${file}: file non trovato / not found`);
    const doc = parseXml(text, file);
    docs.set(file, doc);
    files.push(file);
    return doc;
  }

  /** Rewrites document('x') into a variable bound to the loaded document, resolved from `file`. */
  function bindDocuments(expr: string, file: string): string {
    return expr.replace(/document\(\s*(['"])([^'"]+)\1\s*\)/g, (_m, _q, href: string) => {
      const target = resolve(file, href);
      let index = [...documents.keys()].indexOf(target);
      if (index < 0) {
        const text = source.read(target);
        if (text === undefined)
          throw new SchematronError(`${file}: document('${href}') non trovato / not found`);
        documents.set(target, parseXml(text, target));
        index = documents.size - 1;
      }
      return `$sch-document-${index}`;
    });
  }

  const abstract = new Map<string, { el: XElement; file: string }>();
  const concrete: { el: XElement; file: string }[] = [];
  const phases = new Map<string, { patterns: string[]; lets: Let[] }>();
  const schemaLets: Let[] = [];

  function readLets(el: XElement, file: string, params: Map<string, string>): Let[] {
    return children(el, "let").map((l) => ({
      name: attr(l, "name") ?? "",
      value: bindDocuments(substitute(attr(l, "value") ?? ".", params), file),
    }));
  }

  function collectPattern(el: XElement, file: string) {
    if (attr(el, "abstract") === "true") {
      const id = attr(el, "id");
      if (id) abstract.set(id, { el, file });
    } else {
      concrete.push({ el, file });
    }
  }

  function walkSchema(root: XElement, file: string, top: boolean) {
    for (const ns of children(root, "ns")) {
      const prefix = attr(ns, "prefix");
      const uri = attr(ns, "uri");
      // The main schema's declarations win; an included file's fill prefixes the main one does not declare.
      if (prefix && uri && (top || !(prefix in namespaces))) namespaces[prefix] = uri;
    }
    for (let n = root.firstChild; n; n = n.nextSibling) {
      if (n.nodeType !== 1) continue;
      const el = n as XElement;
      if (el.namespaceURI !== SCH) continue;
      if (el.localName === "include") includeFrom(el, file, top);
      else if (el.localName === "pattern") collectPattern(el, file);
      else if (el.localName === "let" && top)
        schemaLets.push({
          name: attr(el, "name") ?? "",
          value: bindDocuments(attr(el, "value") ?? ".", file),
        });
      else if (el.localName === "phase" && top) {
        const id = attr(el, "id");
        if (id)
          phases.set(id, {
            patterns: children(el, "active").map((a) => attr(a, "pattern") ?? ""),
            lets: readLets(el, file, new Map()),
          });
      }
    }
  }

  function includeFrom(el: XElement, file: string, _top: boolean) {
    const href = attr(el, "href") ?? "";
    const [target, fragment] = href.split("#");
    const resolved = resolve(file, target);
    const doc = load(resolved);
    const root = doc.documentElement as unknown as XElement;
    if (fragment) {
      const found = findById(root, fragment);
      if (!found) throw new SchematronError(`${file}: include ${href}: id non trovato / id not found`);
      // Pick up the included file's namespace declarations too (AgID's fragments rely on them).
      walkNamespacesOnly(root);
      if (found.localName === "pattern") collectPattern(found, resolved);
      else if (found.localName === "schema") walkSchema(found, resolved, false);
    } else if (root.localName === "schema") {
      walkSchema(root, resolved, false);
    } else if (root.localName === "pattern") {
      collectPattern(root, resolved);
    }
  }

  function walkNamespacesOnly(root: XElement) {
    for (const ns of children(root, "ns")) {
      const prefix = attr(ns, "prefix");
      const uri = attr(ns, "uri");
      if (prefix && uri && !(prefix in namespaces)) namespaces[prefix] = uri;
    }
  }

  function findById(root: XElement, id: string): XElement | null {
    if (attr(root, "id") === id) return root;
    for (const c of children(root)) {
      const f = findById(c, id);
      if (f) return f;
    }
    return null;
  }

  const mainDoc = load(source.main);
  const mainRoot = mainDoc.documentElement as unknown as XElement;
  if (mainRoot.namespaceURI !== SCH || mainRoot.localName !== "schema") {
    throw new SchematronError(`${source.main}: non è uno schema Schematron / not a Schematron schema`);
  }
  walkSchema(mainRoot, source.main, true);

  function readMessage(el: XElement, params: Map<string, string>, file: string): MessagePart[] {
    const parts: MessagePart[] = [];
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3 || n.nodeType === 4) parts.push({ text: n.nodeValue ?? "" });
      else if (n.nodeType === 1) {
        const c = n as XElement;
        if (c.namespaceURI === SCH && c.localName === "value-of")
          parts.push({ select: bindDocuments(substitute(attr(c, "select") ?? ".", params), file) });
        else if (c.namespaceURI === SCH && c.localName === "name")
          parts.push({ name: bindDocuments(substitute(attr(c, "path") ?? ".", params), file) });
        else parts.push({ text: c.textContent ?? "" });
      }
    }
    return parts;
  }

  function buildPattern(el: XElement, file: string, id: string, params: Map<string, string>): Pattern {
    const rules: Rule[] = children(el, "rule").map((r) => ({
      id: attr(r, "id"),
      context: bindDocuments(substitute(attr(r, "context") ?? "", params), file),
      lets: readLets(r, file, params),
      checks: [...children(r)]
        .filter((c) => c.localName === "assert" || c.localName === "report")
        .map((c) => ({
          kind: c.localName as "assert" | "report",
          id: attr(c, "id"),
          test: bindDocuments(substitute(attr(c, "test") ?? "true()", params), file),
          message: readMessage(c, params, file),
        })),
      file,
    }));
    return { id, lets: readLets(el, file, params), rules };
  }

  const patterns: Pattern[] = [];
  const seenIds = new Set<string>();
  for (const { el, file } of concrete) {
    const id = attr(el, "id") ?? `pattern-${patterns.length + 1}`;
    // A pattern id included twice (the same file reached by two includes) is one pattern.
    if (seenIds.has(id)) continue;
    seenIds.add(id);
    const isA = attr(el, "is-a");
    if (isA) {
      const base = abstract.get(isA);
      if (!base)
        throw new SchematronError(
          `${file}: pattern ${id}: is-a="${isA}" non trovato / abstract pattern not found`,
        );
      const params = new Map<string, string>();
      for (const p of children(el, "param")) params.set(attr(p, "name") ?? "", attr(p, "value") ?? "");
      patterns.push(buildPattern(base.el, base.file, id, params));
    } else {
      patterns.push(buildPattern(el, file, id, new Map()));
    }
  }

  return {
    patterns,
    phases,
    defaultPhase: attr(mainRoot, "defaultPhase"),
    schemaLets,
    namespaces,
    documents,
    files,
  };
}

/** XSLT match pattern -> the nodes it matches in the document: `a/b` matches wherever it occurs. */
function contextExpression(context: string): string {
  const c = context.trim();
  if (c.startsWith("/") || c.startsWith("$")) return c;
  return `//(${c})`;
}

function withLets(lets: Let[], expr: string): string {
  if (lets.length === 0) return expr;
  return `let ${lets.map((l) => `$${l.name} := (${l.value})`).join(", ")} return (${expr})`;
}

function locationOf(node: Node): string {
  const steps: string[] = [];
  let n: Node | null = node;
  while (n && n.nodeType === 1) {
    const el = n as Element;
    const same = (s: Node | null) => s !== null && s.nodeType === 1 && (s as Element).tagName === el.tagName;
    let index = 1;
    let many = false;
    for (let s = el.previousSibling; s; s = s.previousSibling) if (same(s)) index++;
    for (let s = el.nextSibling; s && !many; s = s.nextSibling) if (same(s)) many = true;
    // An index whenever the name repeats among siblings, so every location names one node.
    steps.unshift(index > 1 || many ? `${el.tagName}[${index}]` : el.tagName);
    n = el.parentNode;
  }
  return `/${steps.join("/")}`;
}

export interface RunOptions {
  /** A phase id, `#ALL`, or nothing for the schema's defaultPhase (or all patterns). */
  phase?: string;
}

/** Validates `xml` (text or a parsed document); returns the failed asserts and fired reports, in document order per pattern. */
export function runSchematron(
  schema: CompiledSchematron,
  xml: string | XDocument,
  options: RunOptions = {},
): SchematronFailure[] {
  const doc = typeof xml === "string" ? parseXml(xml, "documento / document") : xml;
  const phaseId = options.phase ?? schema.defaultPhase ?? "#ALL";
  let active: Pattern[] = schema.patterns;
  let phaseLets: Let[] = [];
  if (phaseId !== "#ALL") {
    const phase = schema.phases.get(phaseId);
    if (!phase) throw new SchematronError(`fase ${phaseId} non definita / phase not defined`);
    const byId = new Map(schema.patterns.map((p) => [p.id, p]));
    active = phase.patterns.map((id) => {
      const p = byId.get(id);
      if (!p) throw new SchematronError(`fase ${phaseId}: pattern ${id} non definito / pattern not defined`);
      return p;
    });
    phaseLets = phase.lets;
  }
  const variables: Record<string, unknown> = {};
  [...schema.documents.values()].forEach((d, i) => {
    variables[`sch-document-${i}`] = d;
  });
  const options3 = {
    namespaceResolver: (prefix: string) => (prefix === "" ? null : (schema.namespaces[prefix] ?? null)),
    language: evaluateXPath.XPATH_3_1_LANGUAGE,
  };
  const failures: SchematronFailure[] = [];
  for (const pattern of active) {
    const fired = new Set<Node>();
    for (const rule of pattern.rules) {
      const outer = [...schema.schemaLets, ...phaseLets, ...pattern.lets];
      let nodes: Node[];
      try {
        nodes = evaluateXPathToNodes(
          withLets(outer, contextExpression(rule.context)),
          doc,
          null,
          variables,
          options3,
        );
      } catch (e) {
        throw new SchematronError(
          `${rule.file}: pattern ${pattern.id}: contesto "${rule.context}": ${(e as Error).message.split("\n")[0]}`,
        );
      }
      for (const node of nodes) {
        if (fired.has(node)) continue;
        fired.add(node);
        const lets = [...outer, ...rule.lets];
        for (const check of rule.checks) {
          let result: boolean;
          try {
            result = evaluateXPathToBoolean(
              withLets(lets, `boolean(${check.test})`),
              node,
              null,
              variables,
              options3,
            );
          } catch (e) {
            throw new SchematronError(
              `${rule.file}: pattern ${pattern.id}${check.id ? `, ${check.id}` : ""}: "${check.test.trim().slice(0, 80)}": ${(e as Error).message.split("\n")[0]}`,
            );
          }
          const failed = check.kind === "assert" ? !result : result;
          if (!failed) continue;
          const message = check.message
            .map((part) => {
              if (part.text !== undefined) return part.text;
              const expr = part.select ?? `name(${part.name})`;
              const values = evaluateXPath(
                withLets(lets, `string-join(for $v in (${expr}) return string($v), ' ')`),
                node,
                null,
                variables,
                evaluateXPath.STRING_TYPE,
                options3,
              );
              return values;
            })
            .join("")
            .replace(/\s+/g, " ")
            .trim();
          failures.push({
            kind: check.kind,
            patternId: pattern.id,
            ruleId: rule.id,
            id: check.id,
            message,
            location: locationOf(node),
          });
        }
      }
    }
  }
  return failures;
}
