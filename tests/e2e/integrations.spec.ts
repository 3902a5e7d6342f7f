import { DESK_TITLES } from "./support/desk-plan";
import { expect, expectAccessible, expectAccessibleWithScripts, login, test } from "./support/fixtures";

// prepare.ts seeds one SSU call out of retries on the SCIA demo pratica.
test.describe("the queue of external calls", () => {
  test("the desk sees a pratica's pending calls", async ({ page }) => {
    await login(page, "operatore@demo.test");
    await page.goto("/scrivania?q=&status=all");
    await page.getByRole("link", { name: DESK_TITLES.scia }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(DESK_TITLES.scia);
    const section = page.getByRole("region", { name: "Chiamate in sospeso" });
    await expect(section).toBeVisible();
    await expect(section.getByTestId("pending-calls")).toContainText("SSU");
    await expect(section.getByTestId("pending-calls")).toContainText(
      "Tentativi esauriti: sportello avvisato",
    );
    await expectAccessible(page, "desk pratica with pending calls");
  });

  test("only an administrator opens the integrations page", async ({ page }) => {
    await login(page, "operatore@demo.test");
    const response = await page.goto("/amministrazione/integrazioni");
    expect(response?.status()).toBe(403);
  });

  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false });

    test("an administrator lists failing calls and retries one with a plain form", async ({
      page,
      browser,
    }) => {
      await login(page, "admin@demo.test");
      await page.goto("/amministrazione/integrazioni");
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Integrazioni con altri sistemi");
      const table = page.getByRole("table", { name: "Chiamate non ancora concluse" });
      const row = table.getByTestId("integration-call").filter({ hasText: "e2e_notify_peer" });
      await expect(row).toContainText("Tentativi esauriti: sportello avvisato");
      await expect(row).toContainText("503");
      // The peer's HTTP status of the last attempt, shown apart from the message (ADR 0024).
      await expect(row.getByTestId("call-http-status")).toHaveText("Risposta HTTP 503");
      await expectAccessibleWithScripts(browser, page, "integrations");
      await row.getByRole("button", { name: "Riprova la chiamata e2e_notify_peer a SSU" }).click();
      await expect(page).toHaveURL(/\/amministrazione\/integrazioni\?riprova=ok$/);
      await expect(page.getByRole("status")).toHaveText(
        "La chiamata è di nuovo in coda e sarà eseguita a breve.",
      );
      await expectAccessibleWithScripts(browser, page, "integrations after retry");
    });
  });
});
