import { DEMO_PASSWORD, expect, expectAccessible, test } from "./support/fixtures";

test.describe("the page shell", () => {
  test("home page in Italian, with the way to the catalogue and to login", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveTitle(/SUAP Alta Val di Cecina/);
    await expect(page.locator("html")).toHaveAttribute("lang", "it");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      "Sportello Unico per le Attività Produttive",
    );
    await expect(
      page.getByRole("main").getByRole("link", { name: "Consulta i procedimenti" }),
    ).toHaveAttribute("href", "/catalogo");
    await expect(
      page.getByRole("main").getByRole("link", { name: "Accedi all'area personale" }),
    ).toBeVisible();
    for (const comune of ["Volterra", "Pomarance", "Monteverdi Marittimo"]) {
      await expect(page.getByRole("main").getByText(comune, { exact: true })).toBeVisible();
    }
    await expectAccessible(page, "home");
  });

  test("skip link is the first stop for the keyboard and moves focus to the content", async ({ page }) => {
    await page.goto("/");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Vai al contenuto principale" });
    await expect(skip).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/#main$/);
  });

  test("language switch to English is remembered, and back", async ({ page }) => {
    await page.goto("/accessibilita");
    await page.getByRole("link", { name: "English" }).click();
    await expect(page).toHaveURL(/\/accessibilita$/);
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Accessibility statement");
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("One-stop shop for business activities");
    await expectAccessible(page, "home in English");
    await page.getByRole("link", { name: "Italiano" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "it");
  });

  test("accessibility statement and privacy notice are real pages linked from the footer", async ({
    page,
  }) => {
    await page.goto("/");
    await page.getByRole("contentinfo").getByRole("link", { name: "Dichiarazione di accessibilità" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dichiarazione di accessibilità");
    await expect(page.getByText(/WCAG 2\.1 livello AA/)).toBeVisible();
    await expectAccessible(page, "accessibility statement");
    await page.getByRole("contentinfo").getByRole("link", { name: "Informativa privacy" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      "Informativa sul trattamento dei dati personali",
    );
    await expectAccessible(page, "privacy");
  });

  test("an unknown address gets an Italian 404 page", async ({ page }) => {
    const response = await page.goto("/pagina-che-non-esiste");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Pagina non trovata");
    await expect(page.getByRole("link", { name: "Torna alla home page" })).toBeVisible();
    await expectAccessible(page, "404");
  });

  test("the personal area needs a login and comes back after it", async ({ page }) => {
    await page.goto("/area-personale");
    await expect(page).toHaveURL(/\/accedi\?redirectTo=%2Farea-personale/);
    await expectAccessible(page, "login");
    // Log in on this very page: the form carries the address to come back to.
    await page.getByLabel("Indirizzo email").fill("responsabile@demo.test");
    await page.getByLabel("Password", { exact: true }).fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Accedi", exact: true }).click();
    await expect(page).toHaveURL(/\/area-personale$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Area personale");
    await expect(page.getByText("Responsabile SUAP - SUAP Associato Alta Val di Cecina")).toBeVisible();
    await expectAccessible(page, "personal area");
    await page.getByRole("button", { name: "Esci" }).click();
    await expect(page.getByRole("link", { name: "Accedi" }).first()).toBeVisible();
  });
});
