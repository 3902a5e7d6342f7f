import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, expectAccessibleWithScripts, login, test } from "./support/fixtures";

// The unified-form gate on the summary page (issue 16, ADR 0027), without JavaScript: an answer the portal
// accepts but AgID's modulo does not (a cadastral sheet "12/A", AgID wants a number) is reported when the summary
// is shown, in the error summary, linked to the field; fixed, the pratica is sent.

const PDF = path.resolve("tests/fixtures/planimetria.pdf");

async function fillSection(
  page: Page,
  url: string,
  title: string,
  values: Record<string, string>,
  boxes = false,
) {
  await page.goto(url);
  await page.getByRole("link", { name: title, exact: true }).click();
  for (const [id, v] of Object.entries(values)) await page.locator(`#${id}`).fill(v);
  if (boxes)
    for (const box of await page.locator("main form input[type=checkbox]").all())
      await box.check({ force: true });
  await saveAndContinue(page);
}

/** "Salva e continua" leads to the next section the pratica shows, or the summary after the last (issue 12). */
async function saveAndContinue(page: Page) {
  const section = page.url();
  await page.getByRole("button", { name: "Salva e continua" }).click();
  await page.waitForURL((u) => u.toString() !== section && /\/(sezioni\/[^/]+|riepilogo)$/.test(u.pathname));
}

test.describe("unified form, without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a modulo AgID refuses blocks at the summary with a linked sentence; fixed, the pratica is sent", async ({
    page,
    browser,
  }) => {
    test.setTimeout(180_000);
    await login(page, "impresa@demo.test");
    await page.goto("/catalogo/VICINATO_APERTURA?comune=050039");
    await page.getByRole("link", { name: "Presenta la pratica" }).click();
    await page.waitForURL(/\/pratiche\/nuova\?/);
    await page.locator('label:has-text("Vicinato, settore non alimentare")').first().click();
    await page.getByRole("button", { name: "Inizia la compilazione" }).click();
    await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
    const url = page.url();

    await fillSection(page, url, "Chi presenta la pratica", {
      dich_data_nascita: "01/01/1980",
      dich_luogo_nascita: "Volterra",
      dich_cittadinanza: "italiana",
      dich_residenza: "Via dei Sarti 12, 56048 Volterra",
      dich_pec: "maria.rossi@pec.it",
    });
    await fillSection(page, url, "Sede dell'attività e dati catastali", {
      sede_indirizzo: "Via Matteotti 1",
      sede_cap: "56048",
      catasto_foglio: "12/A",
      catasto_particella: "345",
    });
    await page.goto(url);
    await page.getByRole("link", { name: "Esercizio di vicinato", exact: true }).click();
    await page.locator('label:has-text("Non alimentare")').first().click();
    await page.locator("#superficie_vendita").fill("45");
    await saveAndContinue(page);
    await fillSection(page, url, "Requisiti soggettivi", {}, true);
    await fillSection(page, url, "Dichiarazioni finali", {}, true);
    await page.goto(`${url}/allegati`);
    for (const code of ["DOC_IDENTITA", "PLANIMETRIA", "RICEVUTA_DIRITTI"]) {
      await page.locator(`#file-${code}`).setInputFiles(PDF);
      await page
        .locator(`section[aria-labelledby="att-${code}"]`)
        .getByRole("button", { name: "Carica" })
        .click();
      await expect(page.getByRole("status")).toContainText("planimetria.pdf");
    }

    await page.goto(`${url}/riepilogo`);
    const summary = page.locator(".error-summary");
    await expect(summary).toContainText("il modulo unificato nazionale non lo accetta");
    await expect(summary).toContainText("Foglio");
    await expectAccessibleWithScripts(browser, page, "riepilogo con il modulo da correggere");
    await summary.getByRole("link").first().click();
    await page.waitForURL(/sezioni\/sede_attivita\?ritorno=riepilogo/);
    await page.locator("#catasto_foglio").fill("12");
    await page.getByRole("button", { name: "Salva e continua" }).click();
    await page.waitForURL(/riepilogo$/);
    await expect(page.locator(".error-summary")).toHaveCount(0);
    await page.locator('label[for="dichiarazione"]').click();
    await page.getByRole("button", { name: "Conferma e invia" }).click();
    await page.waitForURL(/ricevuta$/);
    await expect(page.getByRole("heading", { name: "Pratica inviata" })).toBeVisible();
  });
});
