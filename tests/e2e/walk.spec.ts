// The journey walk (issue 12): every page of the desk, the agency and the business for the prepared pratiche,
// and every PDF they link to, read as text and checked against every internal code the sources define
// (support/internal-codes.ts). Plus the three contradictions the issue found: one final date while suspended,
// an agency's shortened term explained, and a prohibited SCIA's outcome stated once, in words.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import { DESK_TITLES } from "./support/desk-plan";
import { expect, expectAccessible, login, test } from "./support/fixtures";
import { findCodes, internalCodes } from "./support/internal-codes";

const CODES = internalCodes();

function pdfText(bytes: Buffer): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "walk-pdf-"));
  try {
    const file = path.join(dir, "doc.pdf");
    writeFileSync(file, bytes);
    execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, `${file}.txt`]);
    return readFileSync(`${file}.txt`, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The page's visible text (what a person reads), checked for codes; returns it for further checks. */
async function readPage(page: Page, url: string, found: Map<string, string[]>): Promise<string> {
  await page.goto(url);
  const text = await page.locator("main").innerText();
  const codes = findCodes(text, CODES);
  if (codes.length) found.set(url, codes);
  return text;
}

async function readPdfs(page: Page, found: Map<string, string[]>, seen: Set<string>) {
  const hrefs = await page
    .locator('main a[href^="/documenti/"]')
    .evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
  const texts: string[] = [];
  for (const href of hrefs) {
    if (seen.has(href)) continue;
    seen.add(href);
    const res = await page.request.get(href);
    if (!(res.headers()["content-type"] ?? "").includes("application/pdf")) continue;
    const text = pdfText(await res.body());
    texts.push(text);
    const codes = findCodes(text, CODES);
    if (codes.length) found.set(`PDF ${href}`, codes);
  }
  return texts;
}

async function links(page: Page, prefix: string): Promise<string[]> {
  const hrefs = await page
    .locator(`main a[href^="${prefix}"]`)
    .evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
  return [
    ...new Set(
      hrefs.filter((h) => /^\/[a-z]+\/pratiche\/[0-9a-f-]{36}$|^\/pratiche\/[0-9a-f-]{36}$/.test(h)),
    ),
  ];
}

const literally = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
const dateOf = (s: string) => s.match(/\d{2}\/\d{2}\/\d{4}/)?.[0] ?? null;

test.describe("the journey walk: words, not codes", () => {
  test("the desk's pages and PDFs show no internal code, and say one final date while suspended", async ({
    page,
  }) => {
    const found = new Map<string, string[]>();
    const seen = new Set<string>();
    await login(page, "operatore@demo.test");
    await readPage(page, "/scrivania?q=&status=all", found);
    const pratiche = await links(page, "/scrivania/pratiche/");
    expect(pratiche.length).toBeGreaterThanOrEqual(8);
    for (const url of pratiche) {
      await readPage(page, url, found);
      await readPdfs(page, found, seen);
    }
    expect(seen.size).toBeGreaterThan(5);
    expect(Object.fromEntries(found), "internal codes on the desk's pages and PDFs").toEqual({});

    // One date: the header, the "Scadenze in corso" table and the worklist agree while the term is suspended.
    await page.goto("/scrivania?q=&status=all");
    const row = page.getByRole("row", { name: literally(DESK_TITLES.walkSuspended) });
    await expect(row).toContainText("al più tardi");
    const listed = dateOf(await row.innerText());
    await row.getByRole("link", { name: DESK_TITLES.walkSuspended }).click();
    const header = page.getByTestId("final-due");
    await expect(page.getByTestId("clock")).toContainText("al più tardi");
    const headerDate = dateOf(await header.innerText());
    expect(headerDate).not.toBeNull();
    expect(listed).toBe(headerDate);
    const tableRow = page.getByRole("row", { name: /Termine di conclusione del procedimento/ });
    await expect(tableRow).toHaveCount(1);
    expect(dateOf(await tableRow.innerText())).toBe(headerDate);
    await expectAccessible(page, "desk: suspended pratica");

    // The agency's shortened term is explained next to its date.
    await page.goto("/scrivania?q=&status=all");
    await page.getByRole("link", { name: DESK_TITLES.walkCapped }).click();
    const why = page.getByTestId("agency-due-why");
    await expect(why).toContainText("60 giorni");
    await expect(why).toContainText("deve concludersi entro il");
    await expectAccessible(page, "desk: agency term capped");

    // A prohibited SCIA: archiving issues no document, and the banner does not claim one.
    await page.goto("/scrivania?q=&status=all");
    await page.getByRole("link", { name: DESK_TITLES.walkProhibited }).click();
    await expect(page.getByTestId("pratica-status")).toContainText("attività vietata");
    const documents = await page.getByTestId("documents").getByRole("link").count();
    await page.locator("#act-ARCHIVE").getByRole("button").click();
    const confirm = page.getByRole("button", { name: /^Confermo/ });
    if (await confirm.count()) await confirm.click();
    await expect(page.getByRole("status")).toContainText("Fatto");
    await expect(page.getByRole("status")).not.toContainText("protocollato");
    await expect(page.getByTestId("documents").getByRole("link")).toHaveCount(documents);
    await expect(page.getByTestId("pratica-status")).toHaveText("Archiviata — attività vietata");
  });

  test("the office closes a duplicate: confirmation naming the consequence, communication, end state", async ({
    page,
  }) => {
    await login(page, "operatore@demo.test");
    await page.goto("/scrivania?q=&status=all");
    await page.getByRole("link", { name: DESK_TITLES.walkDuplicate }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(DESK_TITLES.walkDuplicate);
    const before = await page.getByTestId("documents").getByRole("link").count();
    const form = page.locator("#act-CANCEL_BY_OFFICE");
    await expect(form.getByRole("heading", { name: "Chiudi il procedimento senza decisione" })).toBeVisible();
    // a real click on the visible label (bootstrap-italia draws the radio under it)
    await form.locator('label[for="ground-duplicate"]').click();
    await expect(form.getByLabel("La pratica duplica un'altra già presentata")).toBeChecked();
    await form.locator("textarea[name=reasons]").fill("Stessa attività già presentata il giorno prima");
    await form.getByRole("button", { name: "Chiudi il procedimento senza decisione" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      "Conferma: Chiudi il procedimento senza decisione",
    );
    await expect(page.getByTestId("confirm-consequence")).toContainText("senza decisione nel merito");
    await expect(page.getByTestId("confirm-reasons")).toHaveText(
      "Stessa attività già presentata il giorno prima",
    );
    await expectAccessible(page, "office cancellation confirmation");
    await page.getByRole("button", { name: "Confermo: Chiudi il procedimento senza decisione" }).click();
    await expect(page.getByRole("status")).toContainText("Fatto: Chiudi il procedimento senza decisione");
    await expect(page.getByTestId("pratica-status")).toHaveText("Chiusa dall'ufficio");
    const documents = page.getByTestId("documents").getByRole("link");
    await expect(documents).toHaveCount(before + 1);
    await expect(documents.last()).toHaveText("Comunicazione di chiusura del procedimento");
    const pdf = pdfText(
      await (await page.request.get((await documents.last().getAttribute("href"))!)).body(),
    );
    expect(pdf).toContain("Stessa attività già presentata il giorno prima");
    expect(pdf).toContain("Procedimento chiuso dall'ufficio senza decisione");
    expect(findCodes(pdf, CODES)).toEqual([]);
    await expectAccessible(page, "closed by the office");
  });

  test("the agency's pages show no internal code and explain a shortened term", async ({ page }) => {
    const found = new Map<string, string[]>();
    const seen = new Set<string>();
    await login(page, "asl@demo.test");
    await readPage(page, "/ente", found);
    const pratiche = await links(page, "/ente/pratiche/");
    expect(pratiche.length).toBeGreaterThanOrEqual(1);
    for (const url of pratiche) {
      await readPage(page, url, found);
      await readPdfs(page, found, seen);
    }
    expect(Object.fromEntries(found), "internal codes on the agency's pages").toEqual({});
    await page.goto("/ente");
    await page.getByRole("link", { name: DESK_TITLES.walkCapped }).click();
    await expect(page.getByTestId("agency-due-why")).toContainText("60 giorni");
    await expectAccessible(page, "agency: capped term");
  });

  test("the business's pages and PDFs show no internal code; one date; the outcome once, in words", async ({
    page,
  }) => {
    const found = new Map<string, string[]>();
    const seen = new Set<string>();
    await login(page, "impresa@demo.test");
    const list = await readPage(page, "/pratiche", found);
    const pratiche = await links(page, "/pratiche/");
    expect(pratiche.length).toBeGreaterThanOrEqual(8);
    expect(list).toContain(DESK_TITLES.walkProhibited);
    for (const url of pratiche) {
      await readPage(page, url, found);
      await readPage(page, `${url}/ricevuta`, found);
      await page.goto(url);
      await readPdfs(page, found, seen);
    }
    expect(Object.fromEntries(found), "internal codes on the business's pages and PDFs").toEqual({});

    // "Le mie pratiche" says how the prohibited SCIA ended.
    await page.goto("/pratiche");
    await expect(page.getByRole("row", { name: literally(DESK_TITLES.walkProhibited) })).toContainText(
      "attività vietata",
    );
    await page.getByRole("link", { name: DESK_TITLES.walkProhibited }).click();
    const text = await page.locator("main").innerText();
    expect(text).not.toContain("efficace dalla presentazione");
    await expect(page.getByTestId("pratica-outcome")).toHaveText("Attività vietata");
    const pdfs = await readPdfs(page, found, new Set());
    const finalAct = pdfs.find((t) => t.includes("Provvedimento conclusivo"));
    expect(finalAct).toBeDefined();
    expect(finalAct).toContain("attività vietata");
    expect(finalAct).not.toMatch(/Stato\s+(denied|effective)/);
    await expectAccessible(page, "business: prohibited SCIA");

    // One final date while suspended, with its "al più tardi".
    await page.goto("/pratiche");
    await page.getByRole("link", { name: DESK_TITLES.walkSuspended }).click();
    const terms = page.getByTestId("pratica-terms");
    await expect(terms).toContainText("al più tardi");
    await expect(terms.getByText(/Termine di conclusione/)).toHaveCount(1);
    await expect(terms).toContainText("Termine per l'integrazione");
    await expectAccessible(page, "business: suspended pratica");
  });

  test("the catalogue's procedure page and the finder show no catalogue field names", async ({ page }) => {
    const found = new Map<string, string[]>();
    await readPage(page, "/catalogo/VICINATO_APERTURA?comune=050039", found);
    await readPage(page, "/catalogo/SOMMINISTRAZIONE_APERTURA", found);
    await readPage(
      page,
      "/cosa-devo-presentare?cerca=1&activity=bar_ristorante&lifeEvent=APERTURA&municipality=050039&protectedZone=true&food=true",
      found,
    );
    expect(Object.fromEntries(found), "internal codes on the catalogue's pages").toEqual({});
  });
});
