import AxeBuilder from "@axe-core/playwright";
import { test as base, type Browser, expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "demo-suap-2026";

/** Runs axe with the WCAG 2.1 A/AA rules on the page as it is now; any violation fails the test. */
export async function expectAccessible(page: Page, label?: string) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const summary = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} -> ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  expect(summary, `axe violations on ${label ?? page.url()}`).toEqual([]);
  // Guard against a scan that silently checked nothing.
  expect(results.passes.length).toBeGreaterThan(10);
}

/**
 * axe runs inside the page, so a page opened with JavaScript off cannot be scanned where it is: the same URL is
 * scanned in a JavaScript-enabled context carrying the same cookies (javaScriptEnabled is explicit, or the test's
 * browser hands the new context the block's `false` and axe hangs).
 */
export async function expectAccessibleWithScripts(browser: Browser, page: Page, label: string) {
  const context = await browser.newContext({
    javaScriptEnabled: true,
    storageState: await page.context().storageState(),
  });
  const other = await context.newPage();
  await other.goto(page.url());
  await expectAccessible(other, label);
  await context.close();
}

/** Demo accounts that are SPID/CIE people: with SPID/CIE on they have no password (see the README). */
const SPID_PEOPLE: Record<string, string> = {
  "impresa@demo.test": "maria",
  "associazione@demo.test": "franco",
};

/** Signs in through "Entra con SPID" (or CIE) and the development provider at /dev/idp, as a person would. */
export async function loginWithIdp(page: Page, person: string, scheme: "spid" | "cie" = "spid", level = 2) {
  await page.goto("/accedi");
  await page.getByRole("link", { name: scheme === "cie" ? "Entra con CIE" : "Entra con SPID" }).click();
  await page.waitForURL(/\/dev\/idp\/interaction\//);
  await page.locator(`label[for="person-${person}"]`).click();
  await page.locator(`label[for="level-${level}"]`).click();
  await page.getByRole("button", { name: /^Entra con/ }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/dev/idp") && !url.pathname.startsWith("/accedi"));
}

export async function login(page: Page, email: string, password = DEMO_PASSWORD) {
  const person = SPID_PEOPLE[email];
  if (person) return loginWithIdp(page, person);
  await page.goto("/accedi");
  await page.getByLabel("Indirizzo email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Accedi", exact: true }).click();
  // Each role lands on its own workspace.
  await page.waitForURL((url) => !url.pathname.startsWith("/accedi"));
}

/** Waits until React has hydrated, so clicks reach client-side handlers (forms also work without it). */
export async function hydrated(page: Page) {
  await page.waitForFunction(
    () => (window as unknown as { __remixContext?: unknown }).__remixContext !== undefined,
  );
}

/**
 * Every test's page reports Content-Security-Policy violations (Chromium logs each one as a console error):
 * a script, style or form the policy blocks fails the test that met it.
 */
export const test = base.extend({
  page: async ({ page }, use) => {
    const violations: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" && /Content Security Policy/i.test(message.text()))
        violations.push(`${page.url()}: ${message.text()}`);
    });
    await use(page);
    expect(violations, "Content-Security-Policy violations").toEqual([]);
  },
});
export { expect };
