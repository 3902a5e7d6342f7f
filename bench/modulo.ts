// The unified form's cost (issue 16, ADR 0027): per modulo, the XSD validation (xmllint-wasm) and the
// Schematron phase (fontoxpath) of the vicinato apertura built from the filing tests' answers, p50/p95; and the
// cost of the summary/submission check when the stored result is current (the cached hit: one hash, one indexed
// read). Next to them, the floor measured in the same run: the same indexed read of the table alone.
// Embedded database in a temporary directory. Run: npm run bench:modulo   (prints figures; never fails on time)
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadPrincipal } from "~/server/auth/session.server";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { migrateToLatest, openDatabase } from "~/server/db/db.server";
import { loadDraft } from "~/server/filing/drafts.server";
import { moduloDraft, moduloLabels } from "~/server/filing/submit.server";
import { agidSchematron, xsdBundle } from "~/server/modulo/agid.server";
import { ensureModuli, moduloAttachments, moduloSpecs } from "~/server/modulo/modulo.server";
import { validateSchematron } from "~/server/modulo/schematron.server";
import { validateXsd } from "~/server/modulo/xsd.server";
import { runtime } from "~/server/runtime.server";
import { seed } from "~/server/seed.server";
import { LocalFileStore } from "~/server/storage.server";
import { completeDraftWithout } from "./support/drafts";

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (label: string, xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${label}: p50 ${pct(s, 50).toFixed(1)} ms, p95 ${pct(s, 95).toFixed(1)} ms (n=${s.length})`;
};

const dataDir = mkdtempSync(path.join(os.tmpdir(), "suap-bench-modulo-"));
const handle = await openDatabase({ dataDir });
try {
  await migrateToLatest(handle.db);
  await seed(handle.db, { demo: true });
  await importBundledCatalogues(handle.db);
  runtime.handle = handle;
  runtime.ready = true;
  const db = handle.db;
  const files = new LocalFileStore(path.join(dataDir, "files"));
  const u = await db
    .selectFrom("users")
    .select("id")
    .where("email", "=", "impresa@demo.test")
    .executeTakeFirstOrThrow();
  const user = { id: u.id, principal: await loadPrincipal(u.id) };
  const id = await completeDraftWithout(db, files, user, "");
  const ctx = await loadDraft(db, user, id);
  const [spec] = moduloSpecs(ctx.refs);
  if (!spec) throw new Error("the vicinato apertura usecase names no modulo");
  const xml = spec.build(ctx.answers, await moduloAttachments(db, id));
  const bundle = xsdBundle(spec.xsd.path);
  const schema = agidSchematron(spec.schematron.path);

  // first use in the process: wasm instantiation, schema compilation (reported once, not in the percentiles)
  let t0 = performance.now();
  await validateXsd(xml, bundle);
  const firstXsd = performance.now() - t0;
  t0 = performance.now();
  validateSchematron(schema, xml, spec.schematron.phase);
  const firstSch = performance.now() - t0;

  const xsd: number[] = [];
  const sch: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t0 = performance.now();
    const r = await validateXsd(xml, bundle);
    xsd.push(performance.now() - t0);
    if (!r.valid) throw new Error(`modulo non valido: ${JSON.stringify(r.problems)}`);
    t0 = performance.now();
    const s = validateSchematron(schema, xml, spec.schematron.phase);
    sch.push(performance.now() - t0);
    if (s.failures.length) throw new Error(`Schematron: ${JSON.stringify(s.failures)}`);
  }

  // the summary's check when nothing changed: hash of the inputs + the stored row
  await ensureModuli(db, moduloDraft(ctx), moduloLabels(ctx));
  const hit: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < RUNS * 3; i++) {
    t0 = performance.now();
    const [st] = await ensureModuli(db, moduloDraft(ctx), moduloLabels(ctx));
    hit.push(performance.now() - t0);
    if (st?.fresh) throw new Error("the cached result was not used");
    t0 = performance.now();
    await db.selectFrom("moduli").select("valid").where("pratica_id", "=", id).executeTakeFirst();
    floor.push(performance.now() - t0);
  }
  console.log(
    `modulo ${spec.xsd.code} ${spec.xsd.version}, ${Buffer.byteLength(xml)} bytes, phase ${spec.schematron.phase.join(",")}`,
  );
  console.log(
    `first use in the process: XSD ${firstXsd.toFixed(0)} ms, Schematron ${firstSch.toFixed(0)} ms`,
  );
  console.log(summary("XSD (xmllint-wasm) per modulo", xsd));
  console.log(summary("Schematron phase (fontoxpath) per modulo", sch));
  console.log(summary("cached hit (summary or submission, nothing changed)", hit));
  console.log(summary("floor: the same indexed read of moduli alone", floor));
  console.log(
    `load average: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")} on ${os.cpus().length} CPUs`,
  );
} finally {
  await handle.close();
  rmSync(dataDir, { recursive: true, force: true });
}
