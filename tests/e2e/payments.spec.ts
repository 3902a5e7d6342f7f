import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, expectAccessible, hydrated, login, test } from "./support/fixtures";

const PDF = path.resolve("tests/fixtures/planimetria.pdf");

async function openTask(page: Page, name: string) {
  const before = page.url();
  await page.getByRole("link", { name, exact: true }).click();
  await page.waitForURL((u) => u.toString() !== before);
  await hydrated(page);
}

async function check(page: Page, selector: string) {
  const box = page.locator(selector);
  const id = await box.getAttribute("id");
  await page.locator(`label[for="${id}"]`).click();
  await expect(box).toBeChecked();
}

/** "Salva e continua" leads to the next section (the summary after the last); then back to the task list. */
async function save(page: Page) {
  const section = page.url();
  await page.getByRole("button", { name: "Salva e continua" }).click();
  await page.waitForURL((u) => u.toString() !== section && /\/(sezioni\/[^/]+|riepilogo)$/.test(u.pathname));
  await page.goto(section.replace(/\/sezioni\/.*$/, ""));
  await hydrated(page);
}

/** A draft for Castelnuovo di Val di Cecina, a Comune that collects its fees through pagoPA (the double). */
async function draftInCastelnuovo(page: Page) {
  await page.goto("/catalogo/VICINATO_APERTURA?comune=050011");
  await hydrated(page);
  await page.getByRole("link", { name: "Presenta la pratica" }).click();
  await page.waitForURL(/\/pratiche\/nuova\?/);
  await hydrated(page);
  await check(page, "input[value='VICINATO_APERTURA_NON_ALIMENTARE']");
  await page.getByRole("button", { name: "Inizia la compilazione" }).click();
  await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
  const praticaUrl = page.url();
  await hydrated(page);

  await openTask(page, "Chi presenta la pratica");
  await page.locator("#dich_data_nascita").fill("01/01/1980");
  await page.locator("#dich_luogo_nascita").fill("Volterra");
  await page.locator("#dich_cittadinanza").fill("italiana");
  await page.locator("#dich_residenza").fill("Via dei Sarti 12, 56048 Volterra");
  await page.locator("#dich_pec").fill("maria.rossi@pec.it");
  await save(page);
  await openTask(page, "Sede dell'attività e dati catastali");
  await page.locator("#sede_indirizzo").fill("Via Roma 1");
  await page.locator("#sede_cap").fill("56041");
  await page.locator("#catasto_foglio").fill("3");
  await page.locator("#catasto_particella").fill("21");
  await save(page);
  await openTask(page, "Esercizio di vicinato");
  const nonFood = page.getByLabel("Non alimentare", { exact: true });
  await page.locator(`label[for="${await nonFood.getAttribute("id")}"]`).click();
  await page.locator("#superficie_vendita").fill("40");
  await save(page);
  for (const task of ["Requisiti soggettivi", "Dichiarazioni finali"]) {
    await openTask(page, task);
    for (const box of await page.locator("main form input[type=checkbox]").all()) {
      await page.locator(`label[for="${await box.getAttribute("id")}"]`).click();
    }
    await save(page);
  }
  await openTask(page, "Allegati");
  // With pagoPA the payment receipt is not uploaded: the fee is paid from the portal. The proof stays
  // offered (fallback) but optional, with the link to the payments page.
  const toPayments = page.getByRole("link", { name: "Vai ai pagamenti" });
  await expect(toPayments).toHaveAttribute("href", `${new URL(praticaUrl).pathname}/pagamenti`);
  const proof = page.locator("main section").filter({ has: toPayments });
  await expect(proof).toHaveCount(1);
  await expect(proof.locator("h2 .badge")).toHaveText("Facoltativo");
  await expect(proof.getByText(/riceve i diritti con pagoPA: la ricevuta non va caricata/)).toBeVisible();
  await expectAccessible(page, "allegati: ricevuta facoltativa con pagoPA");
  for (const code of ["DOC_IDENTITA", "PLANIMETRIA"]) {
    await page.locator(`#file-${code}`).setInputFiles(PDF);
    await page
      .locator(`section[aria-labelledby="att-${code}"]`)
      .getByRole("button", { name: "Carica" })
      .click();
    await expect(
      page.locator(`section[aria-labelledby="att-${code}"]`).getByText(/SHA-256 [0-9a-f]{64}/),
    ).toHaveCount(1);
  }
  return praticaUrl;
}

