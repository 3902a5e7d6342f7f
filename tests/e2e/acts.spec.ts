// Issue 12, desk and agency: the business's act page reached through a real flow (the officer asks, the
// business reads what was asked and the request's PDF, uploads several documents and sends the answer; no
// other person can open it), and an agency's term capped before the final one explained where the agency
// gives its opinion and where the desk has just forwarded the pratica.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { DESK_TITLES } from "./support/desk-plan";
import { expect, expectAccessible, login, loginWithIdp, test } from "./support/fixtures";
import { findCodes, internalCodes } from "./support/internal-codes";

const CODES = internalCodes();
const FIXTURES = path.join(process.cwd(), "tests/fixtures");

function pdfText(bytes: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "acts-pdf-"));
  try {
    const file = path.join(dir, "doc.pdf");
    writeFileSync(file, bytes);
    execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, `${file}.txt`]);
    return readFileSync(`${file}.txt`, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A real one-page PDF (the fixtures hold one valid PDF; a second document must differ from it). */
async function onePagePdf(line: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText(line, { x: 72, y: 770, size: 12, font });
  return Buffer.from(await doc.save());
}

async function logout(page: Page) {
  await page.getByRole("button", { name: "Esci" }).click();
  await expect(page.getByRole("button", { name: "Esci" })).toHaveCount(0);
}

async function openFromWorklist(page: Page, title: string) {
  await page.goto("/scrivania?q=&status=all");
  await page.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
}

test.describe("the act page and the agencies' terms (issue 12)", () => {
  test("the business answers an integration on its act page; nobody else can open it", async ({ page }) => {
    // The officer asks, from the desk.
    await login(page, "operatore@demo.test");
    await openFromWorklist(page, DESK_TITLES.actAnswer);
    const send = page.locator("#act-SEND_INTEGRATION_REQUEST");
    await send
      .getByRole("textbox")
      .fill("Planimetria dei locali in scala 1:100\nContratto di locazione registrato");
    await send.getByLabel("Giorni per rispondere").fill("20");
    await send.getByRole("button", { name: "Invia la richiesta di integrazione" }).click();
    await expect(page.getByTestId("pratica-status")).toHaveText("Integrazione richiesta");
    // the desk's own request is named as the desk's, never as an agency called "suap"
    await expect(page.getByTestId("integration-requests")).toContainText("Dallo Sportello SUAP");
    expect(await page.locator("main").innerText()).not.toMatch(/\bDa suap\b/i);
    const id = new URL(page.url()).pathname.split("/").pop()!;
    await logout(page);

    // The business reaches the act page from its pratica.
    await login(page, "impresa@demo.test");
    await page.goto("/pratiche");
    await page.getByRole("link", { name: DESK_TITLES.actAnswer }).click();
    await page.getByRole("link", { name: "Invia l'integrazione" }).click();
    await expect(page).toHaveURL(new RegExp(`/pratiche/${id}/atti/INTEGRATION_RECEIVED$`));
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Invia l'integrazione");
    const asked = page.getByTestId("asked-items");
    await expect(asked.getByRole("listitem")).toHaveText([
      "Planimetria dei locali in scala 1:100",
      "Contratto di locazione registrato",
    ]);
    await expect(page.getByText("Dallo Sportello", { exact: true })).toBeVisible();
    const main = await page.locator("main").innerText();
    expect(findCodes(main, CODES), "internal codes on the act page").toEqual([]);
    await expectAccessible(page, "act page: integration asked");

    // The request's PDF, linked from the act page, says the same items in words.
    const link = page.getByTestId("request-document").getByRole("link");
    await expect(link).toContainText("Richiesta di integrazione");
    const pdfHref = (await link.getAttribute("href"))!;
    const pdf = await page.request.get(pdfHref);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()["content-type"]).toContain("application/pdf");
    const text = pdfText(await pdf.body());
    expect(text).toContain("Planimetria dei locali in scala 1:100");
    expect(text).toContain("Contratto di locazione registrato");
    expect(findCodes(text, CODES), "internal codes in the request's PDF").toEqual([]);

    // Two documents, one at a time; nothing is sent until the business says so.
    await page.locator("#act-file").setInputFiles(path.join(FIXTURES, "planimetria.pdf"));
    await page.getByRole("button", { name: "Carica il documento" }).click();
    await expect(page.getByRole("status")).toContainText("Documento caricato");
    await page.locator("#act-file").setInputFiles({
      name: "contratto-locazione.pdf",
      mimeType: "application/pdf",
      buffer: await onePagePdf("Contratto di locazione registrato"),
    });
    await page.getByRole("button", { name: "Carica il documento" }).click();
    await expect(page.getByTestId("answer-files").getByRole("listitem")).toHaveCount(2);
    await expectAccessible(page, "act page: two documents uploaded");
    await page.goto(`/pratiche/${id}`);
    await expect(page.getByRole("link", { name: "Invia l'integrazione" })).toBeVisible();
    const actUrl = `/pratiche/${id}/atti/INTEGRATION_RECEIVED`;
    await page.goto(actUrl);
    await expect(page.getByTestId("answer-files").getByRole("listitem")).toHaveCount(2);
    await page.getByRole("button", { name: "Invia l'integrazione" }).click();
    await expect(page).toHaveURL(new RegExp(`/pratiche/${id}\\?fatto=1$`));
    await expect(page.getByRole("link", { name: "Invia l'integrazione" })).toHaveCount(0);
    // answered: the act page is no longer offered
    expect((await page.goto(actUrl))?.status()).toBe(404);
    await logout(page);

    // The officer opens each document of the answer inline and downloads them all as a ZIP with its manifest.
    await login(page, "operatore@demo.test");
    await page.goto(`/scrivania/pratiche/${id}`);
    const files = page.getByTestId("attachments").getByRole("link");
    await expect(files).toHaveCount(2);
    for (const href of await files.evaluateAll((as) => as.map((a) => a.getAttribute("href")!))) {
      const res = await page.request.get(href);
      expect(res.status()).toBe(200);
      expect(res.headers()["content-type"]).toContain("application/pdf");
      expect(res.headers()["content-disposition"]).toMatch(/^inline/);
    }
    const zipLink = page.getByRole("link", { name: /Scarica tutti gli allegati/ });
    const zip = await page.request.get((await zipLink.getAttribute("href"))!);
    expect(zip.headers()["content-type"]).toBe("application/zip");
    const dir = mkdtempSync(path.join(os.tmpdir(), "acts-zip-"));
    try {
      writeFileSync(path.join(dir, "a.zip"), await zip.body());
      execFileSync("unzip", ["-q", path.join(dir, "a.zip"), "-d", path.join(dir, "out")]);
      const sums = execFileSync("sha256sum", ["-c", "SHA256SUMS.txt"], {
        cwd: path.join(dir, "out"),
        encoding: "utf8",
      });
      expect(sums.match(/: OK$/gm)).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await expectAccessible(page, "desk: the answer's documents");
    await logout(page);

    // Another person (a business of their own, not Maria Rossi's) sees neither the page nor the PDF.
    await loginWithIdp(page, "giovanni", "cie");
    expect((await page.goto(`/pratiche/${id}`))?.status()).toBe(404);
    expect((await page.goto(actUrl))?.status()).toBe(404);
    const other = await page.request.get(pdfHref);
    expect([403, 404]).toContain(other.status());
    expect(other.headers()["content-type"] ?? "").not.toContain("application/pdf");
  });

  test("an agency's capped term is explained on the desk's forwarding summary and on the agency's panel", async ({
    page,
  }) => {
    await login(page, "operatore@demo.test");
    await openFromWorklist(page, DESK_TITLES.forwardCapped);
    const forward = page.locator("#act-FORWARD_TO_AGENCIES");
    const boxes = await forward.getByRole("checkbox").all();
    expect(boxes.length).toBeGreaterThanOrEqual(2);
    // A click on each agency's name ticks (or unticks) its own box: the days field's label covers none of them
    // (issue 12: for several agencies the click focused the days field). Leave only the ASL ticked.
    for (const box of boxes) {
      const code = (await box.getAttribute("value"))!;
      const label = forward.locator(`label[for="agency-${code}"]`);
      const before = await box.isChecked();
      await label.click();
      await expect(box).toBeChecked({ checked: !before });
      if ((code === "ASL-TNO") !== !before) await label.click();
      await expect(box).toBeChecked({ checked: code === "ASL-TNO" });
    }
    await forward.getByLabel(/Giorni per il parere.*Azienda USL Toscana Nord Ovest/).fill("60");
    await forward.getByRole("button", { name: "Inoltra agli enti terzi" }).click();
    await expect(page.getByRole("status")).toContainText("Fatto: Inoltra agli enti terzi");
    const summary = page.getByTestId("forwarded-summary");
    const line = summary.getByTestId("agency-due-ASL-TNO");
    await expect(line).toContainText("Azienda USL Toscana Nord Ovest: parere entro il");
    await expect(line).toContainText("60 giorni assegnati");
    await expect(line.getByTestId("agency-due-sentence-why")).toContainText(
      "Ridotto rispetto ai 60 giorni assegnati",
    );
    await expect(line.getByTestId("agency-due-sentence-why")).toContainText("deve concludersi entro il");
    // the same date as the agencies' table
    const date = (await line.innerText()).match(/\d{2}\/\d{2}\/\d{4}/)?.[0];
    expect(date).toBeTruthy();
    await expect(page.getByRole("row", { name: /^Azienda USL Toscana Nord Ovest/ })).toContainText(date!);
    await expectAccessible(page, "desk: forwarding summary with a capped term");
    const id = new URL(page.url()).pathname.split("/").pop()!;
    await logout(page);

    await login(page, "asl@demo.test");
    await page.goto("/ente");
    await page.getByRole("link", { name: DESK_TITLES.forwardCapped }).click();
    await expect(page).toHaveURL(new RegExp(`/ente/pratiche/${id}$`));
    const panel = page.getByRole("region", { name: /Il parere di Azienda USL Toscana Nord Ovest/ });
    const mine = panel.getByTestId("agency-due-ASL-TNO");
    await expect(mine).toContainText(`parere entro il ${date}`);
    await expect(mine.getByTestId("agency-due-sentence-why")).toContainText(
      "Ridotto rispetto ai 60 giorni assegnati",
    );
    const main = await page.locator("main").innerText();
    expect(findCodes(main, CODES), "internal codes on the agency's page").toEqual([]);
    await expectAccessible(page, "agency: own panel with a capped term");
  });

  test("refusing an authorisation after the 10-bis notice asks first and names the consequence", async ({
    page,
  }) => {
    await login(page, "operatore@demo.test");
    await openFromWorklist(page, DESK_TITLES.denyAfterNotice);
    const status = await page.getByTestId("pratica-status").innerText();
    const documents = await page.getByTestId("documents").getByRole("link").count();
    const deny = page.locator("#act-DENY");
    await deny.locator("textarea[name=reasons]").fill("Locali non conformi al regolamento comunale");
    await deny.getByRole("button", { name: "Respingi / vieta la prosecuzione" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      "Conferma: Respingi / vieta la prosecuzione",
    );
    await expect(page.getByTestId("confirm-consequence")).toContainText("La domanda viene respinta");
    await expect(page.getByTestId("confirm-reasons")).toHaveText(
      "Locali non conformi al regolamento comunale",
    );
    await expectAccessible(page, "refusal confirmation");
    // cancelling changes nothing
    await page.getByRole("link", { name: "Annulla e torna alla pratica" }).click();
    await expect(page.getByTestId("pratica-status")).toHaveText(status);
    await expect(page.getByTestId("documents").getByRole("link")).toHaveCount(documents);
    // confirming refuses, with the act
    await deny.locator("textarea[name=reasons]").fill("Locali non conformi al regolamento comunale");
    await deny.getByRole("button", { name: "Respingi / vieta la prosecuzione" }).click();
    await page.getByRole("button", { name: "Confermo: Respingi / vieta la prosecuzione" }).click();
    await expect(page.getByRole("status")).toContainText("Fatto: Respingi / vieta la prosecuzione");
    await expect(page.getByTestId("pratica-status")).not.toHaveText(status);
    await expect(page.getByTestId("documents").getByRole("link")).toHaveCount(documents + 1);
    await expectAccessible(page, "authorisation refused");
  });
});
