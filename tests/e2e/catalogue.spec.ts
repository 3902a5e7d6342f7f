import type { Browser, Page } from "@playwright/test";
import { expect, expectAccessible, expectAccessibleWithScripts, test } from "./support/fixtures";

type Scan = (page: Page, label: string) => Promise<void>;

/** Every state of these pages is a GET URL: with JavaScript off, each is scanned again with scripts on. */
function scanInOwnPage(browser: Browser): Scan {
  return (page, label) => expectAccessibleWithScripts(browser, page, label);
}

async function choose(page: Page, question: string, answer: string) {
  await page.getByRole("group", { name: question }).getByText(answer, { exact: true }).click();
}

async function walkFinder(page: Page, label: string, scan: Scan = expectAccessible) {
  await page.goto("/cosa-devo-presentare");
  await expect(page).toHaveTitle("Cosa devo presentare? - SUAP Alta Val di Cecina");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Cosa devo presentare?");
  await scan(page, `finder questions (${label})`);

  // Submitting with a missing answer shows the error summary, linked to the questions.
  await choose(page, "Che attività vuoi svolgere?", "Bar, ristorante, pizzeria");
  await page.getByRole("button", { name: "Mostra cosa presentare" }).click();
  const summary = page.getByRole("alert");
  await expect(summary).toContainText("Seleziona una risposta per «In quale Comune?»");
  await expect(summary.getByRole("link")).toHaveCount(4);
  await expect(page).toHaveTitle(/^Errore: Cosa devo presentare\?/);
  await scan(page, `finder errors (${label})`);

  await choose(page, "Che attività vuoi svolgere?", "Bar, ristorante, pizzeria");
  await choose(page, "Che cosa vuoi fare?", "Aprire una nuova attività");
  await choose(page, "In quale Comune?", "Volterra");
  await choose(page, "I locali sono nel centro storico tutelato?", "Sì");
  await choose(page, "Vendi, prepari o servi alimenti o bevande?", "Sì");
  await page.getByRole("button", { name: "Mostra cosa presentare" }).click();

  const result = page.getByTestId("finder-result");
  await expect(result.getByRole("heading", { name: "Cosa presentare" })).toBeVisible();
  await expect(
    result.getByRole("link", { name: /Apertura di bar o ristorante in zona tutelata/ }),
  ).toBeVisible();
  await expect(result.getByRole("link", { name: /Notifica sanitaria/ }).first()).toBeVisible();
  await expect(result).toContainText("Autorizzazione");
  await expect(page.getByTestId("finder-total")).toContainText("152,00");
  await expect(page.getByTestId("finder-longest")).toHaveText("60 giorni");
  await expect(result.getByRole("link", { name: "Presenta la pratica" })).toHaveAttribute(
    "href",
    "/pratiche/nuova?procedimento=SOMMINISTRAZIONE_APERTURA_ZONA_TUTELATA&procedimento=NOTIFICA_SANITARIA_REGISTRAZIONE&comune=050039",
  );
  await scan(page, `finder result (${label})`);
}

test.describe("catalogue, with JavaScript", () => {
  test("the finder: a bar in Volterra's historic centre", async ({ page }) => {
    await walkFinder(page, "js");
  });

  test("a procedure page: choose the Comune, see its fees and agencies", async ({ page }) => {
    await page.goto("/catalogo/VICINATO_APERTURA");
    await expect(page).toHaveTitle(
      "Apertura di un esercizio di vicinato - Catalogo dei procedimenti - SUAP Alta Val di Cecina",
    );
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Apertura di un esercizio di vicinato");
    await expect(page.getByRole("navigation", { name: "Percorso di navigazione" })).toBeVisible();
    await expect(
      page.getByRole("table", { name: "Diritti di istruttoria per Comune" }).first(),
    ).toBeVisible();
    await expectAccessible(page, "procedure page, no Comune");

    await page.getByLabel("In quale Comune si svolge l'attività?").selectOption({ label: "Volterra" });
    await page.getByRole("button", { name: "Mostra costi ed enti" }).click();
    await expect(page).toHaveURL(/comune=050039/);
    await expect(page.getByTestId("chosen-municipality")).toContainText("Comune di Volterra");
    const fees = page.getByTestId("fees-VICINATO_APERTURA_NON_ALIMENTARE");
    await expect(fees.getByRole("row", { name: /Diritti di istruttoria/ })).toContainText("60,00");
    await expect(page.getByText("Azienda USL Toscana Nord Ovest").first()).toBeVisible();
    await expect(page.getByRole("link", { name: "Presenta la pratica" })).toHaveAttribute(
      "href",
      "/pratiche/nuova?procedimento=VICINATO_APERTURA&comune=050039",
    );
    await expectAccessible(page, "procedure page, Volterra");
  });

  test("catalogue search with a filter, and the empty state", async ({ page }) => {
    await page.goto("/catalogo");
    await expect(page).toHaveTitle("Catalogo dei procedimenti - SUAP Alta Val di Cecina");
    await expectAccessible(page, "catalogue index");
    await page.getByLabel("Cerca un procedimento").fill("somministrazioni");
    await page.getByLabel("Comune").selectOption({ label: "Pomarance" });
    await page.getByRole("button", { name: "Cerca", exact: true }).click();
    await expect(page).toHaveURL(/q=somministrazioni/);
    await expect(page.getByTestId("result-count")).toHaveText(
      /^\d procedimenti trovati per «somministrazioni»$/,
    );
    await expect(page.getByRole("link", { name: /zona tutelata/ })).toHaveCount(0);
    await expectAccessible(page, "catalogue search with filter");
    await page
      .getByRole("link", { name: /Somministrazione temporanea|temporanea/ })
      .first()
      .click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("temporanea");

    await page.goto("/catalogo?q=astronavi");
    await expect(page.getByText("Nessun procedimento trovato")).toBeVisible();
    await expectAccessible(page, "catalogue empty state");
  });

  test("open data page states the licence and links the datasets", async ({ page }) => {
    await page.goto("/open-data");
    await expect(page.getByTestId("licence")).toContainText("CC BY 4.0");
    await expect(page.getByRole("link", { name: "Procedimenti e casi" })).toHaveAttribute(
      "href",
      "/open-data/procedimenti.csv",
    );
    await expectAccessible(page, "open data");
  });
});

test.describe("catalogue, without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the finder works as plain GET forms", async ({ page, browser }) => {
    await walkFinder(page, "no js", scanInOwnPage(browser));
  });
});
