// The journey as people meet it (issue 12): the desk closes a SCIA positively, and the acts that end a
// procedure against the business ask for a confirmation that names the consequence (without JavaScript too).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { DESK_TITLES } from "./support/desk-plan";
import { expect, expectAccessible, expectAccessibleWithScripts, login, test } from "./support/fixtures";

async function openFromWorklist(page: Page, title: string) {
  await page.goto(`/scrivania?q=&status=all`);
  await page.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
}

/** The text layer of a PDF, read with pdftotext as a person copying from it would get it. */
function pdfText(bytes: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "journey-pdf-"));
  try {
    const file = path.join(dir, "doc.pdf");
    writeFileSync(file, bytes);
    execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, `${file}.txt`]);
    return readFileSync(`${file}.txt`, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test.describe("the desk's acts as people meet them", () => {
  test("an officer closes a SCIA's checks positively, and the outgoing act says so", async ({ page }) => {
    await login(page, "operatore@demo.test");
    await openFromWorklist(page, DESK_TITLES.sciaPositive);
    const conclude = page.locator("#act-CONCLUDE_CHECKS");
    await expect(
      conclude.getByRole("heading", { name: "Chiudi i controlli con esito positivo" }),
    ).toBeVisible();
    await expectAccessible(page, "SCIA with the positive end offered");
    await conclude
      .locator("textarea[name=reasons]")
      .fill("Requisiti morali e professionali verificati con esito positivo");
    await conclude.getByRole("button", { name: "Chiudi i controlli con esito positivo" }).click();
    await expect(page.getByRole("status")).toContainText("Fatto: Chiudi i controlli con esito positivo");
    await expect(page.getByTestId("pratica-status")).toHaveText("Efficace");
    await expect(page.locator("#act-CONCLUDE_CHECKS")).toHaveCount(0);
    await expect(page.locator("#act-DENY")).toHaveCount(0);
    await expectAccessible(page, "SCIA closed positively");

    const documents = page.getByTestId("documents");
    const last = documents.getByRole("link").last();
    await expect(last).toHaveText("Provvedimento conclusivo");
    const href = await last.getAttribute("href");
    const response = await page.request.get(href!);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("application/pdf");
    const text = pdfText(await response.body());
    expect(text).toContain("Provvedimento conclusivo");
    expect(text).toContain(DESK_TITLES.sciaPositive);
    expect(text).toContain("Requisiti morali e professionali verificati con esito positivo");

    await page.goto("/dev/posta");
    await expect(page.getByText(DESK_TITLES.sciaPositive).first()).toBeVisible();
  });

  test("a click on an agency's name ticks its box; taking charge is not offered twice", async ({ page }) => {
    await login(page, "operatore@demo.test");
    await openFromWorklist(page, DESK_TITLES.toForward);
    const forward = page.locator("#act-FORWARD_TO_AGENCIES");
    for (const name of [/Azienda USL/, /ARPAT/, /Soprintendenza/]) {
      const box = forward.getByRole("checkbox", { name });
      const before = await box.isChecked();
      // A real pointer click on the visible name: it fails if the days field's label lies on top of it.
      await forward.locator("label.form-check-label", { hasText: name }).click();
      await expect(box).toBeChecked({ checked: !before });
      await expect(forward.locator("input[type=number]:focus")).toHaveCount(0);
    }
    await expectAccessible(page, "forward form after clicks");

    await page.getByRole("button", { name: "Prendi in carico" }).click();
    await expect(page.getByRole("status")).toContainText("Assegnazione aggiornata");
    await expect(page.getByTestId("assigned-to-me")).toHaveText("La pratica è in carico a te.");
    await expect(page.getByRole("button", { name: "Prendi in carico" })).toHaveCount(0);
    await expectAccessible(page, "assigned to me");
  });

  test("the portal serves its icon", async ({ page }) => {
    const icon = await page.request.get("/favicon.ico");
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toMatch(/image\/(x-icon|vnd\.microsoft\.icon)/);
    const bytes = await icon.body();
    expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
  });

  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false });

    test("declaring a SCIA inadmissible asks first, names the consequence, and can be cancelled", async ({
      page,
      browser,
    }) => {
      await login(page, "operatore@demo.test");
      await openFromWorklist(page, DESK_TITLES.sciaInadmissible);
      const url = page.url();
      const refuse = page.locator("#act-REFUSE_INADMISSIBLE");
      await refuse.locator("textarea[name=reasons]").fill("Modulo non sottoscritto dal dichiarante");
      await refuse.getByRole("button", { name: "Dichiara irricevibile" }).click();
      // Nothing has happened yet: the page asks for the confirmation and says what it will do.
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Conferma: Dichiara irricevibile");
      await expect(page.getByTestId("confirm-consequence")).toContainText("chiusa senza esame nel merito");
      await expect(page.getByTestId("confirm-reasons")).toHaveText("Modulo non sottoscritto dal dichiarante");
      await page.getByRole("link", { name: "Annulla e torna alla pratica" }).click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(DESK_TITLES.sciaInadmissible);
      await expect(page.getByTestId("pratica-status")).not.toHaveText("Irricevibile");
      await expect(page.getByTestId("documents").getByRole("link")).toHaveCount(1);

      await page
        .locator("#act-REFUSE_INADMISSIBLE textarea[name=reasons]")
        .fill("Modulo non sottoscritto dal dichiarante");
      await page
        .locator("#act-REFUSE_INADMISSIBLE")
        .getByRole("button", { name: "Dichiara irricevibile" })
        .click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Conferma: Dichiara irricevibile");
      await page.getByRole("button", { name: "Confermo: Dichiara irricevibile" }).click();
      await expect(page.getByRole("status")).toContainText("Fatto: Dichiara irricevibile");
      expect(page.url().replace(/\?.*$/, "")).toBe(url.replace(/\?.*$/, ""));
      await expect(page.getByTestId("documents").getByRole("link")).toHaveCount(2);
      await expectAccessibleWithScripts(browser, page, "inadmissible SCIA");
    });
  });
});
