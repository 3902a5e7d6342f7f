import { expect, expectAccessible, hydrated, login, test } from "./support/fixtures";

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
      await expect(page).toHaveURL(/\/$/);
    }
  });

  test("registration explains each problem, then creates the account", async ({ page }) => {
    await page.goto("/registrati");
    await expectAccessible(page, "register");
    await page.getByLabel("Nome e cognome").fill("Carla Test");
    await page.getByLabel("Indirizzo email").fill("carla@example.test");
    await page.getByLabel("Password", { exact: true }).fill("corta");
    await page.getByLabel("Ripeti la password").fill("corta");
    await page.getByRole("button", { name: "Crea l'account" }).click();
    await expect(page.getByRole("alert")).toContainText("almeno 10 caratteri");
    await expectAccessible(page, "register with errors");
    await page.getByLabel("Password", { exact: true }).fill("una frase abbastanza lunga");
    await page.getByLabel("Ripeti la password").fill("una frase abbastanza lunga");
    await page.getByRole("button", { name: "Crea l'account" }).click();
    await expect(page).toHaveURL(/area-personale/);
    await expect(page.getByText("Benvenuto, Carla Test")).toBeVisible();
  });

  test("login works without JavaScript", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto("/accedi");
    await page.getByLabel("Indirizzo email").fill("impresa@demo.test");
    await page.getByLabel("Password", { exact: true }).fill("sbagliata-di-nuovo");
    await page.getByRole("button", { name: "Accedi", exact: true }).click();
    await expect(page.getByRole("alert")).toContainText("Email o password non corretti");
    await page.getByLabel("Password", { exact: true }).fill("demo-suap-2026");
    await page.getByRole("button", { name: "Accedi", exact: true }).click();
    await expect(page).toHaveURL(/area-personale/);
    await context.close();
  });
});
