import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as attachmentsPage from "~/routes/pratiche.$id.allegati";
import * as sectionPage from "~/routes/pratiche.$id.sezioni.$section";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { loadDraft, sectionPlace } from "~/server/filing/drafts.server";
import { addAttachment } from "~/server/filing/uploads.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { CSRF, cookieFor, get, post, useTestEnv } from "../desk/support";
import { userByEmail } from "../support/factories";
import { ANSWERS, completeDraft, LIMITS, PDF } from "./support";

/**
 * The filing form's small dead ends (issue 12), through the real loaders and actions with session cookies:
 * "Salva e continua" leads to the next section the pratica shows (the summary after the last), the counter
 * counts only those sections, the same file for the same slot is kept once, and a draft's file is removed.
 */
async function settle<T>(fn: () => Promise<T>): Promise<T | Response> {
  try {
    return await fn();
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

function upload(url: string, cookie: string, code: string, bytes: Uint8Array, name: string, key: string) {
  const body = new FormData();
  body.set("_csrf", CSRF);
  body.set("code", code);
  body.set("uploadKey", key);
  body.set("file", new File([new Uint8Array(bytes)], name, { type: "application/pdf" }));
  return new Request(`http://localhost${url}`, { method: "POST", body, headers: { Cookie: cookie } });
}

describe.each(DATABASES)("the filing form's steps on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let draft: string;
  let cookie: string;

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    const owner = await userByEmail(test.handle.db, "impresa@demo.test");
    draft = await completeDraft(test.handle.db, services.files, owner);
    cookie = await cookieFor(test.handle.db, "impresa@demo.test");
  }, 300_000);
  afterAll(() => test?.drop());

  it("places each section among those the pratica shows, and names the next one", async () => {
    const owner = await userByEmail(test.handle.db, "impresa@demo.test");
    const { bundle } = await loadDraft(test.handle.db, owner, draft);
    const place = (id: string, answers = ANSWERS) => sectionPlace(bundle.form, answers, id);
    // The holder files himself: the intermediary's section is hidden and not counted.
    expect(place("dichiarante")).toEqual({ position: 1, count: 6, next: "impresa" });
    expect(place("sede_attivita")).toEqual({ position: 3, count: 6, next: "vicinato" });
    expect(place("dichiarazioni_finali")).toEqual({ position: 6, count: 6, next: null });
    // A hidden section has no place; going on from it leads to the next one shown.
    expect(place("intermediario")).toEqual({ position: null, count: 6, next: "sede_attivita" });
    // Filed by an intermediary, the section is shown and counted.
    const byIntermediary = { ...ANSWERS, ruolo_dichiarante: "INTERMEDIARIO" };
    expect(place("dichiarante", byIntermediary).next).toBe("impresa");
    expect(place("impresa", byIntermediary).next).toBe("intermediario");
    expect(place("sede_attivita", byIntermediary)).toEqual({ position: 4, count: 7, next: "vicinato" });
  });

  it("says «Sezione N di M» from the loader and continues to the next section, the summary after the last", async () => {
    const section = (id: string) => ({ id: draft, section: id });
    const url = (id: string) => `/pratiche/${draft}/sezioni/${id}`;
    const loaded = (await settle(() =>
      sectionPage.loader({
        request: get(url("sede_attivita"), cookie),
        params: section("sede_attivita"),
        context: {},
      }),
    )) as Awaited<ReturnType<typeof sectionPage.loader>>;
    expect({ position: loaded.position, count: loaded.count }).toEqual({ position: 3, count: 6 });

    const fields = (id: string) => {
      const out: Record<string, string> = {};
      for (const f of loaded.section.id === id ? loaded.section.fields : [])
        out[f.name] = ANSWERS[f.name] ?? "";
      return out;
    };
    const saved = (await settle(() =>
      sectionPage.action({
        request: post(url("sede_attivita"), cookie, { ...fields("sede_attivita"), intent: "continue" }),
        params: section("sede_attivita"),
        context: {},
      }),
    )) as Response;
    expect(saved.status).toBe(302);
    expect(saved.headers.get("Location")).toBe(`/pratiche/${draft}/sezioni/vicinato`);

    // The last section: the summary comes next.
    const last = (await settle(() =>
      sectionPage.action({
        request: post(url("dichiarazioni_finali"), cookie, {
          dich_veridicita: "true",
          dich_privacy: "true",
          intent: "continue",
        }),
        params: section("dichiarazioni_finali"),
        context: {},
      }),
    )) as Response;
    expect(last.headers.get("Location")).toBe(`/pratiche/${draft}/riepilogo`);

    // "Salva ed esci": the task list, with the "saved" notice.
    const leave = (await settle(() =>
      sectionPage.action({
        request: post(url("vicinato"), cookie, {
          settore_merceologico: "NON_ALIMENTARE",
          superficie_vendita: "45",
          intent: "leave",
        }),
        params: section("vicinato"),
        context: {},
      }),
    )) as Response;
    expect(leave.headers.get("Location")).toBe(`/pratiche/${draft}?salvata=1`);

    // A section with an error stays where it is, with the error (nothing moves on).
    const wrong = (await settle(() =>
      sectionPage.action({
        request: post(url("sede_attivita"), cookie, {
          ...fields("sede_attivita"),
          sede_cap: "50100",
          intent: "continue",
        }),
        params: section("sede_attivita"),
        context: {},
      }),
    )) as Response;
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(await wrong.json())).toContain("Il CAP 50100 non appartiene al Comune scelto");
  });

  it("keeps the same file once per attachment slot, says so, and removes a file of the draft", async () => {
    const { db } = test.handle;
    const owner = await userByEmail(db, "impresa@demo.test");
    const rows = (code: string) =>
      db
        .selectFrom("attachments")
        .select(["id", "filename"])
        .where("pratica_id", "=", draft)
        .where("code", "=", code)
        .execute();
    expect(await rows("PLANIMETRIA")).toHaveLength(1);
    // The same bytes again for the same slot (a second click on "Carica", a new form): nothing is added.
    const again = await addAttachment(db, services.files, owner, {
      praticaId: draft,
      code: "PLANIMETRIA",
      filename: "planimetria-copia.pdf",
      bytes: PDF,
      purpose: "filing",
      limits: LIMITS,
      uploadKey: crypto.randomUUID(),
    });
    expect(again).toMatchObject({ ok: true, duplicate: true });
    expect(await rows("PLANIMETRIA")).toHaveLength(1);

    // Through the page: the answer sends the user to a notice saying nothing was added.
    const url = `/pratiche/${draft}/allegati`;
    const page = (await settle(() =>
      attachmentsPage.action({
        request: upload(url, cookie, "PLANIMETRIA", PDF, "planimetria.pdf", crypto.randomUUID()),
        params: { id: draft },
        context: {},
      }),
    )) as Response;
    expect(page.status).toBe(302);
    expect(page.headers.get("Location")).toBe(`${url}?gia=planimetria.pdf&documento=PLANIMETRIA`);
    expect(await rows("PLANIMETRIA")).toHaveLength(1);
    // The same bytes in another slot are another document of the draft (the slot is the attachment code).
    expect(await rows("DOC_IDENTITA")).toHaveLength(1);

    // Removing: a plain POST with the form's token; the row goes, the page names the file.
    const [file] = await rows("PLANIMETRIA");
    const forged = await settle(() =>
      attachmentsPage.action({
        request: post(url, cookie, { intent: "remove", attachment: file!.id }, "forged"),
        params: { id: draft },
        context: {},
      }),
    );
    expect((forged as Response).status).toBe(403);
    expect(await rows("PLANIMETRIA")).toHaveLength(1);
    const removed = (await settle(() =>
      attachmentsPage.action({
        request: post(url, cookie, { intent: "remove", attachment: file!.id }),
        params: { id: draft },
        context: {},
      }),
    )) as Response;
    expect(removed.headers.get("Location")).toBe(`${url}?rimosso=${encodeURIComponent(file!.filename)}`);
    expect(await rows("PLANIMETRIA")).toHaveLength(0);
    const listed = (await settle(() =>
      attachmentsPage.loader({ request: get(url, cookie), params: { id: draft }, context: {} }),
    )) as Awaited<ReturnType<typeof attachmentsPage.loader>>;
    expect(listed.uploaded.map((u) => u.code).sort()).toEqual(["DOC_IDENTITA", "RICEVUTA_DIRITTI"]);
    // Once removed, the same file may be uploaded again.
    const back = await addAttachment(db, services.files, owner, {
      praticaId: draft,
      code: "PLANIMETRIA",
      filename: "planimetria.pdf",
      bytes: PDF,
      purpose: "filing",
      limits: LIMITS,
    });
    expect(back).toMatchObject({ ok: true });
    expect("duplicate" in back && back.duplicate).toBeFalsy();
    expect(await rows("PLANIMETRIA")).toHaveLength(1);
  });
});
