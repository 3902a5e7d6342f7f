import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { instanceDescriptor } from "~/server/filing/descriptor.server";
import { loadDraft, saveSection, startDraft } from "~/server/filing/drafts.server";
import { moduloDraft, moduloLabels, submitPratica } from "~/server/filing/submit.server";
import { ensureModuli } from "~/server/modulo/modulo.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { completeDraft } from "../filing/support";
import { descriptorValidator } from "../filing/ssu-schema";

// The unified-form gate (issue 16, ADR 0027): the modulo is built and validated when the summary is shown and
// stored by the hash of what it was built from; the submission reads the stored result; a failing modulo blocks
// the submission with sentences on the fields; a pratica with no modulo never touches the table.

const NOW = new Date("2026-03-02T09:30:00Z");
const key = () => randomUUID().replace(/-/g, "");

describe.each(DATABASES)("unified-form gate on %s", (kind) => {
  let test: TestDatabase;
  const files = new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-modulo-")));
  const services: EngineServices = { files, publicUrl: "http://localhost:3000" };
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
  });
  afterAll(async () => {
    await test.drop();
  });

  const rows = (praticaId: string) =>
    test.handle.db.selectFrom("moduli").selectAll().where("pratica_id", "=", praticaId).execute();

  it("validates at the summary, caches by the answers' hash, and the submission files the stored valid modulo", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, files, owner);
    const ctx = await loadDraft(db, owner, id);

    const first = await ensureModuli(db, moduloDraft(ctx), moduloLabels(ctx), NOW);
    expect(first).toEqual([
      expect.objectContaining({
        usecase: "VICINATO_APERTURA_NON_ALIMENTARE",
        valid: true,
        problems: [],
        fresh: true,
      }),
    ]);
    const stored = await rows(id);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.xml).toContain("<mesviap:esercizio_vicinato_apertura");

    // shown again with the same answers: read from the table, not rebuilt
    const again = await ensureModuli(db, moduloDraft(ctx), moduloLabels(ctx), NOW);
    expect(again[0]).toMatchObject({ fresh: false, valid: true, sha256: stored[0]!.sha256 });

    const result = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: key(),
      declared: true,
      now: NOW,
    });
    expect(result.ok).toBe(true);
    const after = await rows(id);
    expect(after).toHaveLength(1);
    expect(after[0]!.sha256).toBe(stored[0]!.sha256);
    expect(new Date(after[0]!.checked_at as unknown as string).getTime()).toBe(NOW.getTime());

    // the descriptor names AgID's form and phase and points at the XML modulo by its hash
    const pratica = await db
      .selectFrom("pratiche")
      .select("cui")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const descriptor = (await instanceDescriptor(db, owner.principal, pratica.cui!)) as any;
    const validate = descriptorValidator();
    expect(validate(descriptor), JSON.stringify(validate.errors)).toBe(true);
    const uc = descriptor.usecase_proceedings.find((u: any) => u.code === "VICINATO_APERTURA_NON_ALIMENTARE");
    expect(uc.form).toEqual({
      xsd: { code: "mod_esercizio_vicinato_apertura", version: "1.0.0" },
      schematron: { code: "mod_esercizio_vicinato_apertura", version: "1.0.0", phase: ["non_alimentare_ph"] },
    });
    expect(uc.instance).toMatchObject({
      hash: stored[0]!.sha256,
      alg_hash: "S256",
      mime_type: "application/xml",
    });
  });

  it("a changed answer makes the stored check stale; a failing modulo blocks the submission on the field, nothing filed", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, files, owner);
    let ctx = await loadDraft(db, owner, id);
    await ensureModuli(db, moduloDraft(ctx), moduloLabels(ctx), NOW);
    const before = (await rows(id))[0]!;

    const form = new FormData();
    for (const [k, v] of Object.entries(ctx.answers)) if (typeof v === "string") form.set(k, v);
    form.set("catasto_foglio", "12/A");
    const saved = await saveSection(db, owner, id, "sede_attivita", form, { validate: true });
    expect(saved.ok).toBe(true);
    ctx = await loadDraft(db, owner, id);

    const result = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: key(),
      declared: true,
      now: NOW,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(400);
    const foglio = result.errors.find((e) => e.field === "catasto_foglio");
    expect(foglio?.message.it).toMatch(/^Controlla «[^»]+»: il modulo unificato nazionale non lo accetta/);
    expect((foglio as { href?: string }).href).toBe(
      `/pratiche/${id}/sezioni/sede_attivita?ritorno=riepilogo#catasto_foglio`,
    );
    // the stale check was recomputed by the submission (new hash, invalid) and nothing was filed
    const now = (await rows(id))[0]!;
    expect(now.input_hash).not.toBe(before.input_hash);
    expect(now.valid).toBe(false);
    const p = await db
      .selectFrom("pratiche")
      .select(["status", "cui"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(p).toEqual({ status: "draft", cui: null });
  });

  it("a pratica whose usecases have no modulo never reads or writes the table", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const started = await startDraft(db, owner, {
      codes: ["VICINATO_APERTURA_ALIMENTARE"],
      chosen: [],
      municipality: "050039",
      businessId: null,
    });
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    const ctx = await loadDraft(db, owner, started.id);
    expect(await ensureModuli(db, moduloDraft(ctx))).toEqual([]);
    expect(await rows(started.id)).toEqual([]);
  });
});
