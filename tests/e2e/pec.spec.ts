import { expect, expectAccessible, expectAccessibleWithScripts, login, test } from "./support/fixtures";
import { PEC_E2E } from "./support/pec";

// prepare.ts reads two certified messages naming no pratica and one plain message into the desk's inbox.
test.describe("the desk's certified mail", () => {
  test("an officer sees the inbox, the refusals and the outgoing PEC", async ({ page }) => {
    await login(page, "operatore@demo.test");
    await page.goto("/scrivania/posta");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Posta certificata");
    await expect(page.getByRole("heading", { level: 3, name: PEC_E2E.subject })).toBeVisible();
    await expect(page.getByRole("table").filter({ hasText: "Offerta imperdibile" })).toContainText(
      "Non è una busta PEC",
    );
    await expectAccessible(page, "desk PEC inbox");
  });

  test("a business user may not open it", async ({ page }) => {
    await login(page, "impresa@demo.test");
    const response = await page.goto("/scrivania/posta");
    expect(response?.status()).toBe(403);
  });

  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false });

    test("a wrong reference is explained; registering without a pratica protocols the message", async ({
      page,
      browser,
    }) => {
      await login(page, "operatore@demo.test");
      await page.goto("/scrivania/posta");
      const card = page.getByRole("listitem").filter({ hasText: PEC_E2E.subject });
      await card.getByLabel("CUI o numero di protocollo della pratica").fill("SUAP-AVC/1999/0000001");
      await card.getByRole("button", { name: "Allega alla pratica e protocolla" }).click();
      await expect(
        page.getByRole("alert").filter({ hasText: "Nessuna pratica ha questo CUI" }),
      ).toBeVisible();
      await expectAccessibleWithScripts(browser, page, "desk PEC inbox with an error");
      await page
        .getByRole("listitem")
        .filter({ hasText: PEC_E2E.secondSubject })
        .getByRole("button", { name: "Protocolla senza pratica" })
        .click();
      await expect(page.getByRole("status")).toContainText(
        /Messaggio protocollato con il numero SUAP-AVC\/\d{4}\/\d{7}/,
      );
      await expect(page.getByRole("heading", { level: 3, name: PEC_E2E.secondSubject })).toHaveCount(0);
      await expect(page.getByRole("table").filter({ hasText: PEC_E2E.secondSubject })).toBeVisible();
      await expectAccessibleWithScripts(browser, page, "desk PEC inbox after registering");
    });
  });
});
