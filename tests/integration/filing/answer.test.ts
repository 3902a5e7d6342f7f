import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as atto from "~/routes/pratiche.$id.atti.$act";
import { todayInRome } from "~/server/engine/deadlines.server";
import type { EngineServices } from "~/server/engine/engine.server";
import { addDays } from "../../../workflows/clock";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { submitPratica } from "~/server/filing/submit.server";
import { actAs, CSRF, cookieFor, get, useTestEnv } from "../desk/support";
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
    for (const name of ["planimetria.pdf", "acustica.pdf"]) {
      const up = (await act(
        multipart(url(), cookie, { intent: "upload", uploadKey: name }, PDF, name),
      )) as Response;
      expect(up.status).toBe(302);
      expect(up.headers.get("Location")).toBe(`${url()}?caricato=1`);
    }
    // A retried upload (same form key, same bytes) is stored once.
    await act(multipart(url(), cookie, { intent: "upload", uploadKey: "acustica.pdf" }, PDF, "acustica.pdf"));
    expect(await status()).toBe("integration_requested");
    const listed = (await load()) as Awaited<ReturnType<typeof atto.loader>>;
    expect(listed.files.map((f) => f.filename)).toEqual(["planimetria.pdf", "acustica.pdf"]);

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
  });
});
