import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, expectAccessible, hydrated, login, test } from "./support/fixtures";

const PDF = path.resolve("tests/fixtures/planimetria.pdf");

function romeDate(offsetDays = 0) {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Rome" }).format(new Date());
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + offsetDays);
  return d.toISOString().slice(0, 10);
}

async function logout(page: Page) {
  await page.getByRole("button", { name: "Esci" }).click();
  await page.waitForURL((u) => u.pathname === "/");
}

/** bootstrap-italia draws its own checkboxes and radios: the user clicks the label. */
async function tick(page: Page, id: string) {
  await page.locator(`label[for="${id}"]`).click();
  await expect(page.locator(`#${id}`)).toBeChecked();
}

/**
 * Chooses a radio or ticks a box by its label, again if a re-render right after a client-side navigation
 * reset it (seen on a loaded CI machine: "Clicking the checkbox did not change its state").
 */
async function choose(page: Page, label: string) {
  const input = page.getByLabel(label, { exact: true });
  await expect(async () => {
    if (!(await input.isChecked())) await input.check({ force: true, timeout: 2_000 });
    await expect(input).toBeChecked({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
}

async function openTask(page: Page, name: string) {
  const before = page.url();
  await page.getByRole("link", { name, exact: true }).click();
  await page.waitForURL((u) => u.toString() !== before);
  await hydrated(page);
}

/** "Salva e continua" leads to the next section (the summary after the last); then back to the task list. */
async function save(page: Page) {
  const section = page.url();
  await page.getByRole("button", { name: "Salva e continua" }).click();
  await page.waitForURL((u) => u.toString() !== section && /\/(sezioni\/[^/]+|riepilogo)$/.test(u.pathname), {
    timeout: 15_000,
  });
  await page.goto(section.replace(/\/sezioni\/.*$/, ""));
  await hydrated(page);
}

test("a business delegates, the association files and answers for it, the business revokes", async ({
  page,
}) => {
  test.setTimeout(180_000);

  // 1. The business grants Confcommercio a delegation with the signed procura.
  await login(page, "impresa@demo.test");
  await page.goto("/deleghe");
  await hydrated(page);
  await expectAccessible(page, "deleghe");
  await page
    .getByLabel("Associazione o studio delegato")
    .selectOption({ label: "Confcommercio Pisa - sede di Volterra" });
  await page.getByLabel("Valida fino al").fill(romeDate(365));
  await page.locator("#file").setInputFiles(PDF);
  await page.getByRole("button", { name: "Concedi la delega" }).click();
  await expect(page.getByRole("status")).toContainText("Delega concessa a Confcommercio Pisa");
  const row = page.getByRole("row", { name: /Confcommercio Pisa/ }).first();
  await expect(row).toContainText("In vigore");
  await expectAccessible(page, "delega concessa");
  await logout(page);

  // 2. The association's operator files a SCIA for the business; the procura goes with it.
  await login(page, "associazione@demo.test");
  await expect(page).toHaveURL(/\/associazione$/);
  await expectAccessible(page, "area associazione");
  await page.goto("/catalogo/VICINATO_APERTURA?comune=050039");
  await page.getByRole("link", { name: "Presenta la pratica" }).click();
  await page.waitForURL(/\/pratiche\/nuova\?/);
  await hydrated(page);
  await choose(page, "Vicinato, settore non alimentare");
  await page.getByRole("button", { name: "Inizia la compilazione" }).click();
  await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
  const praticaUrl = page.url();
  const praticaId = praticaUrl.split("/").pop()!;
  await hydrated(page);
  await expectAccessible(page, "task list dell'associazione");

  await openTask(page, "Chi presenta la pratica");
  await expect(
    page
      .locator("#ruolo_dichiarante-INTERMEDIARIO, input[name=ruolo_dichiarante][value=INTERMEDIARIO]")
      .first(),
  ).toBeChecked();
  await page.locator("#dich_codice_fiscale").fill("MRRFNC75B02G702V");
  await page.locator("#dich_data_nascita").fill("02/02/1975");
  await page.locator("#dich_luogo_nascita").fill("Pisa");
  await page.locator("#dich_cittadinanza").fill("italiana");
  await page.locator("#dich_residenza").fill("Via Roma 1, 56125 Pisa");
  await page.locator("#dich_pec").fill("franco.marroni@pec.it");
  await save(page);

  await openTask(page, "Intermediario");
  await expect(page.locator("#interm_denominazione")).toHaveValue("Confcommercio Pisa - sede di Volterra");
  await page.locator("#interm_codice_fiscale").fill("01234567897");
  await tick(page, "interm_procura");
  await save(page);

  await openTask(page, "Sede dell'attività e dati catastali");
  await page.locator("#sede_indirizzo").fill("Via Matteotti 5");
  await page.locator("#sede_cap").fill("56048");
  await page.locator("#catasto_foglio").fill("12");
  await page.locator("#catasto_particella").fill("346");
  await save(page);

  await openTask(page, "Esercizio di vicinato");
  await choose(page, "Non alimentare");
  await page.locator("#superficie_vendita").fill("30");
  await save(page);

  for (const task of ["Requisiti soggettivi", "Dichiarazioni finali"]) {
    await openTask(page, task);
    for (const box of await page.locator("main form input[type=checkbox]").all()) {
      const id = await box.getAttribute("id");
      if (id && !(await box.isChecked())) await tick(page, id);
    }
    await save(page);
  }

  await openTask(page, "Allegati");
  // The procura came from the delegation: nothing to upload for it.
  await expect(
    page.locator('section[aria-labelledby="att-PROCURA_SPECIALE"]').getByText(/SHA-256 [0-9a-f]{64}/),
  ).toHaveCount(1);
  for (const code of ["DOC_IDENTITA", "PLANIMETRIA", "RICEVUTA_DIRITTI"]) {
    await page.locator(`#file-${code}`).setInputFiles(PDF);
    await page
      .locator(`section[aria-labelledby="att-${code}"]`)
      .getByRole("button", { name: "Carica" })
      .click();
    await expect(
      page.locator(`section[aria-labelledby="att-${code}"]`).getByText(/SHA-256 [0-9a-f]{64}/),
    ).toHaveCount(1);
  }
  await expectAccessible(page, "allegati con procura");
  await page.getByRole("link", { name: "Ho caricato gli allegati" }).click();
  await page.waitForURL(praticaUrl);

  await openTask(page, "Controlla e invia la pratica");
  await tick(page, "dichiarazione");
  await page.getByRole("button", { name: "Conferma e invia" }).click();
  await page.waitForURL(/ricevuta$/);
  const protocol = (await page.getByTestId("protocol-number").textContent())!.trim();
  expect(protocol).toMatch(/^SUAP-AVC\/\d{4}\/\d{7}$/);
  await expectAccessible(page, "ricevuta dell'associazione");

  // The workspace lists it; the receipt mail went to the business and to the association too.
  await page.goto("/associazione");
  await expect(page.getByRole("row", { name: new RegExp(protocol) })).toBeVisible();
  await page.goto("/dev/posta");
  await expect(page.getByText("confcommercio.pisa@pec.associazioni.test").first()).toBeVisible();
  await expect(page.getByText("bottegarossi@pec.imprese.test").first()).toBeVisible();
  await logout(page);

  // 3. The desk asks for an integration; the association answers it.
  await login(page, "operatore@demo.test");
  await page.goto(`/scrivania/pratiche/${praticaId}`);
  const send = page.locator("#act-SEND_INTEGRATION_REQUEST");
  await send.getByRole("textbox").first().fill("Visura catastale aggiornata");
  await send.getByLabel("Giorni per rispondere").fill("15");
  await send.getByRole("button", { name: "Invia la richiesta di integrazione" }).click();
  await expect(page.getByTestId("pratica-status")).toHaveText("Integrazione richiesta");
  await logout(page);

  await login(page, "associazione@demo.test");
  await expect(page.getByRole("row", { name: new RegExp(protocol) })).toContainText("Azione richiesta");
  await page.goto(praticaUrl);
  await hydrated(page);
  await page.getByRole("link", { name: "Invia l'integrazione" }).click();
  await hydrated(page);
  await expectAccessible(page, "integrazione");
  await page.locator("input[type=file]").setInputFiles(PDF);
  await page.getByRole("button", { name: /Invia l'integrazione|Conferma/ }).click();
  await expect(page.getByText("Fatto: la pratica è stata aggiornata.")).toBeVisible();
  await logout(page);

  // 4. The business revokes: the association keeps sight of what it filed, and nothing more.
  await login(page, "impresa@demo.test");
  await page.goto("/deleghe");
  await page
    .getByRole("link", { name: /Revoca la delega a Confcommercio/ })
    .first()
    .click();
  await hydrated(page);
  await expectAccessible(page, "revoca");
  await page.getByRole("button", { name: "Sì, revoca la delega" }).click();
  await expect(page.getByRole("status")).toContainText("Delega revocata");
  await expect(page.getByRole("row", { name: /Confcommercio Pisa/ }).first()).toContainText("Revocata");
  await logout(page);

  // Association operators sign in with SPID/CIE (the helper goes through /dev/idp).
  await login(page, "associazione@demo.test");
  await expect(page.getByRole("row", { name: new RegExp(protocol) })).toBeVisible();
  await page.goto(praticaUrl);
  await expect(page.getByRole("link", { name: "Invia l'integrazione" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Ritira la pratica" })).toHaveCount(0);
  const refused = await page.goto("/pratiche/nuova?procedimento=VICINATO_APERTURA&comune=050039");
  expect(refused?.ok()).toBe(true);
  await expect(page.getByRole("main")).not.toContainText("Bottega Rossi");
});
