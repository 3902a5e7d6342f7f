import { DEMO_PASSWORD, expect, expectAccessible, hydrated, login, test } from "./support/fixtures";

test.describe("accounts", () => {
  test("a wrong password is refused with a summary that takes focus and links to the field", async ({
    page,
  }) => {
    await page.goto("/accedi");
    await hydrated(page);
    await page.getByLabel("Indirizzo email").fill("impresa@demo.test");
    await page.getByLabel("Password", { exact: true }).fill("non-e-questa");
    await page.getByRole("button", { name: "Accedi", exact: true }).click();
    const summary = page.getByRole("alert");
    await expect(summary).toContainText("Email o password non corretti");
    await expect(summary).toBeFocused();
    await expectAccessible(page, "login with error");
    await summary.getByRole("link").click();
    await expect(page.getByLabel("Indirizzo email")).toBeFocused();
  });

  test("every demo role can log in and lands on its own workspace", async ({ page }) => {
    for (const [email, role, landing] of [
      ["impresa@demo.test", "Impresa", "/area-personale"],
      ["operatore@demo.test", "Operatore SUAP", "/scrivania"],
      ["asl@demo.test", "Istruttore di ente terzo - Azienda USL Toscana Nord Ovest", "/ente"],
      ["associazione@demo.test", "Operatore di associazione", "/associazione"],
      ["admin@demo.test", "Amministratore", "/area-personale"],
    ] as const) {
      await login(page, email);
      expect(new URL(page.url()).pathname).toBe(landing);
      await page.goto("/area-personale");
      await expect(page.getByRole("main").getByText(role, { exact: false }).first()).toBeVisible();
      await page.getByRole("button", { name: "Esci" }).click();
      // After a SPID sign-in, "Esci" passes through the provider's logout on the way home.
      await page.waitForURL((u) => u.pathname === "/");
    }
  });

  test("with SPID/CIE on, registration sends businesses to SPID/CIE (the password rules are integration-tested)", async ({
    page,
  }) => {
    await page.goto("/registrati");
    await expect(page.getByText("accedono con SPID o CIE")).toBeVisible();
    await expect(page.getByLabel("Password", { exact: true })).toHaveCount(0);
    await expectAccessible(page, "register with SPID/CIE on");
  });

  test("a business account has no password once SPID/CIE is on", async ({ page }) => {
    await page.goto("/accedi");
    await hydrated(page);
    await page.getByLabel("Indirizzo email").fill("impresa@demo.test");
    await page.getByLabel("Password", { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Accedi", exact: true }).click();
    await expect(page.getByRole("alert")).toContainText("accedono con SPID o CIE");
    await expect(page).toHaveURL(/\/accedi/);
  });

  test("login works without JavaScript", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/accedi");
    await page.getByLabel("Indirizzo email").fill("operatore@demo.test");
    await page.getByLabel("Password", { exact: true }).fill("sbagliata-di-nuovo");
    await page.getByRole("button", { name: "Accedi", exact: true }).click();
    await expect(page.getByRole("alert")).toContainText("Email o password non corretti");
    await page.getByLabel("Password", { exact: true }).fill("demo-suap-2026");
    await page.getByRole("button", { name: "Accedi", exact: true }).click();
    await expect(page).toHaveURL(/scrivania/);
    await context.close();
  });
});
