// The filing form's small dead ends (issue 12): the Comune chosen in the catalogue search stays on the procedure
// page and into the filing, "Salva e continua" leads to the next section with a counter of the sections shown,
// an upload leaves the file field empty and the same file is not attached twice, a file can be taken out of a
// draft or of an answer in progress, and every select draws one arrow.
import path from "node:path";
import type { Page } from "@playwright/test";
import { DESK_TITLES } from "./support/desk-plan";
import {
  expect,
  expectAccessible,
  expectAccessibleWithScripts,
  hydrated,
  login,
  test,
} from "./support/fixtures";

const PDF = path.resolve("tests/fixtures/planimetria.pdf");

/** Starts a draft for a non-food neighbourhood shop from a catalogue search in Volterra. */
async function draftFromSearch(page: Page) {
  await page.goto("/catalogo?q=vicinato&comune=050039");
  await hydrated(page);
  await page.getByRole("link", { name: "Apertura di un esercizio di vicinato" }).first().click();
  await page.waitForURL(/\/catalogo\/VICINATO_APERTURA\?/);
  await hydrated(page);
  return page.url();
}

test("the Comune chosen in the search stays on the procedure page, its links and the filing", async ({
  page,
}) => {
  await login(page, "impresa@demo.test");
  const procedure = await draftFromSearch(page);
  expect(new URL(procedure).searchParams.get("comune")).toBe("050039");
  await expect(page.getByTestId("chosen-municipality")).toContainText("Volterra");
  await expect(page.locator("#f-comune")).toHaveValue("050039");
  await expectAccessible(page, "procedimento dalla ricerca");
  // Back to the results: the same search, the same Comune.
  const back = new URL(
    (await page.getByRole("link", { name: "Torna ai risultati della ricerca" }).getAttribute("href"))!,
    procedure,
  );
  expect(back.pathname).toBe("/catalogo");
  expect(back.searchParams.get("comune")).toBe("050039");
  expect(back.searchParams.get("q")).toBe("vicinato");
  // "Presenta la pratica" starts the filing with that Comune chosen.
  await page.getByRole("link", { name: "Presenta la pratica" }).click();
  await page.waitForURL(/\/pratiche\/nuova\?/);
  await hydrated(page);
  await expect(page.locator("#comune")).toHaveValue("050039");
  // And the way back lands on the results of that search.
  await page.goto(back.toString());
  await expect(page.locator("#f-comune")).toHaveValue("050039");
  await expect(
    page.getByRole("link", { name: "Apertura di un esercizio di vicinato" }).first(),
  ).toBeVisible();
});

