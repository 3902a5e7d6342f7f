import type { ZodIssue } from "zod";
import type { Condition, Field, Section } from "~/domain/forms/types";
import { scopeMunicipalities } from "./query";
import { type Catalogue, catalogueSchema } from "./schema";

export interface CatalogueError {
  /** Where in the file, e.g. "proceedings[3].usecases[0].regime". */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; catalogue: Catalogue } | { ok: false; errors: CatalogueError[] };

export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

function issueMessage(issue: ZodIssue): string {
  if (issue.code === "invalid_union_discriminator") return `${issue.message}`;
  if (issue.code === "unrecognized_keys") return `unknown key(s): ${issue.keys.join(", ")}`;
  return issue.message;
}

/**
 * Parse an already-parsed JSON document into a catalogue. An invalid document is refused whole, with every
 * error listed by its path: first the shape (all zod issues), then, once the shape is sound, the
 * cross-references (codes that must exist, duplicates, validity ranges, conditions on form fields).
 */
export function parseCatalogue(json: unknown): ParseResult {
  const parsed = catalogueSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: issueMessage(i) })),
    };
  }
  const errors = crossReferenceErrors(parsed.data);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, catalogue: parsed.data };
}

/** Like parseCatalogue but throws with every error listed; for scripts and seeds. */
export function loadCatalogueOrThrow(json: unknown): Catalogue {
  const result = parseCatalogue(json);
  if (!result.ok) {
    throw new Error(
      `invalid catalogue:\n${result.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`,
    );
  }
  return result.catalogue;
}

function duplicates<T>(
  items: readonly T[],
  key: (t: T) => string,
  path: (i: number) => string,
  what: string,
  errors: CatalogueError[],
) {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else errors.push({ path: path(i), message: `duplicate ${what} "${k}" (first at ${path(j)})` });
  });
}

function checkRange(
  item: { validFrom: string; validTo: string | null },
  path: string,
  errors: CatalogueError[],
) {
  if (item.validTo !== null && item.validFrom > item.validTo) {
    errors.push({
      path: path === "" ? "validTo" : `${path}.validTo`,
      message: `validity ends (${item.validTo}) before it starts (${item.validFrom})`,
    });
  }
}

