import { canonicalJson, sha256Hex } from "./hash";
import { resolveForm } from "./query";
import type { Catalogue, Proceeding } from "./schema";

/** Stable content hash of a whole catalogue version ("sha256:<hex>" over canonical JSON). */
export function catalogueHash(catalogue: Catalogue): string {
  return `sha256:${sha256Hex(canonicalJson(catalogue))}`;
}

/**
 * Content hash of one proceeding as a pratica sees it: the proceeding with its usecases and its resolved
 * form, so a change to a shared form section changes every proceeding that uses it.
 */
export function proceedingHash(catalogue: Catalogue, proceeding: Proceeding): string {
  const form = catalogue.forms.some((f) => f.id === proceeding.form)
    ? resolveForm(catalogue, proceeding.form)
    : null;
  return `sha256:${sha256Hex(canonicalJson({ proceeding, form }))}`;
}

export interface ProceedingChange {
  code: string;
  oldVersion: string;
  newVersion: string;
  /** False means the content changed under the same version number: refuse the new catalogue. */
  versionBumped: boolean;
  changedUsecases: string[];
}

export interface CatalogueDiff {
  sameContent: boolean;
  catalogueVersionBumped: boolean;
  added: string[];
  removed: string[];
  changed: ProceedingChange[];
  unchanged: string[];
  /** Reference data other than proceedings (entities, municipalities, desks, classes...) changed. */
  referenceDataChanged: boolean;
}

/**
 * What changed between two catalogue versions. A catalogue version that a pratica references is never altered:
 * any change must come as a new catalogue version, and a changed proceeding must carry a new version.
 */
export function diffCatalogue(oldCat: Catalogue, newCat: Catalogue): CatalogueDiff {
  const oldBy = new Map(oldCat.proceedings.map((p) => [p.code, p]));
  const newBy = new Map(newCat.proceedings.map((p) => [p.code, p]));
  const added = [...newBy.keys()].filter((k) => !oldBy.has(k));
  const removed = [...oldBy.keys()].filter((k) => !newBy.has(k));
  const changed: ProceedingChange[] = [];
  const unchanged: string[] = [];
  for (const [code, before] of oldBy) {
    const after = newBy.get(code);
    if (!after) continue;
    if (proceedingHash(oldCat, before) === proceedingHash(newCat, after)) {
      unchanged.push(code);
      continue;
    }
    const oldUsecases = new Map(before.usecases.map((u) => [u.code, canonicalJson(u)]));
    const changedUsecases = after.usecases
      .filter((u) => oldUsecases.get(u.code) !== canonicalJson(u))
      .map((u) => u.code)
      .concat(
        before.usecases.filter((u) => !after.usecases.some((x) => x.code === u.code)).map((u) => u.code),
      );
    changed.push({
      code,
      oldVersion: before.version,
      newVersion: after.version,
      versionBumped: before.version !== after.version,
      changedUsecases,
    });
  }
  return {
    sameContent: catalogueHash(oldCat) === catalogueHash(newCat),
    catalogueVersionBumped: oldCat.version !== newCat.version,
    added,
    removed,
    changed,
    unchanged,
    referenceDataChanged: canonicalJson(referenceData(oldCat)) !== canonicalJson(referenceData(newCat)),
  };
}

/** Problems that forbid publishing `newCat` as the successor of `oldCat`; empty when it may be published. */
export function publicationProblems(diff: CatalogueDiff): string[] {
  const problems: string[] = [];
  if (!diff.sameContent && !diff.catalogueVersionBumped) {
    problems.push("the content changed but the catalogue version did not: publish it as a new version");
  }
  for (const c of diff.changed) {
    if (!c.versionBumped) problems.push(`proceeding ${c.code} changed but kept version ${c.oldVersion}`);
  }
  return problems;
}

function referenceData(c: Catalogue) {
  const { proceedings, version, ...rest } = c;
  return rest;
}
