import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as atto from "~/routes/pratiche.$id.atti.$act";
import { todayInRome } from "~/server/engine/deadlines.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { addDays } from "../../../workflows/clock";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { submitPratica } from "~/server/filing/submit.server";
import { removeAnswerFile } from "~/server/filing/acts.server";
import { PDFDocument } from "pdf-lib";
import { actAs, CSRF, cookieFor, get, post, useTestEnv } from "../desk/support";
import { userByEmail } from "../support/factories";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { completeDraft, PDF } from "./support";

/**
 * The business answers an integration request (issue 12): the page says what was asked; each upload is stored
 * and the page comes back with an empty file field (the same file is not attached twice by a second click);
 * the answer goes to the desk only when the business sends it, with every file uploaded for it.
 */
function multipart(
  url: string,
  cookie: string,
  fields: Record<string, string>,
  file?: Uint8Array,
  name = "a.pdf",
) {
  const body = new FormData();
  body.set("_csrf", CSRF);
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  if (file) body.set("file", new File([new Uint8Array(file)], name, { type: "application/pdf" }));
  return new Request(`http://localhost${url}`, { method: "POST", body, headers: { Cookie: cookie } });
}

/** A real one-page PDF whose bytes differ by its text (another document, another hash). */
async function pdfSaying(text: string) {
  const doc = await PDFDocument.create();
  doc.addPage().drawText(text);
  return doc.save();
}