test("pays the fee through pagoPA (the double), reads the avviso back, then submits; axe on every new page", async ({
  page,
}) => {
  test.setTimeout(180_000);
  await login(page, "impresa@demo.test");
  const praticaUrl = await draftInCastelnuovo(page);

  // Submission is blocked until the fee is paid, with a link to the payments page.
  await page.goto(`${praticaUrl}/riepilogo`);
  await hydrated(page);
  await check(page, "#dichiarazione");
  await page.getByRole("button", { name: "Conferma e invia" }).click();
  const blocked = page
    .locator(".error-summary")
    .getByRole("link", { name: /Paga i diritti di istruttoria con pagoPA/ });
  await expect(blocked).toBeVisible();
  await blocked.click();
  await page.waitForURL(/\/pagamenti$/);
  await hydrated(page);
  await expectAccessible(page, "pagamenti: da generare");

  await page.getByRole("button", { name: /Genera l'avviso di pagamento/ }).click();
  await expect(page.getByRole("cell", { name: "Da pagare" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "50,00 €" })).toBeVisible();
  await expectAccessible(page, "pagamenti: da pagare");

  // The avviso: its text and its QR code (PAGOPA|002|notice|creditor|cents).
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Scarica l'avviso (PDF)" }).click();
  const file = await (await download).path();
  const dir = mkdtempSync(path.join(os.tmpdir(), "avviso-"));
  const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
  expect(text).toContain("AVVISO DI PAGAMENTO");
  expect(text).toContain("Castelnuovo di Val di Cecina");
  expect(text).toContain("50,00 Euro");
  execFileSync("pdftoppm", ["-r", "150", "-png", "-f", "1", "-l", "1", file, path.join(dir, "p")]);
  const qr = execFileSync("zbarimg", ["--raw", "-q", path.join(dir, "p-1.png")], { encoding: "utf8" }).trim();
  expect(qr).toMatch(/^PAGOPA\|002\|3\d{17}\|00180000507\|5000$/);
  const notice = qr.split("|")[2]!;
  expect(text.replace(/\s/g, "")).toContain(notice);
  writeFileSync(path.join(dir, "qr.txt"), qr);

  // Online: the checkout of the double, and back.
  await page.getByRole("button", { name: "Paga online con pagoPA" }).click();
  await page.waitForURL(/\/dev\/pagopa\/checkout\//);
  await hydrated(page);
  await expect(page.getByText("Castelnuovo di Val di Cecina", { exact: true })).toBeVisible();
  await expectAccessible(page, "checkout del double");
  await page.getByRole("button", { name: "Paga 50,00 euro" }).click();
  await page.waitForURL(/\/pagamenti\?esito=ok$/);
  await hydrated(page);
  await expect(page.getByRole("status")).toContainText("Pagamento completato");
  await expect(page.getByRole("cell", { name: /Pagato/ })).toBeVisible();
  await expect(page.getByText(/Ricevuta RT-[0-9A-F]{16}/)).toBeVisible();
  await expectAccessible(page, "pagamenti: pagato");
  const receipt = page.waitForEvent("download");
  await page.getByRole("link", { name: "Scarica la ricevuta" }).click();
  const receiptText = execFileSync("pdftotext", [await (await receipt).path(), "-"], { encoding: "utf8" });
  expect(receiptText).toContain("RICEVUTA DI PAGAMENTO pagoPA");

  // Now it submits.
  await page.getByRole("link", { name: "Torna al riepilogo" }).click();
  await page.waitForURL(/riepilogo$/);
  await hydrated(page);
  await check(page, "#dichiarazione");
  await page.getByRole("button", { name: "Conferma e invia" }).click();
  await page.waitForURL(/ricevuta$/);
  await expect(page.getByRole("heading", { name: "Pratica inviata" })).toBeVisible();

  // The manager's reconciliation for the Comune and month, and its CSV.
  await page.context().clearCookies();
  await login(page, "responsabile@demo.test");
  await page.goto("/scrivania/cruscotto");
  await page.getByRole("link", { name: "Riconciliazione pagamenti pagoPA" }).click();
  await page.waitForURL(/\/scrivania\/pagamenti/);
  await page.goto(`/scrivania/pagamenti?ente=050011&mese=${new Date().toISOString().slice(0, 7)}`);
  await hydrated(page);
  await expect(page.getByRole("cell", { name: notice.slice(1) })).toBeVisible();
  // The overdue payments section (payment after submission) is on the same page.
  await expect(page.getByRole("heading", { name: "Pagamenti scaduti", level: 2 })).toBeVisible();
  await expectAccessible(page, "riconciliazione con i pagamenti scaduti");
  const csv = page.waitForEvent("download");
  await page.getByRole("link", { name: "Scarica CSV" }).click();
  const { readFileSync } = await import("node:fs");
  const body = readFileSync(await (await csv).path(), "utf8");
  expect(body).toContain(notice.slice(1));
  expect(body).toContain("50,00");
});
