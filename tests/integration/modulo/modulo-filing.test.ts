import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { instanceDescriptor } from "~/server/filing/descriptor.server";
import { loadDraft, saveSection } from "~/server/filing/drafts.server";
import { submitPratica } from "~/server/filing/submit.server";
import { loadAgidForm, validateModulo } from "~/server/modulo/agid.server";
import { MODULO_KIND } from "~/server/modulo/store.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { userByEmail } from "../support/factories";
import { completeDraft } from "../filing/support";

const NOW = new Date("2026-03-02T09:30:00Z");

/**
 * Issue 16, the unified form as XML: a neighbourhood shop filed on both databases carries AgID's modulo,
 * valid against the XSD and the Schematron phase, stored as a document and named by the SSU instance; an
 * answer the modulo cannot take stops the submission with a sentence linked to its section, and nothing of
 * the submission is written.
 */
describe.each(DATABASES)("the XML modulo of a vicinato pratica on %s", (kind) => {
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

  it("is built from the answers, validated, stored with the filing and carried in the instance", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, files, owner);
    const result = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: NOW,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));

    const docs = await db
      .selectFrom("documents")
      .selectAll()
      .where("pratica_id", "=", id)
      .where("kind", "=", MODULO_KIND)
      .execute();
    expect(docs).toHaveLength(1);
    const xml = new TextDecoder().decode(await files.get(docs[0].storage_key));
    expect(xml).toContain("<mesviap:esercizio_vicinato_apertura");
    // The answers are in it, coded as AgID's vocabularies want them.
    expect(xml).toContain("<epers:codice_fiscale>RSSMRA80A41M126H</epers:codice_fiscale>");
    expect(xml).toContain("<epers:sesso>femmina</epers:sesso>");
    expect(xml).toContain("<epers:data_nascita>1980-01-01</epers:data_nascita>");
    expect(xml).toContain("<eindita:comune>050039</eindita:comune>");
    expect(xml).toContain("<esetmer:non_alimentare>45</esetmer:non_alimentare>");
    // Valid on its own, checked again here with the non-food phase.
    const form = loadAgidForm("mod_esercizio_vicinato_apertura");
    expect(await validateModulo(form, xml, "non_alimentare_ph")).toEqual({ xsd: [], schematron: [] });
    // The alimentare phase refuses the same XML: the phase matters.
    const food = await validateModulo(form, xml, "alimentare_ph");
    expect(food.schematron.map((f) => f.id)).toContain("ass_vendita_alimentare");

    const descriptor = await instanceDescriptor(db, owner.principal, result.pratica.cui);
    const usecase = descriptor?.usecase_proceedings.find(
      (u) => u.code === "VICINATO_APERTURA_NON_ALIMENTARE",
    );
    expect(usecase?.instance).toEqual({
      ref: docs[0].id,
      filename: "mod_esercizio_vicinato_apertura.xml",
      hash: docs[0].sha256,
      alg_hash: "S256",
    });
  });

  it("refuses answers the modulo cannot take, says which to fix and where, and writes nothing", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const id = await completeDraft(db, files, owner);
    const user = owner;
    const bad = new FormData();
    const ctx = await loadDraft(db, user, id);
    for (const [k, v] of Object.entries(ctx.answers)) if (typeof v === "string") bad.set(k, v);
    bad.set("catasto_foglio", "12A");
    bad.set("dich_cittadinanza", "marziana");
    for (const section of ["sede_attivita", "dichiarante"]) {
      const saved = await saveSection(db, user, id, section, bad, { validate: true });
      if (!saved.ok) throw new Error(JSON.stringify(saved.errors));
    }
    const before = await db
      .selectFrom("pratiche")
      .select(["status", "cui", "submission_key"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const refused = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: NOW,
    });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.status).toBe(400);
    // The XSD refuses the sheet first (the Schematron only runs on a structurally valid modulo).
    expect(refused.errors).toEqual([
      expect.objectContaining({
        field: "catasto_foglio",
        href: `/pratiche/${id}/sezioni/sede_attivita?ritorno=riepilogo#catasto_foglio`,
        message: expect.objectContaining({ it: expect.stringMatching(/foglio catastale è un numero/) }),
      }),
    ]);
    // Fix the sheet: the citizenship is what the Schematron refuses now.
    bad.set("catasto_foglio", "12");
    await saveSection(db, user, id, "sede_attivita", bad, { validate: true });
    const again = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
      now: NOW,
    });
    expect(again.ok).toBe(false);
    if (!again.ok) {
      expect(again.errors.map((e) => (e as { href?: string }).href)).toEqual([
        `/pratiche/${id}/sezioni/dichiarante?ritorno=riepilogo#dich_cittadinanza`,
      ]);
      expect(again.errors[0].message.it).toMatch(/cittadinanza con il nome dello Stato/);
    }
    // Nothing half-written: still a draft, no CUI, no documents, no events, no protocol entry.
    const after = await db
      .selectFrom("pratiche")
      .select(["status", "cui", "submission_key"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect(after.status).toBe("draft");
    const docs = await db.selectFrom("documents").select("id").where("pratica_id", "=", id).execute();
    expect(docs).toEqual([]);
    const events = await db.selectFrom("events").select("seq").where("pratica_id", "=", id).execute();
    expect(events).toEqual([]);
  });
});
