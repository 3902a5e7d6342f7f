// Issue 12, the journey as people meet it: one final date while suspended (the page's table agrees with the
// header and the worklist column), the outcome stated in words (pages, "Le mie pratiche", the final PDF), the
// answers and attachments in the catalogue's words, and the declarant's PEC actually receiving the acts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch, type EngineServices } from "~/server/engine/engine.server";
import { listMyPratiche } from "~/server/filing/queries.server";
import { renderTemplate, type TemplateFacts } from "~/i18n/mail";
import { loadPraticaView } from "~/server/pratiche/view.server";
import { LocalFileStore } from "~/server/storage.server";
import { importCatalogueText } from "~/server/catalogue/import.server";
import { shippedText } from "../catalogue/support/catalogue";
import { findCodes, internalCodes } from "../../e2e/support/internal-codes";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica, userByEmail, workflowInput } from "../support/factories";

const tmp = mkdtempSync(path.join(os.tmpdir(), "suap-journey-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const services: EngineServices = {
  files: new LocalFileStore(path.join(tmp, "files")),
  publicUrl: "http://localhost:3000",
};

const ANSWERS = {
  ruolo_dichiarante: "TITOLARE",
  dich_nome: "Maria",
  dich_cognome: "Rossi",
  dich_pec: "Maria.Rossi@pec.demo.test",
  forma_giuridica: "IMPRESA_INDIVIDUALE",
  impresa_denominazione: "Bottega Rossi",
  sede_comune: "050039",
  dich_veridicita: "true",
};

function pdfText(bytes: Buffer): string {
  const file = path.join(tmp, `doc-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, `${file}.txt`]);
  return readFileSync(`${file}.txt`, "utf8");
}

describe.each(DATABASES)("the journey's words and dates on %s", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    // the shipped catalogue: its labels are the words the pages must use
    await importCatalogueText(test.handle.db, shippedText());
  });
  afterAll(async () => {
    await test.drop();
  });

  async function filed(regime: "scia" | "autorizzazione", at: string) {
    const { db } = test.handle;
    const { id, owner } = await draftPratica(db, { regime });
    const shipped = await db
      .selectFrom("catalogue_versions")
      .select("id")
      .orderBy("is_current", "desc")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    await db
      .updateTable("pratiche")
      .set({
        catalogue_version_id: shipped.id,
        usecases: JSON.stringify([
          regime === "scia" ? "VICINATO_APERTURA_NON_ALIMENTARE" : "SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA",
        ]),
        form_data: JSON.stringify(ANSWERS),
      })
      .where("id", "=", id)
      .execute();
    await dispatch(db, services, {
      praticaId: id,
      event: { type: "SUBMIT", at },
      actor: { kind: "user", userId: owner.id, principal: owner.principal },
      start: workflowInput(regime, 60),
    });
    await dispatch(db, services, {
      praticaId: id,
      event: { type: "PROTOCOL", at },
      actor: { kind: "system", name: "submission" },
    });
    return { id, owner };
  }

  it("sends the acts to the declarant's PEC as certified mail", async () => {
    const { db } = test.handle;
    const { id } = await filed("scia", "2026-03-02");
    const mail = await db
      .selectFrom("outbox")
      .select(["recipient", "template", "channel"])
      .where("pratica_id", "=", id)
      .where("recipient", "=", "maria.rossi@pec.demo.test")
      .execute();
    expect(mail.map((m) => m.template)).toContain("ricevuta");
    expect(mail.every((m) => m.channel === "pec")).toBe(true);
  });

  it("shows one final date while suspended: the terms table agrees with the header and the worklist column", async () => {
    const { db } = test.handle;
    const { id, owner } = await filed("autorizzazione", "2026-03-02");
    const officer = await userByEmail(db, "operatore@demo.test");
    await dispatch(db, services, {
      praticaId: id,
      event: { type: "SEND_INTEGRATION_REQUEST", at: "2026-03-10", answerDays: 20, items: ["Planimetria"] },
      actor: { kind: "user", userId: officer.id, principal: officer.principal },
    });
    const view = (await loadPraticaView(db, owner.principal, id, "2026-03-12"))!;
    expect(view.clock?.finalDueProvisional).toBe(true);
    const final = view.deadlines.find((d) => d.name === "final");
    expect(final?.due).toBe(view.clock?.finalDue);
    expect(String(view.pratica.dueDate).slice(0, 10)).toBe(view.clock?.finalDue);
    // mail names the final date with the pages' words: "al più tardi" while the term is suspended
    const facts: TemplateFacts = {
      title: "Prova",
      cui: "CUI-1",
      protocolNumber: null,
      comune: "Volterra",
      business: "Bottega Rossi",
      status: "integration_requested",
      desk: "Sportello",
      finalDue: view.clock!.finalDue,
      integrationDue: null,
      observationsDue: null,
      reasons: null,
      link: "http://localhost/x",
      audience: "applicant",
    };
    expect(renderTemplate("ricevuta", "it", { ...facts, suspended: true }).text).toContain(
      "Termine di conclusione (al più tardi, termine sospeso)",
    );
    expect(renderTemplate("ricevuta", "it", facts).text).not.toContain("al più tardi");
  });

  it("puts the answers and attachment types in the catalogue's words", async () => {
    const { db } = test.handle;
    const { id, owner } = await filed("scia", "2026-03-03");
    const view = (await loadPraticaView(db, owner.principal, id, "2026-03-04"))!;
    const byName = Object.fromEntries(view.answers.map((a) => [a.name, a]));
    expect(byName.sede_comune?.value.it).toBe("Volterra");
    expect(byName.forma_giuridica?.value.it).not.toBe("IMPRESA_INDIVIDUALE");
    expect(byName.dich_veridicita?.value.it).toBe("Sì");
    expect(byName.dich_pec?.label.it).toBe("Indirizzo PEC del dichiarante");
    expect(view.attachmentTitles.DOC_IDENTITA?.it).toMatch(/documento d'identità/);
    const shown = view.answers.flatMap((a) => [a.label.it, a.value.it]).join("\n");
    expect(findCodes(shown, internalCodes())).toEqual([]);
  });

  it("states a prohibited SCIA's outcome in words: the view, 'Le mie pratiche' and the final PDF", async () => {
    const { db } = test.handle;
    const { id, owner } = await filed("scia", "2026-03-02");
    const officer = await userByEmail(db, "operatore@demo.test");
    await dispatch(db, services, {
      praticaId: id,
      event: { type: "DENY", at: "2026-03-20", reasons: "Locali privi dei requisiti" },
      actor: { kind: "user", userId: officer.id, principal: officer.principal },
    });
    const archived = await dispatch(db, services, {
      praticaId: id,
      event: { type: "ARCHIVE", at: "2026-03-21" },
      actor: { kind: "user", userId: officer.id, principal: officer.principal },
    });
    // archiving issues no document: the desk's banner must not claim one (perform.server passes the count)
    expect(archived.documents).toEqual([]);
    const view = (await loadPraticaView(db, owner.principal, id, "2026-03-22"))!;
    expect(view.outcome).toBe("prohibited");
    const mine = (await listMyPratiche(db, owner.principal)).find((p) => p.id === id)!;
    expect(mine.outcome).toBe("prohibited");
    const doc = await db
      .selectFrom("documents")
      .select(["storage_key"])
      .where("pratica_id", "=", id)
      .where("kind", "=", "provvedimento")
      .executeTakeFirstOrThrow();
    const text = pdfText(await services.files.get(doc.storage_key));
    expect(text).toMatch(/Respinta — attività\s+vietata/);
    expect(text).toContain("Divieto di prosecuzione dell'attività");
    expect(text).not.toMatch(/Stato\s+(denied|effective)/);
    expect(text).not.toContain("efficace dalla presentazione");
    expect(findCodes(text, internalCodes())).toEqual([]);
  });
});
