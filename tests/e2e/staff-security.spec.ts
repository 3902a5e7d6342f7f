import type { Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import {
  DEMO_PASSWORD,
  expect,
  expectAccessible,
  expectAccessibleWithScripts,
  login,
  test,
} from "./support/fixtures";

/**
 * Issue 13 in the browser: a staff member enrols the second factor, signs in with password + code, ends every
 * session from "Accessi e sicurezza"; an administrator resets the factor. The account is one no other spec
 * signs in with, and the spec ends with the factor reset, so the password alone works again afterwards.
 */
const STAFF = { email: "soprintendenza@demo.test", name: "Elena Viola" };

/** RFC 6238 as an authenticator app computes it (SHA-1, 6 digits, 30 s): independent of the server's code. */
const codeAt = (secret: string, at: number) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), digits: 6, period: 30, timestamp: at });
const step = (at: number) => Math.floor(at / 30_000);

async function passwordStep(page: Page) {
  await page.goto("/accedi");
  await page.getByLabel("Indirizzo email").fill(STAFF.email);
  await page.getByLabel("Password", { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Accedi", exact: true }).click();
}

test.describe("staff second factor and sessions (issue 13)", () => {
  test("enrol, sign in with a code, sign out everywhere, administrator resets", async ({ page, browser }) => {
    // 1. Password only (the factor is optional outside production): enrol from the account page.
    await login(page, STAFF.email);
    await page.goto("/area-personale/sicurezza");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Accessi e sicurezza");
    await expectAccessible(page, "account page, factor off");
    await page.getByRole("link", { name: "Attiva il secondo fattore" }).click();
    await expect(page).toHaveURL(/\/area-personale\/secondo-fattore$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Attiva il secondo fattore");
    await expectAccessible(page, "enrolment");
    const secret = ((await page.getByTestId("totp-secret").textContent()) ?? "").replace(/\s/g, "");
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // A wrong code is refused with an Italian message, and the factor stays off.
    await page.getByLabel("Codice", { exact: true }).fill("12345");
    await page.getByRole("button", { name: "Conferma e attiva" }).click();
    await expect(page.getByRole("alert").first()).toBeVisible();
    const enrolledAt = Date.now();
    await page.getByLabel("Codice", { exact: true }).fill(codeAt(secret, enrolledAt));
    await page.getByRole("button", { name: "Conferma e attiva" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Secondo fattore attivo");
    await expect(page.getByTestId("recovery-codes").getByRole("listitem")).not.toHaveCount(0);
    await expectAccessible(page, "recovery codes");
    await page.getByRole("link", { name: "Ho conservato i codici, continua" }).click();
    await expect(page).toHaveURL(/fatto=fattore/);
    await expect(page.getByText(/Attivo\. Codici di recupero ancora utilizzabili/)).toBeVisible();
    await page.getByRole("button", { name: "Esci", exact: true }).click();
    await expect(page.getByRole("button", { name: "Esci", exact: true })).toHaveCount(0);

    // 2. Without JavaScript: password, then the code at /accedi/codice.
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    const plain = await noJs.newPage();
    await passwordStep(plain);
    await expect(plain).toHaveURL(/\/accedi\/codice/);
    await expect(plain.getByRole("heading", { level: 1 })).toHaveText("Codice di verifica");
    await expectAccessibleWithScripts(browser, plain, "code step");
    // The enrolment used its time step: a code is accepted once, so wait for the next 30-second step.
    await expect
      .poll(() => step(Date.now()) > step(enrolledAt), { timeout: 90_000, intervals: [1_000] })
      .toBe(true);
    await plain.getByLabel("Codice", { exact: true }).fill(codeAt(secret, Date.now()));
    await plain.getByRole("button", { name: "Verifica e accedi" }).click();
    await expect(plain).not.toHaveURL(/\/accedi/);
    await plain.goto("/area-personale/sicurezza");
    const sessions = plain.getByRole("table", { name: "I tuoi accessi attivi" });
    await expect(sessions).toContainText("password e codice dell'app");
    await expect(sessions).toContainText("questo dispositivo");
    await expectAccessibleWithScripts(browser, plain, "account page, factor on");

    // A second browser holding the same session cookie: signed in until "Esci da tutti i dispositivi".
    const other = await browser.newContext({ storageState: await noJs.storageState() });
    const otherPage = await other.newPage();
    await otherPage.goto("/area-personale/sicurezza");
    await expect(otherPage.getByRole("heading", { level: 1 })).toHaveText("Accessi e sicurezza");
    await plain.getByRole("button", { name: "Esci da tutti i dispositivi" }).click();
    await expect(plain).toHaveURL(/\/accedi\?uscito=ovunque/);
    await expect(plain.getByText("Sei uscito da tutti i dispositivi")).toBeVisible();
    await otherPage.goto("/area-personale/sicurezza");
    await expect(otherPage).toHaveURL(/\/accedi/);
    await expectAccessible(otherPage, "signed out everywhere");
    await other.close();
    await noJs.close();

    // 3. The administrator resets the factor (a lost phone); the password alone works again.
    await login(page, "admin@demo.test");
    await page.goto(`/amministrazione/utenti?q=${encodeURIComponent(STAFF.email)}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Persone e accessi");
    const person = page.getByRole("region", { name: new RegExp(STAFF.name) });
    await expect(person).toContainText("Secondo fattore attivo.");
    await expectAccessible(page, "people admin, factor on");
    await person.getByRole("button", { name: `Azzera il secondo fattore di ${STAFF.name}` }).click();
    await expect(page).toHaveURL(/fatto=azzerato/);
    await expect(person).toContainText("Secondo fattore non attivo.");
    await expect(person.getByRole("button", { name: /Azzera il secondo fattore/ })).toHaveCount(0);
    await expectAccessible(page, "people admin, factor reset");
    await page.getByRole("button", { name: "Esci", exact: true }).click();
    await expect(page.getByRole("button", { name: "Esci", exact: true })).toHaveCount(0);
    await passwordStep(page);
    await page.waitForURL((url) => !url.pathname.startsWith("/accedi"));
  });
});