export function crossReferenceErrors(c: Catalogue): CatalogueError[] {
  const errors: CatalogueError[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });

  checkRange(c, "", errors);

  // duplicates
  duplicates(
    c.regimes,
    (r) => r.code,
    (i) => `regimes[${i}].code`,
    "regime",
    errors,
  );
  duplicates(
    c.typologies,
    (t) => t.code,
    (i) => `typologies[${i}].code`,
    "typology",
    errors,
  );
  duplicates(
    c.lifeEvents,
    (t) => t.code,
    (i) => `lifeEvents[${i}].code`,
    "life event",
    errors,
  );
  duplicates(
    c.administrationClasses,
    (t) => t.code,
    (i) => `administrationClasses[${i}].code`,
    "class",
    errors,
  );
  duplicates(
    c.sectors,
    (t) => t.code,
    (i) => `sectors[${i}].code`,
    "sector",
    errors,
  );
  duplicates(
    c.entities,
    (e) => e.code,
    (i) => `entities[${i}].code`,
    "entity code",
    errors,
  );
  duplicates(
    c.municipalities,
    (m) => m.istat,
    (i) => `municipalities[${i}].istat`,
    "municipality",
    errors,
  );
  duplicates(
    c.singleDesks,
    (d) => d.code,
    (i) => `singleDesks[${i}].code`,
    "single desk",
    errors,
  );
  duplicates(
    c.competentAdministrations,
    (a) => a.municipality,
    (i) => `competentAdministrations[${i}].municipality`,
    "municipality",
    errors,
  );
  duplicates(
    c.sections,
    (s) => s.id,
    (i) => `sections[${i}].id`,
    "section id",
    errors,
  );
  duplicates(
    c.forms,
    (f) => f.id,
    (i) => `forms[${i}].id`,
    "form id",
    errors,
  );
  duplicates(
    c.proceedings,
    (p) => p.code,
    (i) => `proceedings[${i}].code`,
    "proceeding code",
    errors,
  );
  const allUsecases = c.proceedings.flatMap((p, i) =>
    p.usecases.map((u, j) => ({ u, path: `proceedings[${i}].usecases[${j}]` })),
  );
  duplicates(
    allUsecases,
    (x) => x.u.code,
    (k) => `${allUsecases[k].path}.code`,
    "usecase code",
    errors,
  );

  const entityCodes = new Set(c.entities.map((e) => e.code));
  const istatCodes = new Set(c.municipalities.map((m) => m.istat));
  const classCodes = new Set(c.administrationClasses.map((a) => a.code));
  const regimeCodes = new Set(c.regimes.map((r) => r.code));
  const lifeEventCodes = new Set(c.lifeEvents.map((l) => l.code));
  const usecaseCodes = new Set(allUsecases.map((x) => x.u.code));

  // municipalities, desks, competent administrations
  c.municipalities.forEach((m, i) => {
    const e = c.entities.find((x) => x.code === m.entity);
    if (!e) err(`municipalities[${i}].entity`, `unknown entity "${m.entity}"`);
    else if (e.kind !== "comune")
      err(`municipalities[${i}].entity`, `entity "${m.entity}" is a ${e.kind}, not a comune`);
    duplicates(
      m.postcodes,
      (p) => p.cap,
      (j) => `municipalities[${i}].postcodes[${j}].cap`,
      "postcode",
      errors,
    );
  });
  c.entities.forEach((e, i) => {
    if (e.istat !== undefined && !istatCodes.has(e.istat))
      err(`entities[${i}].istat`, `unknown municipality "${e.istat}"`);
  });
  const served = new Set<string>();
  c.singleDesks.forEach((d, i) => {
    checkRange(d, `singleDesks[${i}]`, errors);
    const e = c.entities.find((x) => x.code === d.entity);
    if (!e) err(`singleDesks[${i}].entity`, `unknown entity "${d.entity}"`);
    else if (e.kind !== "suap")
      err(`singleDesks[${i}].entity`, `entity "${d.entity}" is a ${e.kind}, not a suap`);
    d.municipalities.forEach((m, j) => {
      if (!istatCodes.has(m)) err(`singleDesks[${i}].municipalities[${j}]`, `unknown municipality "${m}"`);
      served.add(m);
    });
  });
  for (const m of istatCodes) {
    if (!served.has(m)) err("singleDesks", `no single desk serves municipality "${m}"`);
  }
  c.competentAdministrations.forEach((a, i) => {
    if (!istatCodes.has(a.municipality))
      err(`competentAdministrations[${i}].municipality`, `unknown municipality "${a.municipality}"`);
    for (const [cls, entity] of Object.entries(a.byClass)) {
      if (!classCodes.has(cls))
        err(`competentAdministrations[${i}].byClass.${cls}`, `unknown administration class "${cls}"`);
      if (!entityCodes.has(entity))
        err(`competentAdministrations[${i}].byClass.${cls}`, `unknown entity "${entity}"`);
    }
  });
  const resolves = (cls: string, m: string) =>
    c.competentAdministrations.find((a) => a.municipality === m)?.byClass[cls] !== undefined;

  // sections and forms
  const fieldHome = new Map<string, string>();
  c.sections.forEach((s, i) => {
    s.fields.forEach((f, j) => {
      const path = `sections[${i}].fields[${j}].name`;
      const home = fieldHome.get(f.name);
      if (home)
        err(
          path,
          `field "${f.name}" is already defined at ${home}: a field name means one answer everywhere`,
        );
      else fieldHome.set(f.name, path);
      if (f.options)
        duplicates(
          f.options,
          (o) => o.value,
          (k) => `sections[${i}].fields[${j}].options[${k}].value`,
          "option",
          errors,
        );
    });
  });
  const fieldsOfForm = new Map<string, Map<string, Field>>();
  c.forms.forEach((form, i) => {
    const fields = new Map<string, Field>();
    const sections: { section: Section; index: number }[] = [];
    form.sections.forEach((id, j) => {
      const index = c.sections.findIndex((s) => s.id === id);
      if (index < 0) err(`forms[${i}].sections[${j}]`, `unknown section "${id}"`);
      else {
        sections.push({ section: c.sections[index], index });
        for (const f of c.sections[index].fields) fields.set(f.name, f);
      }
    });
    duplicates(
      form.sections,
      (s) => s,
      (j) => `forms[${i}].sections[${j}]`,
      "section",
      errors,
    );
    fieldsOfForm.set(form.id, fields);
    for (const { section, index } of sections) {
      const where = `forms[${i}] (${form.id})`;
      checkCondition(section.showWhen, fields, `sections[${index}].showWhen`, where, err);
      section.fields.forEach((f, j) => {
        const base = `sections[${index}].fields[${j}]`;
        checkCondition(f.showWhen, fields, `${base}.showWhen`, where, err);
        checkCondition(f.requiredWhen, fields, `${base}.requiredWhen`, where, err);
        if (f.municipalityField !== undefined && !fields.has(f.municipalityField)) {
          err(`${base}.municipalityField`, `field "${f.municipalityField}" is not in ${where}`);
        }
      });
    }
  });

  // proceedings
  c.proceedings.forEach((p, i) => {
    const base = `proceedings[${i}]`;
    checkRange(p, base, errors);
    if (!c.typologies.some((t) => t.code === p.typology))
      err(`${base}.typology`, `unknown typology "${p.typology}"`);
    if (!c.sectors.some((t) => t.code === p.sector)) err(`${base}.sector`, `unknown sector "${p.sector}"`);
    if (!lifeEventCodes.has(p.lifeEvent))
      err(`${base}.lifeEvent`, `life event "${p.lifeEvent}" is not described in lifeEvents`);
    if (p.territorialScope.kind === "MUNICIPALITIES") {
      p.territorialScope.municipalities.forEach((m, j) => {
        if (!istatCodes.has(m))
          err(`${base}.territorialScope.municipalities[${j}]`, `unknown municipality "${m}"`);
      });
    }
    const scope = scopeMunicipalities(c, p.territorialScope).filter((m) => istatCodes.has(m));
    if (!classCodes.has(p.competentAdministrationClass)) {
      err(
        `${base}.competentAdministrationClass`,
        `unknown administration class "${p.competentAdministrationClass}"`,
      );
    } else {
      for (const m of scope) {
        if (!resolves(p.competentAdministrationClass, m)) {
          err(
            `${base}.competentAdministrationClass`,
            `no "${p.competentAdministrationClass}" administration for municipality "${m}"`,
          );
        }
      }
    }
    const formFields = fieldsOfForm.get(p.form);
    if (!formFields) err(`${base}.form`, `unknown form "${p.form}"`);

    p.usecases.forEach((u, j) => {
      const ub = `${base}.usecases[${j}]`;
      if (!regimeCodes.has(u.regime)) err(`${ub}.regime`, `regime "${u.regime}" is not described in regimes`);
      duplicates(
        u.attachments,
        (a) => a.code,
        (k) => `${ub}.attachments[${k}].code`,
        "attachment code",
        errors,
      );
      duplicates(
        u.endoproceedings,
        (e) => e.code,
        (k) => `${ub}.endoproceedings[${k}].code`,
        "endoproceeding code",
        errors,
      );
      u.attachments.forEach((a, k) => {
        if (a.requiredWhen && formFields) {
          checkCondition(
            a.requiredWhen,
            formFields,
            `${ub}.attachments[${k}].requiredWhen`,
            `form "${p.form}"`,
            err,
          );
        }
        if (a.mandatory && a.requiredWhen)
          err(`${ub}.attachments[${k}].requiredWhen`, "a mandatory attachment needs no condition");
      });
      u.endoproceedings.forEach((e, k) => {
        const eb = `${ub}.endoproceedings[${k}]`;
        if (!classCodes.has(e.agencyClass))
          err(`${eb}.agencyClass`, `unknown administration class "${e.agencyClass}"`);
        else {
          for (const m of scope) {
            if (!resolves(e.agencyClass, m))
              err(`${eb}.agencyClass`, `no "${e.agencyClass}" entity for municipality "${m}"`);
          }
        }
        if (e.linkedUsecase !== undefined) {
          if (!usecaseCodes.has(e.linkedUsecase))
            err(`${eb}.linkedUsecase`, `unknown usecase "${e.linkedUsecase}"`);
          else if (e.linkedUsecase === u.code) err(`${eb}.linkedUsecase`, "a usecase cannot link to itself");
        }
      });
      duplicates(
        u.fees.diritti,
        (d) => d.municipality,
        (k) => `${ub}.fees.diritti[${k}].municipality`,
        "fee row",
        errors,
      );
      u.fees.diritti.forEach((d, k) => {
        if (d.municipality !== "*" && !istatCodes.has(d.municipality)) {
          err(`${ub}.fees.diritti[${k}].municipality`, `unknown municipality "${d.municipality}"`);
        }
      });
      const hasDefault = u.fees.diritti.some((d) => d.municipality === "*");
      for (const m of scope) {
        if (!hasDefault && !u.fees.diritti.some((d) => d.municipality === m)) {
          err(`${ub}.fees.diritti`, `no diritti for municipality "${m}" and no "*" default`);
        }
      }
    });
  });
  return errors;
}

function checkCondition(
  condition: Condition | undefined,
  fields: Map<string, Field>,
  path: string,
  where: string,
  err: (path: string, message: string) => void,
) {
  if (!condition) return;
  const field = fields.get(condition.field);
  if (!field) {
    err(`${path}.field`, `field "${condition.field}" is not in ${where}`);
    return;
  }
  const values = [condition.equals, condition.notEquals, ...(condition.in ?? [])].filter(
    (v): v is string => v !== undefined,
  );
  const allowed = field.options
    ? field.options.map((o) => o.value)
    : field.type === "boolean" || field.type === "declaration"
      ? ["true", "false"]
      : null;
  for (const v of values) {
    if (allowed && !allowed.includes(v)) {
      err(path, `value "${v}" is not an option of field "${condition.field}" (${allowed.join(", ")})`);
    }
  }
}