async function run<T>(fn: () => Promise<T>): Promise<T | Response> {
  try {
    return await fn();
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

describe.each(DATABASES)("answering an integration with several files on %s", (kind) => {
  let test: TestDatabase;
  let services: EngineServices;
  let id: string;
  let cookie: string;
  const url = () => `/pratiche/${id}/atti/INTEGRATION_RECEIVED`;
  const load = () =>
    run(() =>
      atto.loader({ request: get(url(), cookie), params: { id, act: "INTEGRATION_RECEIVED" }, context: {} }),
    );
  const act = (request: Request) =>
    run(() => atto.action({ request, params: { id, act: "INTEGRATION_RECEIVED" }, context: {} }));
  const status = async () =>
    (
      await test.handle.db
        .selectFrom("pratiche")
        .select("status")
        .where("id", "=", id)
        .executeTakeFirstOrThrow()
    ).status;

  beforeAll(async () => {
    services = useTestEnv();
    test = await useMigratedDatabase(kind);
    const { db } = test.handle;
    // Relative to today: the act is offered only while the answer's term runs.
    const today = todayInRome();
    await importBundledCatalogues(db);
    const owner = await userByEmail(db, "impresa@demo.test");
    id = await completeDraft(db, services.files, owner);
    const filed = await submitPratica(db, services, owner, {
      praticaId: id,
      submissionKey: `answer-test-${id}`,
      declared: true,
      now: new Date(Date.now() - 5 * 86_400_000),
    });
    if (!filed.ok) throw new Error(JSON.stringify(filed.errors));
    await actAs(db, services, "operatore@demo.test", id, {
      type: "SEND_INTEGRATION_REQUEST",
      at: addDays(today, -2),
      answerDays: 30,
      items: ["Planimetria dei locali aggiornata", "Valutazione di impatto acustico"],
    });
    cookie = await cookieFor(db, "impresa@demo.test");
    // Generous: a real filing with sealed PDFs on a loaded machine.
  }, 300_000);
  afterAll(() => test?.drop());

  it("shows what was asked, keeps each upload, and sends the answer only when the business says so", async () => {
    const first = await load();
    if (first instanceof Response)
      throw new Error(`loader ${first.status} ${first.headers.get("Location")} ${await first.text()}`);
    const page = first;
    expect(page.asked.flatMap((g) => g.items)).toEqual([
      "Planimetria dei locali aggiornata",
      "Valutazione di impatto acustico",
    ]);
    expect(page.files).toEqual([]);

    // Sending with nothing uploaded is refused with a sentence, and nothing changes.
    const empty = (await act(multipart(url(), cookie, { intent: "send" }))) as Response;
    expect(empty.status).toBe(400);
    expect(JSON.stringify(await empty.json())).toContain("Carica almeno un documento");
    expect(await status()).toBe("integration_requested");

    // Two uploads: each comes back to the page (a fresh form), the pratica still waits for the answer.
    const acoustic = await pdfSaying("Valutazione di impatto acustico");
    for (const [name, bytes] of [
      ["planimetria.pdf", PDF],
      ["acustica.pdf", acoustic],
    ] as const) {
      const up = (await act(
        multipart(url(), cookie, { intent: "upload", uploadKey: name }, bytes, name),
      )) as Response;
      expect(up.status).toBe(302);
      expect(up.headers.get("Location")).toBe(`${url()}?caricato=1`);
    }
    // A retried upload (same form key, same bytes) is stored once.
    await act(
      multipart(url(), cookie, { intent: "upload", uploadKey: "acustica.pdf" }, acoustic, "acustica.pdf"),
    );
    // The same document again from a fresh form (a second click on "Carica"): not added, and the page says so.
    const again = (await act(
      multipart(url(), cookie, { intent: "upload", uploadKey: "fresh-form" }, PDF, "planimetria (1).pdf"),
    )) as Response;
    expect(again.status).toBe(302);
    expect(again.headers.get("Location")).toBe(`${url()}?gia=1`);
    const told = (await run(() =>
      atto.loader({
        request: get(`${url()}?gia=1`, cookie),
        params: { id, act: "INTEGRATION_RECEIVED" },
        context: {},
      }),
    )) as Awaited<ReturnType<typeof atto.loader>>;
    expect(told.duplicate).toBe(true);
    expect(await status()).toBe("integration_requested");
    const listed = (await load()) as Awaited<ReturnType<typeof atto.loader>>;
    expect(listed.files.map((f) => f.filename)).toEqual(["planimetria.pdf", "acustica.pdf"]);

    // A wrong file is taken out again before sending: its row is gone, the others stay.
    const wrong = (await act(
      multipart(
        url(),
        cookie,
        { intent: "upload", uploadKey: "wrong" },
        await pdfSaying("Documento sbagliato"),
        "sbagliato.pdf",
      ),
    )) as Response;
    expect(wrong.status).toBe(302);
    const withWrong = (await load()) as Awaited<ReturnType<typeof atto.loader>>;
    const wrongId = withWrong.files.find((f) => f.filename === "sbagliato.pdf")!.id;
    // Without the form's token nothing is removed.
    const forged = (await act(
      post(url(), cookie, { intent: "remove", attachment: wrongId }, "forged"),
    )) as Response;
    expect(forged.status).toBe(403);
    expect((await load()) as Awaited<ReturnType<typeof atto.loader>>).toMatchObject({
      files: [{ filename: "planimetria.pdf" }, { filename: "acustica.pdf" }, { filename: "sbagliato.pdf" }],
    });
    const removed = (await act(post(url(), cookie, { intent: "remove", attachment: wrongId }))) as Response;
    expect(removed.status).toBe(302);
    expect(removed.headers.get("Location")).toBe(`${url()}?rimosso=sbagliato.pdf`);
    const row = await test.handle.db
      .selectFrom("attachments")
      .select("id")
      .where("id", "=", wrongId)
      .executeTakeFirst();
    expect(row).toBeUndefined();
    const afterRemoval = (await load()) as Awaited<ReturnType<typeof atto.loader>>;
    expect(afterRemoval.files.map((f) => f.filename)).toEqual(["planimetria.pdf", "acustica.pdf"]);
    // Removing it twice: a sentence, nothing else changes.
    const twice = (await act(post(url(), cookie, { intent: "remove", attachment: wrongId }))) as Response;
    expect(twice.status).toBe(409);
    expect(JSON.stringify(await twice.json())).toContain("non fa parte della risposta in preparazione");

    // "Invia l'integrazione": the answer goes through the engine once, with both files.
    const sent = (await act(multipart(url(), cookie, { intent: "send" }))) as Response;
    expect(sent.status).toBe(302);
    expect(sent.headers.get("Location")).toBe(`/pratiche/${id}?fatto=1`);
    expect(await status()).not.toBe("integration_requested");
    const events = await test.handle.db
      .selectFrom("events")
      .select("type")
      .where("pratica_id", "=", id)
      .where("type", "=", "INTEGRATION_RECEIVED")
      .execute();
    expect(events).toHaveLength(1);
    const files = await test.handle.db
      .selectFrom("attachments")
      .select("filename")
      .where("pratica_id", "=", id)
      .where("purpose", "=", "integration")
      .execute();
    expect(files.map((f) => f.filename).sort()).toEqual(["acustica.pdf", "planimetria.pdf"]);
    // The act is done: the page is no longer offered.
    expect(((await load()) as Response).status).toBe(404);
    // A sent document cannot be taken out of the answer (not even by a direct call).
    const sentFile = afterRemoval.files[0]!;
    const late = await removeAnswerFile(test.handle.db, {
      praticaId: id,
      type: "INTEGRATION_RECEIVED",
      attachmentId: sentFile.id,
    });
    expect(late.ok).toBe(false);
    expect(
      await test.handle.db
        .selectFrom("attachments")
        .select("id")
        .where("id", "=", sentFile.id)
        .executeTakeFirst(),
    ).toEqual({ id: sentFile.id });
  });
});
