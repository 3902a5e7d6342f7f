import {
  expect,
  expectAccessible,
  expectAccessibleWithScripts,
  loginWithIdp,
  test,
} from "./support/fixtures";

/** SPID and CIE through OpenID Connect with the development provider at /dev/idp, in Chromium. */
test.describe("SPID and CIE", () => {
  test("a business signs in with SPID, sees its business and signs out of the provider too", async ({
    page,
  }) => {
    await page.goto("/accedi");
    await expect(page.getByRole("link", { name: "Entra con SPID" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Entra con CIE" })).toBeVisible();
    await expectAccessible(page, "sign-in page with SPID and CIE");
    await page.getByRole("link", { name: "Entra con SPID" }).click();
    await page.waitForURL(/\/dev\/idp\/interaction\//);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Entra con SPID (prova)");
    await expectAccessible(page, "development provider: choose a person");
    await page.locator('label[for="person-maria"]').click();
    await page.getByRole("button", { name: "Entra con SPID" }).click();
    await expect(page).toHaveURL(/\/area-personale$/);
    await expect(page.getByText("Maria Rossi").first()).toBeVisible();
    await page.goto("/imprese");
    await expect(page.getByRole("strong").filter({ hasText: "Bottega Rossi di Maria Rossi" })).toBeVisible();
    await page.getByRole("button", { name: "Esci" }).click();
    await page.waitForURL((u) => u.pathname === "/");
    await expect(page.getByRole("button", { name: "Esci" })).toHaveCount(0);
    // The provider's session ended too: the next SPID sign-in asks again who you are.
    await page.goto("/accedi/spid");
    await page.waitForURL(/\/dev\/idp\/interaction\//);
  });

  test("a new person signs in with CIE, which creates the account, and links the business they represent", async ({
    page,
  }) => {
    await loginWithIdp(page, "giovanni", "cie");
    await expect(page).toHaveURL(/\/area-personale$/);
    await page.goto("/imprese");
    await page.getByRole("link", { name: "Aggiungi un'impresa" }).click();
    await expect(page).toHaveURL(/\/imprese\/nuova$/);
    await expectAccessible(page, "link a business");
    await page.locator("#name").fill("Forno Verdi S.r.l.");
    await page.locator("#legal_form").selectOption("Società a responsabilità limitata");
    await page.locator("#fiscal_code").fill("09876543217");
    await page.locator("#vat_number").fill("09876543217");
    await page.locator("#pec").fill("fornoverdi@pec.imprese.test");
    await page.locator("#office_address").fill("Piazza dei Priori 3");
    await page.locator("#office_cap").fill("56048");
    await page.locator("#office_municipality").fill("Volterra");
    await page.locator("#rep_name").fill("Giovanni Verdi");
    await page.locator("#rep_fiscal_code").fill("VRDGNN75C12M126F");
    await page.getByRole("button", { name: "Aggiungi l'impresa" }).click();
    await expect(page.getByRole("status")).toContainText("Impresa aggiunta");
    await expect(page.getByText("Giovanni Verdi - legale rappresentante")).toBeVisible();
    await expectAccessible(page, "business page after linking");
  });

  test("a level of assurance below SPID 2 is refused with a clear page", async ({ page, browser }) => {
    await loginWithIdpExpectingRefusal(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Accesso non riuscito");
    await expect(page.getByRole("alert")).toContainText("livello di sicurezza");
    await expect(page.getByRole("button", { name: "Esci" })).toHaveCount(0);
    await expectAccessibleWithScripts(browser, page, "refused sign-in");
  });

  test("SPID sign-in works without JavaScript", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/accedi");
    await page.getByRole("link", { name: "Entra con SPID" }).click();
    await page.waitForURL(/\/dev\/idp\/interaction\//);
    await page.locator('label[for="person-franco"]').click();
    await page.getByRole("button", { name: "Entra con SPID" }).click();
    await expect(page).toHaveURL(/\/associazione$/);
    await context.close();
  });
});

async function loginWithIdpExpectingRefusal(page: import("@playwright/test").Page) {
  await page.goto("/accedi");
  await page.getByRole("link", { name: "Entra con SPID" }).click();
  await page.waitForURL(/\/dev\/idp\/interaction\//);
  await page.locator('label[for="person-maria"]').click();
  await page.locator('label[for="level-1"]').click();
  await page.getByRole("button", { name: "Entra con SPID" }).click();
  await page.waitForURL(/\/accedi\/oidc\/callback/);
}