test("«Salva e continua» leads to the next section shown; the counter counts only those", async ({
  page,
}) => {
  await login(page, "impresa@demo.test");
  await page.goto("/catalogo/VICINATO_APERTURA?comune=050039");
  await page.getByRole("link", { name: "Presenta la pratica" }).click();
  await page.waitForURL(/\/pratiche\/nuova\?/);
  await hydrated(page);
  const nonFood = page.getByLabel("Vicinato, settore non alimentare", { exact: true });
  await page.locator(`label[for="${await nonFood.getAttribute("id")}"]`).click();
  await page.getByRole("button", { name: "Inizia la compilazione" }).click();
  await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
  const praticaUrl = page.url();
  await hydrated(page);

  // Every section of the task list says its own place among the sections this pratica shows.
  const tasks = page
    .getByRole("heading", { name: "Dati della pratica" })
    .locator("xpath=following-sibling::ul[1]")
    .getByRole("link");
  const hrefs = await tasks.evaluateAll((links) => links.map((a) => a.getAttribute("href")!));
  expect(hrefs.length).toBe(6);
  expect(hrefs.some((h) => h.endsWith("/intermediario"))).toBe(false);
  for (const [i, href] of hrefs.entries()) {
    await page.goto(href);
    await expect(page.getByTestId("section-counter")).toHaveText(`Sezione ${i + 1} di ${hrefs.length}`);
  }

  // "Salva ed esci" goes back to the task list, which says the draft is saved.
  await page.goto(`${praticaUrl}/sezioni/dichiarante`);
  await hydrated(page);
  await expectAccessible(page, "sezione con contatore");
  await page.getByRole("button", { name: "Salva ed esci" }).click();
  await page.waitForURL(`${praticaUrl}?salvata=1`);
  await expect(page.getByRole("heading", { name: "Compila la pratica" })).toBeVisible();

  // From the business's section (prefilled) the next one shown is the premises': the intermediary's is hidden.
  await page.goto(`${praticaUrl}/sezioni/impresa`);
  await hydrated(page);
  await page.getByRole("button", { name: "Salva e continua" }).click();
  await page.waitForURL(`${praticaUrl}/sezioni/sede_attivita`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sede dell'attività e dati catastali");
  await expect(page.getByTestId("section-counter")).toHaveText("Sezione 3 di 6");
  await expectAccessible(page, "sezione successiva");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("«Salva e continua» from the last section leads to the summary", async ({ page, browser }) => {
    await login(page, "impresa@demo.test");
    await page.goto("/catalogo/VICINATO_APERTURA?comune=050039");
    await page.getByRole("link", { name: "Presenta la pratica" }).click();
    await page.waitForURL(/\/pratiche\/nuova\?/);
    await page.locator('label:has-text("Vicinato, settore non alimentare")').first().click();
    await page.getByRole("button", { name: "Inizia la compilazione" }).click();
    await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
    const praticaUrl = page.url();
    await page.goto(`${praticaUrl}/sezioni/dichiarazioni_requisiti`);
    for (const box of await page.locator("main form input[type=checkbox]").all()) {
      await page.locator(`label[for="${await box.getAttribute("id")}"]`).click();
    }
    await page.getByRole("button", { name: "Salva e continua" }).click();
    await page.waitForURL(`${praticaUrl}/sezioni/dichiarazioni_finali`);
    await expect(page.getByTestId("section-counter")).toHaveText("Sezione 6 di 6");
    await expectAccessibleWithScripts(browser, page, "ultima sezione senza JavaScript");
    for (const box of await page.locator("main form input[type=checkbox]").all()) {
      await page.locator(`label[for="${await box.getAttribute("id")}"]`).click();
    }
    await page.getByRole("button", { name: "Salva e continua" }).click();
    await page.waitForURL(`${praticaUrl}/riepilogo`);
  });

  test("a draft's file: the same file is kept once, and it can be removed", async ({ page, browser }) => {
    await login(page, "impresa@demo.test");
    await page.goto("/catalogo/VICINATO_APERTURA?comune=050039");
    await page.getByRole("link", { name: "Presenta la pratica" }).click();
    await page.waitForURL(/\/pratiche\/nuova\?/);
    await page.locator('label:has-text("Vicinato, settore non alimentare")').first().click();
    await page.getByRole("button", { name: "Inizia la compilazione" }).click();
    await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
    await page.goto(`${page.url()}/allegati`);
    const slot = page.locator('section[aria-labelledby="att-PLANIMETRIA"]');
    await page.locator("#file-PLANIMETRIA").setInputFiles(PDF);
    await slot.getByRole("button", { name: "Carica" }).click();
    await expect(page.getByRole("status")).toContainText("File «planimetria.pdf» caricato.");
    // The page comes back with an empty field; choosing the same file again adds nothing, and says so.
    await expect(page.locator("#file-PLANIMETRIA")).toHaveValue("");
    await page.locator("#file-PLANIMETRIA").setInputFiles(PDF);
    await slot.getByRole("button", { name: "Carica" }).click();
    await expect(page.getByRole("status")).toContainText("era già caricato per «Planimetria dei locali");
    await expect(page.getByRole("status")).toContainText("non è stato aggiunto una seconda volta");
    await expect(slot.getByText(/SHA-256 [0-9a-f]{64}/)).toHaveCount(1);
    await expectAccessibleWithScripts(browser, page, "allegato già caricato");
    // Removing it: one button, no confirmation; the file is gone from the list.
    await slot.getByRole("button", { name: "Rimuovi planimetria.pdf" }).click();
    await expect(page.getByRole("status")).toHaveText("File «planimetria.pdf» rimosso.");
    await expect(slot.getByText(/SHA-256 [0-9a-f]{64}/)).toHaveCount(0);
    await expectAccessibleWithScripts(browser, page, "allegato rimosso");
  });

  test("an answer in progress: files are added once, removed before sending, and the requester is named", async ({
    page,
    browser,
  }) => {
    await login(page, "impresa@demo.test");
    await page.goto("/pratiche");
    await page.getByRole("link", { name: DESK_TITLES.walkSuspended }).click();
    await page.getByRole("link", { name: "Invia l'integrazione" }).click();
    await page.waitForURL(/\/atti\/INTEGRATION_RECEIVED/);
    await expect(page.getByText("Dallo Sportello", { exact: true })).toBeVisible();
    await expect(page.locator("main")).not.toContainText(/\bDa suap\b/i);
    const files = page.getByTestId("answer-files");
    await page.locator("#act-file").setInputFiles(PDF);
    await page.getByRole("button", { name: "Carica il documento" }).click();
    await expect(page.getByRole("status")).toContainText("Documento caricato");
    await expect(page.locator("#act-file")).toHaveValue("");
    await expect(files.getByRole("listitem")).toHaveCount(1);
    // The same document again: not added twice.
    await page.locator("#act-file").setInputFiles(PDF);
    await page.getByRole("button", { name: "Carica il documento" }).click();
    await expect(page.getByRole("status")).toContainText("non è stato aggiunto una seconda volta");
    await expect(files.getByRole("listitem")).toHaveCount(1);
    await expectAccessibleWithScripts(browser, page, "risposta con un documento");
    // Taken out before sending: the answer has no document again (the pratica still waits for it).
    await files.getByRole("button", { name: "Rimuovi planimetria.pdf" }).click();
    await expect(page.getByRole("status")).toHaveText("Documento «planimetria.pdf» tolto dalla risposta.");
    await expect(page.getByTestId("answer-files")).toHaveCount(0);
    await expect(page.getByText("Non hai ancora caricato documenti per questa risposta.")).toBeVisible();
    await expectAccessibleWithScripts(browser, page, "documento tolto dalla risposta");
  });
});

test("with JavaScript, an upload empties the file field and a second click adds nothing", async ({
  page,
}) => {
  await login(page, "impresa@demo.test");
  await page.goto("/catalogo/VICINATO_APERTURA?comune=050039");
  await page.getByRole("link", { name: "Presenta la pratica" }).click();
  await page.waitForURL(/\/pratiche\/nuova\?/);
  await hydrated(page);
  const nonFood = page.getByLabel("Vicinato, settore non alimentare", { exact: true });
  await page.locator(`label[for="${await nonFood.getAttribute("id")}"]`).click();
  await page.getByRole("button", { name: "Inizia la compilazione" }).click();
  await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
  await page.goto(`${page.url()}/allegati`);
  await hydrated(page);
  const slot = page.locator('section[aria-labelledby="att-PLANIMETRIA"]');
  const field = page.locator("#file-PLANIMETRIA");
  await field.setInputFiles(PDF);
  await slot.getByRole("button", { name: "Carica" }).click();
  await expect(page.getByRole("status")).toContainText("File «planimetria.pdf» caricato.");
  await expect(slot.getByText(/SHA-256 [0-9a-f]{64}/)).toHaveCount(1);
  // The page stayed mounted (the upload went by XHR): the field is empty all the same.
  expect(await field.evaluate((el) => (el as HTMLInputElement).files?.length ?? 0)).toBe(0);
  // "Carica" again with nothing chosen: a sentence, no second copy.
  await slot.getByRole("button", { name: "Carica" }).click();
  await expect(page.locator("#file-PLANIMETRIA-error")).toContainText("Scegli il file da caricare");
  await expect(slot.getByText(/SHA-256 [0-9a-f]{64}/)).toHaveCount(1);
  // The same file chosen again: kept once, and the page says so.
  await field.setInputFiles(PDF);
  await slot.getByRole("button", { name: "Carica" }).click();
  await expect(page.getByRole("status")).toContainText("non è stato aggiunto una seconda volta");
  await expect(slot.getByText(/SHA-256 [0-9a-f]{64}/)).toHaveCount(1);
  await expectAccessible(page, "allegato caricato una volta");
});

/** How many arrows each select draws: the native one (appearance) plus a background chevron. */
async function arrows(page: Page) {
  return page.locator("main select").evaluateAll((selects) =>
    selects.map((s) => {
      const style = getComputedStyle(s);
      const native = style.appearance !== "none" ? 1 : 0;
      const painted = style.backgroundImage && style.backgroundImage !== "none" ? 1 : 0;
      return { id: s.id || s.getAttribute("name"), arrows: native + painted };
    }),
  );
}

test("every select draws one arrow (worklist, desk pratica, catalogue, finder, new pratica, agency); the desk names itself", async ({
  page,
}) => {
  const check = async (url: string, atLeast: number) => {
    await page.goto(url);
    await hydrated(page);
    const found = await arrows(page);
    expect(found.length, url).toBeGreaterThanOrEqual(atLeast);
    for (const s of found) expect(s, `${url} #${s.id}`).toMatchObject({ arrows: 1 });
  };
  await check("/catalogo", 3);
  await check("/cosa-devo-presentare", 0);
  await check("/catalogo/VICINATO_APERTURA", 1);
  await login(page, "impresa@demo.test");
  await check("/pratiche/nuova?procedimento=VICINATO_APERTURA", 1);
  await page.context().clearCookies();
  await login(page, "operatore@demo.test");
  await check("/scrivania?q=&status=all", 3);
  await page.getByRole("link", { name: DESK_TITLES.toForward }).first().click();
  await page.waitForURL(/\/scrivania\/pratiche\//);
  await check(page.url(), 1);
  await expectAccessible(page, "scrivania, una freccia per select");
  // The integration asked by the desk names it in words ("Da suap" was shown among the agencies).
  await page.goto("/scrivania?q=&status=all");
  await page.getByRole("link", { name: DESK_TITLES.walkSuspended }).first().click();
  const requests = page.getByTestId("integration-requests");
  await expect(requests).toContainText("Dallo Sportello SUAP");
  await expect(requests).not.toContainText(/\bsuap\b/);
  await page.context().clearCookies();
  await login(page, "asl@demo.test");
  await check("/ente", 0);
});
