// The public check of an issued document reports its seal: a document the running portal issued carries the
// development seal (valid, NOT qualified), the SHA-256 shown is that of the downloaded (sealed) bytes, and the
// page is axe-clean.
import { createHash } from "node:crypto";
import { DESK_TITLES } from "./support/desk-plan";
import { expect, expectAccessible, login, test } from "./support/fixtures";

/** The verification code the PDF carries in its Keywords (UTF-16BE hex string, plain text in a sealed file). */
function verificationCodeOf(pdf: Buffer): string {
  const text = pdf.toString("latin1");
  const hex = /\/Keywords\s*<FEFF([0-9A-Fa-f]+)>/.exec(text)?.[1];
  const keywords = hex
    ? Buffer.from(hex, "hex").swap16().toString("utf16le")
    : (/\/Keywords\s*\(([^)]*)\)/.exec(text)?.[1] ?? "");
  const code = /[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(keywords)?.[0];
  if (!code) throw new Error(`no verification code in the PDF keywords: ${keywords}`);
  return code;
}

test("the verification page reports the seal of an issued document", async ({ page }) => {
  await login(page, "operatore@demo.test");
  await page.goto("/scrivania?q=&status=all");
  await page.getByRole("link", { name: DESK_TITLES.authorisation }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(DESK_TITLES.authorisation);
  const href = await page.getByTestId("documents").getByRole("link").first().getAttribute("href");
  const response = await page.request.get(href!);
  expect(response.ok()).toBe(true);
  const pdf = Buffer.from(await response.body());
  expect(pdf.toString("latin1")).toContain("/SubFilter /ETSI.CAdES.detached");
  const code = verificationCodeOf(pdf);

  await page.goto(`/verifica/${code}`);
  await expect(page.getByRole("heading", { name: "Documento autentico" })).toBeVisible();
  await expect(page.getByTestId("sha256")).toHaveText(createHash("sha256").update(pdf).digest("hex"));
  await expect(page.getByRole("heading", { name: "Sigillo elettronico" })).toBeVisible();
  await expect(page.getByTestId("seal-status")).toHaveAttribute("data-status", "valid");
  await expect(page.getByTestId("seal-qualified")).toContainText("NON qualificato");
  await expectAccessible(page, "verifica con sigillo");
});
