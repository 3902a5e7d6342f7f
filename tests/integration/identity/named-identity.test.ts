import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCurrentUser, openSession } from "~/server/auth/session.server";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { eventHash, verifyChains } from "~/server/engine/audit.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { instanceDescriptor } from "~/server/filing/descriptor.server";
import { submitPratica } from "~/server/filing/submit.server";
import { LocalFileStore } from "~/server/storage.server";
import { get, useTestEnv } from "../desk/support";
import { completeDraft } from "../filing/support";
import { descriptorValidator } from "../filing/ssu-schema";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";

/**
 * Issue 13: the receipt, the audit log and the SSU descriptor name the signed-in person, their fiscal code
 * and the level of assurance of the sign-in that filed.
 */
describe.each(DATABASES)("the person who filed, named on %s", (kind) => {
  let test: TestDatabase;
  const root = mkdtempSync(path.join(os.tmpdir(), "suap-named-"));
  const files = new LocalFileStore(root);
  const services: EngineServices = { files, publicUrl: "http://localhost:3000" };
  beforeAll(async () => {
    useTestEnv();
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
  }, 180_000);
  afterAll(async () => {
    await test.drop();
  });

  it("a SPID level 2 filing: audit entry, receipt PDF and descriptor say who and how", async () => {
    const { db } = test.handle;
    const maria = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "impresa@demo.test")
      .executeTakeFirstOrThrow();
    const { setCookie } = await openSession(db, maria.id, {
      method: "spid",
      loa: 2,
      fiscalCode: "RSSMRA80A41M126H",
    });
    const user = await getCurrentUser(get("/pratiche", setCookie.split(";")[0]!));
    if (!user) throw new Error("not signed in");
    const id = await completeDraft(db, files, user);
    const result = await submitPratica(db, services, user, {
      praticaId: id,
      submissionKey: randomUUID(),
      declared: true,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));

    const events = await db
      .selectFrom("events")
      .select(["type", "actor_identity"])
      .where("pratica_id", "=", id)
      .orderBy("seq")
      .execute();
    const submit = events.find((e) => e.type === "SUBMIT");
    expect(submit?.actor_identity).toEqual({
      name: "Maria Rossi",
      fiscalCode: "RSSMRA80A41M126H",
      method: "spid",
      loa: 2,
    });
    // The system's own step names nobody.
    expect(events.find((e) => e.type === "PROTOCOL")?.actor_identity).toBeNull();
    // The identity is covered by the hash: changing it breaks the chain, and the untouched chain verifies.
    expect((await verifyChains(db, id)).problems).toEqual([]);
    const rewrite = (value: unknown) =>
      sql`update events set actor_identity = ${JSON.stringify(value)}::jsonb where pratica_id = ${id} and type = 'SUBMIT'`.execute(
        db,
      );
    await rewrite({ ...submit!.actor_identity, loa: 3 });
    const broken = await verifyChains(db, id);
    expect(broken.problems.map((p) => p.seq)).toEqual([1]);
    await rewrite(submit!.actor_identity);
    expect((await verifyChains(db, id)).problems).toEqual([]);
    // An entry without an identity (written before 0012) hashes as before: the field is left out, not null.
    const base = {
      praticaId: id,
      seq: 1,
      type: "SUBMIT",
      actorUserId: null,
      actorKind: "x",
      payload: {},
      stateBefore: null,
      stateAfter: "submitted",
      at: "2026-01-01T00:00:00.000Z",
    };
    expect(eventHash("0", { ...base, actorIdentity: null })).toBe(eventHash("0", base));

    const receipt = await db
      .selectFrom("documents")
      .select("storage_key")
      .where("pratica_id", "=", id)
      .where("kind", "=", "ricevuta")
      .executeTakeFirstOrThrow();
    const dir = mkdtempSync(path.join(os.tmpdir(), "suap-named-pdf-"));
    const pdfPath = path.join(dir, "ricevuta.pdf");
    writeFileSync(pdfPath, await files.get(receipt.storage_key));
    const text = execFileSync("pdftotext", ["-layout", pdfPath, "-"]).toString();
    expect(text).toContain("Presentata da");
    expect(text).toContain("Maria Rossi");
    expect(text).toContain("RSSMRA80A41M126H");
    expect(text).toMatch(/SPID, livello di sicurezza 2/);

    const descriptor = await instanceDescriptor(db, user.principal, result.pratica.cui);
    expect(descriptor?.submitter).toEqual({
      name: "Maria Rossi",
      fiscal_code: "RSSMRA80A41M126H",
      authentication: "spid",
      level_of_assurance: 2,
    });
    const validate = descriptorValidator();
    expect(validate(descriptor), JSON.stringify(validate.errors)).toBe(true);
  });
});
