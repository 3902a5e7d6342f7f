import path from "node:path";
import type { Locator, Page } from "@playwright/test";
import {
  expect,
  expectAccessible,
  expectAccessibleWithScripts,
  hydrated,
  login,
  test,
} from "./support/fixtures";

const PDF = path.resolve("tests/fixtures/planimetria.pdf");
const FAKE = path.resolve("tests/fixtures/finto.pdf");

/** How the user acts: with the mouse, or with the keyboard only (Tab to reach, Enter/Space to act). */
interface Driver {
  activate(target: Locator): Promise<void>;
  fill(target: Locator, text: string): Promise<void>;
  check(target: Locator): Promise<void>;
}

const mouse: Driver = {
  activate: (t) => t.click(),
  fill: (t, text) => t.fill(text),
  // bootstrap-italia draws its own radios and checkboxes: the user clicks the label.
  async check(t) {
    const id = await t.getAttribute("id");
    await t.page().locator(`label[for="${id}"]`).click();
    await expect(t).toBeChecked();
  },
};

/** Presses Tab until the target has focus (fails if it is not reachable by keyboard). */
async function tabTo(page: Page, target: Locator) {
  const handle = await target.elementHandle();
  for (let i = 0; i < 250; i++) {
    if (await page.evaluate((el) => document.activeElement === el, handle)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error("element not reachable with Tab");
}

function keyboard(page: Page): Driver {
  return {
    async activate(t) {
      await tabTo(page, t);
      await page.keyboard.press("Enter");
    },
    async fill(t, text) {
      await tabTo(page, t);
      await page.keyboard.press("ControlOrMeta+a");
      await page.keyboard.press("Backspace");
      await page.keyboard.type(text);
    },
    async check(t) {
      if (await t.isChecked()) return;
      const type = await t.getAttribute("type");
      if (type === "radio") {
        // Tab reaches a radio group once; arrows move within it.
        const name = (await t.getAttribute("name"))!;
        const group = page.locator(`input[type=radio][name="${name}"]`);
        const first = (await group.evaluateAll((els) => els.some((e) => (e as HTMLInputElement).checked)))
          ? page.locator(`input[type=radio][name="${name}"]:checked`)
          : group.first();
        await tabTo(page, first);
        for (let i = 0; i < 10 && !(await t.isChecked()); i++) await page.keyboard.press("ArrowDown");
        if (!(await t.isChecked())) await page.keyboard.press("Space");
      } else {
        await tabTo(page, t);
        await page.keyboard.press("Space");
      }
      await expect(t).toBeChecked();
    },
  };
}

async function saveSection(page: Page, d: Driver) {
  await d.activate(page.getByRole("button", { name: "Salva e continua" }));
}

/** "Salva e continua" leads to the next section the pratica shows (issue 12): wait for it, hydrated. */
async function nextSection(page: Page, id: string, title: string) {
  await page.waitForURL(new RegExp(`/sezioni/${id}$`));
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
}

async function openTask(page: Page, d: Driver, name: string) {
  const before = page.url();
  await d.activate(page.getByRole("link", { name, exact: true }));
  // Wait for the new page, so what follows never acts on the task list still on screen.
  await page.waitForURL((u) => u.toString() !== before);
  await hydrated(page);
}

async function journey(page: Page, d: Driver) {
  await login(page, "impresa@demo.test");
  await expectAccessible(page, "area personale");

  // From the procedure page of the catalogue.
  await page.goto("/catalogo/VICINATO_APERTURA?comune=050039");
  await hydrated(page);
  await d.activate(page.getByRole("link", { name: "Presenta la pratica" }));
  await page.waitForURL(/\/pratiche\/nuova\?/);
  await hydrated(page);
  await expectAccessible(page, "nuova pratica");
  await d.check(page.getByLabel("Vicinato, settore non alimentare", { exact: true }));
  await d.activate(page.getByRole("button", { name: "Inizia la compilazione" }));
  await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
  const praticaUrl = page.url();
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Compila la pratica" })).toBeVisible();
  await expectAccessible(page, "task list");
  // The business comes prefilled: its section is already complete.
  await expect(page.locator("#status-impresa")).toHaveText("Completato");
  await expect(page.locator("#status-allegati")).toHaveText("Non ancora disponibile");

  await openTask(page, d, "Chi presenta la pratica");
  await hydrated(page);
  await expectAccessible(page, "sezione dichiarante");
  await d.fill(page.locator("#dich_data_nascita"), "01/01/1980");
  await d.fill(page.locator("#dich_luogo_nascita"), "Volterra");
  await d.fill(page.locator("#dich_cittadinanza"), "italiana");
  await d.fill(page.locator("#dich_residenza"), "Via dei Sarti 12, 56048 Volterra");
  await d.fill(page.locator("#dich_pec"), "maria.rossi@pec.it");
  await saveSection(page, d);
  // The business's section comes next, prefilled; the intermediary's is hidden for a holder filing himself.
  await nextSection(page, "impresa", "Impresa");
  await saveSection(page, d);
  await nextSection(page, "sede_attivita", "Sede dell'attività e dati catastali");
  await expect(page.getByTestId("section-counter")).toHaveText("Sezione 3 di 6");
  await d.fill(page.locator("#sede_indirizzo"), "Via Matteotti 1");
  await d.fill(page.locator("#sede_cap"), "50100");
  await d.fill(page.locator("#catasto_foglio"), "12");
  await d.fill(page.locator("#catasto_particella"), "345");
  await saveSection(page, d);
  // One validation error: the summary takes focus and links to the field.
  const summary = page.locator(".error-summary");
  await expect(summary).toBeFocused();
  await expect(summary).toContainText("Il CAP 50100 non appartiene al Comune scelto");
  await expectAccessible(page, "errore di validazione");
  await d.activate(summary.getByRole("link"));
  await expect(page.locator("#sede_cap")).toBeFocused();
  await d.fill(page.locator("#sede_cap"), "56048");
  await saveSection(page, d);

  await nextSection(page, "vicinato", "Esercizio di vicinato");
  await d.check(page.getByLabel("Non alimentare", { exact: true }));
  await d.fill(page.locator("#superficie_vendita"), "45");
  await saveSection(page, d);

  await nextSection(page, "dichiarazioni_requisiti", "Requisiti soggettivi");
  for (const box of await page.locator("main form input[type=checkbox]").all()) await d.check(box);
  await saveSection(page, d);
  await nextSection(page, "dichiarazioni_finali", "Dichiarazioni finali");
  await expect(page.getByTestId("section-counter")).toHaveText("Sezione 6 di 6");
  for (const box of await page.locator("main form input[type=checkbox]").all()) await d.check(box);
  await saveSection(page, d);
  // After the last section, the summary; the task list shows every section done.
  await page.waitForURL(/\/riepilogo$/);
  await page.goto(praticaUrl);
  await hydrated(page);
  await expect(page.locator("#status-dichiarazioni_finali")).toHaveText("Completato");
  await expectAccessible(page, "task list completata");

  // Attachments: a fake PDF is refused, real PDFs are accepted.
  await openTask(page, d, "Allegati");
  await hydrated(page);
  await expectAccessible(page, "allegati");
  await page.locator("#file-PLANIMETRIA").setInputFiles(FAKE);
  await d.activate(
    page.locator('section[aria-labelledby="att-PLANIMETRIA"]').getByRole("button", { name: "Carica" }),
  );
  await expect(page.locator("#file-PLANIMETRIA-error")).toContainText(
    "ha l'estensione .pdf ma il suo contenuto è un'immagine PNG",
  );
  await expectAccessible(page, "allegato rifiutato");
  for (const code of ["DOC_IDENTITA", "PLANIMETRIA", "RICEVUTA_DIRITTI"]) {
    await page.locator(`#file-${code}`).setInputFiles(PDF);
    await d.activate(
      page.locator(`section[aria-labelledby="att-${code}"]`).getByRole("button", { name: "Carica" }),
    );
    await expect(page.getByRole("status")).toContainText("planimetria.pdf");
    await expect(
      page.locator(`section[aria-labelledby="att-${code}"]`).getByText(/SHA-256 [0-9a-f]{64}/),
    ).toHaveCount(1);
  }
  await expectAccessible(page, "allegati caricati");
  await d.activate(page.getByRole("link", { name: "Ho caricato gli allegati" }));
  await page.waitForURL(praticaUrl);
  await expect(page.locator("#status-allegati")).toHaveText("Completato");

  await openTask(page, d, "Controlla e invia la pratica");
  await page.waitForURL(/riepilogo/);
  await hydrated(page);
  await expectAccessible(page, "riepilogo");
  await expect(page.getByText("Via Matteotti 1")).toBeVisible();
  // "Modifica" comes back to the summary.
  await d.activate(page.getByRole("link", { name: "Modifica Sede dell'attività e dati catastali" }));
  await page.waitForURL(/ritorno=riepilogo/);
  await hydrated(page);
  await d.fill(page.locator("#sede_indirizzo"), "Via Matteotti 3");
  await saveSection(page, d);
  await page.waitForURL(/riepilogo$/);
  await hydrated(page);
  await expect(page.getByText("Via Matteotti 3")).toBeVisible();
  await d.check(page.locator("#dichiarazione"));
  await d.activate(page.getByRole("button", { name: "Conferma e invia" }));

  await page.waitForURL(/ricevuta$/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Pratica inviata" })).toBeVisible();
  const protocol = (await page.getByTestId("protocol-number").textContent())!.trim();
  expect(protocol).toMatch(/^SUAP-AVC\/\d{4}\/\d{7}$/);
  await expect(page.getByTestId("cui")).toHaveText(/^SUAP-AVC-\d{4}-\d{2}-\d{2}-\d{6}-/);
  await expectAccessible(page, "ricevuta");
  const download = page.waitForEvent("download");
  await d.activate(page.getByRole("link", { name: /Scarica la ricevuta/ }));
  expect((await download).suggestedFilename()).toMatch(/\.pdf$/);
  // Bookmarked: the same page again.
  await page.reload();
  await expect(page.getByTestId("protocol-number")).toHaveText(protocol);

  await d.activate(page.getByRole("link", { name: "Le mie pratiche" }).last());
  await page.waitForURL(/\/pratiche$/);
  await hydrated(page);
  await expect(page.getByRole("row", { name: new RegExp(protocol) })).toBeVisible();
  await expectAccessible(page, "le mie pratiche");
  await d.activate(page.getByRole("row", { name: new RegExp(protocol) }).getByRole("link"));
  await page.waitForURL(praticaUrl);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Cronologia" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Ritira la pratica" })).toBeVisible();
  await expectAccessible(page, "dettaglio");

  // The public check of the receipt.
  const verify = await page.getByRole("link", { name: "Ricevuta di presentazione" }).getAttribute("href");
  expect(verify).toMatch(/^\/documenti\//);
  return { protocol };
}

test("files a pratica from the procedure page to the receipt, axe-clean at every step", async ({ page }) => {
  test.setTimeout(120_000);
  await journey(page, mouse);
  await page.goto("/verifica/AAAA-AAAA-AAAA-AAAA");
  await expect(page.getByText(/Nessun documento corrisponde/)).toBeVisible();
  await expectAccessible(page, "verifica sconosciuta");
});

test("files a pratica with the keyboard only", async ({ page }) => {
  // Tabbing through every page of the journey is slow by nature.
  test.setTimeout(240_000);
  await journey(page, keyboard(page));
});

test.describe("filing, without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("saves a section, uploads and refuses files, and deletes the draft after asking", async ({
    page,
    browser,
  }) => {
    test.setTimeout(120_000);
    const scan = (label: string) => expectAccessibleWithScripts(browser, page, label);
    await login(page, "impresa@demo.test");
    await page.goto("/catalogo/VICINATO_APERTURA?comune=050039");
    await page.getByRole("link", { name: "Presenta la pratica" }).click();
    await page.waitForURL(/\/pratiche\/nuova\?/);
    await page.locator('label:has-text("Vicinato, settore non alimentare")').first().click();
    await page.getByRole("button", { name: "Inizia la compilazione" }).click();
    await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
    const praticaUrl = page.url();
    const id = praticaUrl.split("/").at(-1)!;

    // A section saved by a plain form post; a bad value comes back in the error summary.
    await page.getByRole("link", { name: "Sede dell'attività e dati catastali", exact: true }).click();
    await page.locator("#sede_indirizzo").fill("Via Matteotti 1");
    await page.locator("#sede_cap").fill("50100");
    await page.locator("#catasto_foglio").fill("12");
    await page.locator("#catasto_particella").fill("345");
    await page.getByRole("button", { name: "Salva e continua" }).click();
    await expect(page.locator(".error-summary")).toContainText(
      "Il CAP 50100 non appartiene al Comune scelto",
    );
    await page.locator("#sede_cap").fill("56048");
    await page.getByRole("button", { name: "Salva e continua" }).click();
    // A plain post too leads to the next section the pratica shows.
    await page.waitForURL(/\/sezioni\/vicinato$/);
    await expect(page.getByTestId("section-counter")).toHaveText("Sezione 4 di 6");

    // Uploads are plain multipart posts: a fake PDF is refused with the reason, a real one is kept.
    await page.goto(`${praticaUrl}/allegati`);
    await scan("allegati senza JavaScript");
    const planimetria = page.locator('section[aria-labelledby="att-PLANIMETRIA"]');
    await page.locator("#file-PLANIMETRIA").setInputFiles(FAKE);
    await planimetria.getByRole("button", { name: "Carica" }).click();
    await expect(page.locator("#file-PLANIMETRIA-error")).toContainText(
      "ha l'estensione .pdf ma il suo contenuto è un'immagine PNG",
    );
    await expect(planimetria.getByText(/SHA-256 [0-9a-f]{64}/)).toHaveCount(0);
    await page.locator("#file-PLANIMETRIA").setInputFiles(PDF);
    await planimetria.getByRole("button", { name: "Carica" }).click();
    await expect(page.getByRole("status")).toContainText("planimetria.pdf");
    await expect(planimetria.getByText(/SHA-256 [0-9a-f]{64}/)).toHaveCount(1);

    // Deleting asks first; "No" goes back and keeps the draft.
    await page.goto(praticaUrl);
    await page.getByRole("link", { name: "Elimina la bozza" }).click();
    await page.waitForURL(`${praticaUrl}/elimina`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Eliminare la bozza?");
    await scan("conferma eliminazione");
    await page.getByRole("link", { name: "No, torna alla bozza" }).click();
    await page.waitForURL(praticaUrl);
    await page.getByRole("link", { name: "Elimina la bozza" }).click();
    await page.getByRole("button", { name: "Sì, elimina la bozza" }).click();
    await page.waitForURL(/\/pratiche\?eliminata=1$/);
    await expect(page.getByRole("status")).toHaveText("Bozza eliminata.");
    await expect(page.locator(`a[href="/pratiche/${id}"]`)).toHaveCount(0);
    await scan("bozza eliminata");
    // The draft is gone for good.
    const gone = await page.goto(praticaUrl);
    expect(gone?.status()).toBe(404);
  });
});
