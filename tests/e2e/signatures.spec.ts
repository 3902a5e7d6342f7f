// The public check of an issued document reports its seal: a document the running portal issued carries the
// development seal (valid, NOT qualified), the SHA-256 shown is that of the downloaded (sealed) bytes, and the
// page is axe-clean.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { developmentPki, issueDevelopmentPerson } from "~/server/integrations/seal/development.server";
import { createCms } from "~/server/integrations/signature/cms-sign.server";
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

// Catalogue 2026.3: the relazione tecnica of the hairdresser's SCIA must be signed by the declarant. The signed
// files are made here with test certificates of the server's development CA (as `npm run signatures:demo` does).
test("a required signature: unsigned and someone else's files refused, the declarant's accepted with its result", async ({
  page,
}) => {
  const dataDir = process.env.E2E_DATA_DIR!;
  const pki = await developmentPki(dataDir);
  const pdf = readFileSync(path.resolve("tests/fixtures/planimetria.pdf"));
  const signedBy = async (person: { name: string; fiscalCode: string }) => {
    const cert = await issueDevelopmentPerson(pki, person);
    return Buffer.from(
      await createCms(
        new Uint8Array(pdf),
        { certificate: cert.der, chain: [], key: cert.key },
        {
          detached: false,
          signingTime: new Date(),
        },
      ),
    );
  };
  const good = await signedBy({ name: "Maria Rossi", fiscalCode: "RSSMRA80A41M126H" });
  const other = await signedBy({ name: "Franco Marroni", fiscalCode: "MRRFNC70B15L219W" });

  await login(page, "impresa@demo.test");
  await page.goto("/catalogo/ACCONCIATORI_APERTURA?comune=050039");
  await page.getByRole("link", { name: "Presenta la pratica" }).click();
  await page.waitForURL(/\/pratiche\/nuova\?/);
  // One use case: nothing to choose; several: the hairdresser's opening.
  const choice = page.getByLabel("Apertura acconciatore", { exact: true });
  if (await choice.count()) await choice.check();
  await page.getByRole("button", { name: "Inizia la compilazione" }).click();
  await page.waitForURL(/\/pratiche\/[0-9a-f-]{36}$/);
  await page.goto(`${new URL(page.url()).pathname}/allegati`);
  const section = page.locator('section[aria-labelledby="att-RELAZIONE_TECNICA"]');
  const upload = async (name: string, buffer: Buffer) => {
    await page
      .locator("#file-RELAZIONE_TECNICA")
      .setInputFiles({ name, mimeType: "application/octet-stream", buffer });
    await section.getByRole("button", { name: "Carica" }).click();
  };

  await upload("relazione.pdf", pdf);
  await expect(page.locator("#file-RELAZIONE_TECNICA-error")).toContainText(
    "Il file «relazione.pdf» non è firmato digitalmente: firmalo con la tua firma digitale (file .p7m o PDF firmato) e caricalo di nuovo.",
  );
  await expectAccessible(page, "allegato non firmato rifiutato");

  await upload("relazione.pdf.p7m", other);
  await expect(page.locator("#file-RELAZIONE_TECNICA-error")).toContainText(
    "Franco Marroni (MRRFNC70B15L219W)",
  );

  await upload("relazione.pdf.p7m", good);
  await expect(page.getByRole("status")).toContainText("relazione.pdf.p7m");
  const report = section.getByTestId("signature-report");
  await expect(report).toContainText("Maria Rossi (RSSMRA80A41M126H)");
  await expect(report).toContainText("SUAP Sviluppo CA - NON qualificata");
  await expectAccessible(page, "allegato firmato accettato");
});
