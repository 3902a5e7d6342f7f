import { expect, expectAccessible, expectAccessibleWithScripts, login, test } from "./support/fixtures";
import { PROTOCOL_E2E } from "./support/protocol";

// prepare.ts files a pratica registered yesterday and produces yesterday's daily register (support/protocol.ts).
const pratica = `/scrivania/pratiche/${PROTOCOL_E2E.praticaId}`;

test.describe("the daily protocol register (issue 17)", () => {
  test("a manager sees yesterday's sealed register and downloads its PDF", async ({ page }) => {
    await login(page, "responsabile@demo.test");
    await page.goto("/scrivania/registro-protocollo");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Registro giornaliero di protocollo");
    const table = page.getByRole("table", { name: "Registri giornalieri, dal più recente" });
    await expect(table).toBeVisible();
    const link = table.getByRole("link", { name: /^Scarica il registro del .+ \(PDF\)$/ }).first();
    await expect(link).toBeVisible();
    // At least the e2e pratica's registrations are counted in a register.
    const counts = await table.locator("tbody tr td:nth-child(2)").allTextContents();
    expect(counts.map(Number).some((n) => n >= 1)).toBe(true);
    await expectAccessible(page, "daily protocol registers");
    const href = await link.getAttribute("href");
    const response = await page.request.get(href!);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toBe("application/pdf");
    expect((await response.body()).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });

  test("an officer and a business are refused the register and its PDF", async ({ page }) => {
    await login(page, "operatore@demo.test");
    expect((await page.goto("/scrivania/registro-protocollo"))?.status()).toBe(403);
    await page.context().clearCookies();
    await login(page, "impresa@demo.test");
    expect((await page.goto("/scrivania/registro-protocollo"))?.status()).toBe(403);
  });

  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false });

    test("the register page works", async ({ page, browser }) => {
      await login(page, "responsabile@demo.test");
      await page.goto("/scrivania/registro-protocollo");
      await expect(page.getByRole("table", { name: "Registri giornalieri, dal più recente" })).toBeVisible();
      await expectAccessibleWithScripts(browser, page, "daily protocol registers without JavaScript");
    });
  });
});

test.describe("annulling a protocol registration (art. 54, issue 17)", () => {
  test("an officer sees no annul link and is refused the page", async ({ page }) => {
    await login(page, "operatore@demo.test");
    await page.goto(pratica);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(PROTOCOL_E2E.title);
    await expect(page.getByRole("link", { name: /^Annulla la registrazione / })).toHaveCount(0);
    // The manager's link, typed by hand: 403.
    const entries = page.getByRole("heading", { name: "Registrazioni di protocollo" });
    await expect(entries).toBeVisible();
    await page.context().clearCookies();
    await login(page, "responsabile@demo.test");
    await page.goto(pratica);
    const href = await page
      .getByRole("link", { name: /^Annulla la registrazione / })
      .first()
      .getAttribute("href");
    expect(href).toMatch(/\/protocollo\/\d+\/annulla$/);
    await page.context().clearCookies();
    await login(page, "operatore@demo.test");
    expect((await page.goto(href!))?.status()).toBe(403);
  });

  test("with JavaScript the form is accessible", async ({ page }) => {
    await login(page, "responsabile@demo.test");
    await page.goto(pratica);
    await page
      .getByRole("link", { name: /^Annulla la registrazione / })
      .first()
      .click();
    // Generous: the shared machine can be slow to answer a navigation.
    await page.waitForURL(/\/protocollo\/\d+\/annulla$/, { timeout: 120_000 });
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      /^Annulla la registrazione di protocollo SUAP-AVC\/\d{4}\/\d{7}$/,
      { timeout: 60_000 },
    );
    await expectAccessible(page, "annul a registration");
  });

  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false });

    test("a manager annuls with a reason, after a confirmation naming the consequence", async ({
      page,
      browser,
    }) => {
      await login(page, "responsabile@demo.test");
      await page.goto(pratica);
      const link = page.getByRole("link", { name: /^Annulla la registrazione / }).first();
      const label = ((await link.textContent()) ?? "").replace("Annulla la registrazione ", "").trim();
      expect(label).toMatch(/^SUAP-AVC\/\d{4}\/\d{7}$/);
      await link.click();
      await page.waitForURL(/\/protocollo\/\d+\/annulla$/, { timeout: 120_000 });
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(
        `Annulla la registrazione di protocollo ${label}`,
      );
      await expectAccessibleWithScripts(browser, page, "annul form without JavaScript");

      // No reason: refused with a sentence, nothing annulled.
      await page.getByRole("button", { name: "Continua" }).click();
      await expect(page.locator("#reason-error")).toBeVisible({ timeout: 120_000 });
      await expect(page.getByLabel("Motivo dell'annullamento (obbligatorio)")).toHaveAttribute(
        "aria-invalid",
        "true",
      );

      await page
        .getByLabel("Motivo dell'annullamento (obbligatorio)")
        .fill("Registrazione doppia per errore.");
      await page.getByLabel(/Riferimento dell'autorizzazione/).fill("Disposizione n. 12/2026");
      await page.getByRole("button", { name: "Continua" }).click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(
        `Confermi l'annullamento della registrazione ${label}?`,
        { timeout: 120_000 },
      );
      await expect(page.getByTestId("annul-consequence")).toContainText("il numero non potrà essere riusato");
      await expect(page.getByTestId("annul-reason")).toHaveText("Registrazione doppia per errore.");
      await page.getByRole("button", { name: "Annulla la registrazione" }).click();

      await page.waitForURL(new RegExp(`${pratica}\\?fatto=PROTOCOL_ANNUL$`), { timeout: 120_000 });
      await expect(page.getByText("La registrazione di protocollo è stata annullata.")).toBeVisible();
      await expect(page.getByText("Registrazione doppia per errore.").first()).toBeVisible();
      await expect(page.getByRole("link", { name: `Annulla la registrazione ${label}` })).toHaveCount(0);
      await expectAccessibleWithScripts(browser, page, "pratica after an annulment");
    });
  });
});
