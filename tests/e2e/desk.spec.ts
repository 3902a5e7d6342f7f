import { DESK_TITLES, deskPlan, romeToday } from "./support/desk-plan";
import { expect, expectAccessible, hydrated, login, test } from "./support/fixtures";
import { calendarDaysBetween, legalTermEnd, plusDays } from "./support/legal-dates";
import type { Page } from "@playwright/test";

const it = (iso: string) => {
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
};

async function openFromWorklist(page: Page, title: string) {
  await page.goto(`/scrivania?q=&status=all`);
  await page.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
}

async function logout(page: Page) {
  await page.getByRole("button", { name: "Esci" }).click();
  await expect(page.getByRole("button", { name: "Esci" })).toHaveCount(0);
}

test.describe("the SUAP desk and the agencies", () => {
  test("the worklist is sorted by due date, filterable without JavaScript, and accessible", async ({
    page,
  }) => {
    await login(page, "operatore@demo.test");
    await page.goto("/scrivania");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Scrivania dello Sportello");
    const table = page.getByRole("table", { name: "Pratiche in ordine di scadenza legale" });
    await expect(table).toBeVisible();
    await expect(table.getByRole("columnheader", { name: "Scadenza", exact: true })).toBeVisible();
    await expectAccessible(page, "worklist");
    await page.getByLabel("Regime").selectOption("scia");
    await page.getByRole("button", { name: "Applica i filtri" }).click();
    await expect(page).toHaveURL(/regime=scia/);
    await expect(table.getByRole("link", { name: DESK_TITLES.scia })).toBeVisible();
    await expect(table.getByRole("link", { name: DESK_TITLES.authorisation })).toHaveCount(0);
    await expectAccessible(page, "worklist filtered");
  });

  test("an officer works a SCIA to its end: take in charge, prohibit with reasons, archive", async ({
    page,
  }) => {
    await login(page, "operatore@demo.test");
    await openFromWorklist(page, DESK_TITLES.scia);
    await expectAccessible(page, "SCIA page");
    await page.getByRole("button", { name: "Prendi in carico" }).click();
    await expect(page.getByRole("status")).toContainText("Assegnazione aggiornata");
    await expect(page.getByTestId("pratica-assignee")).not.toHaveText("Nessuno");
    // A missing reason is refused with the error summary.
    await hydrated(page);
    const deny = page.locator("#act-DENY");
    await deny.getByRole("button", { name: "Respingi / vieta la prosecuzione" }).click();
    await expect(page.getByRole("alert")).toContainText("Scrivi la motivazione dell'atto");
    await expectAccessible(page, "SCIA with error");
    await page.locator("#act-DENY textarea[name=reasons]").fill("Requisiti professionali non posseduti");
    await page.locator("#act-DENY").getByRole("button", { name: "Respingi / vieta la prosecuzione" }).click();
    // A prohibition is confirmed first, on a step that names its consequence.
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(
      "Conferma: Respingi / vieta la prosecuzione",
    );
    await expect(page.getByTestId("confirm-consequence")).toContainText("Viene vietata la prosecuzione");
    await expectAccessible(page, "prohibition confirmation");
    await page.getByRole("button", { name: "Confermo: Respingi / vieta la prosecuzione" }).click();
    await expect(page.getByRole("status")).toContainText("Fatto: Respingi");
    // the outcome in words (issue 12): a prohibited SCIA says so, also once archived
    await expect(page.getByTestId("pratica-status")).toHaveText("Respinta — attività vietata");
    const documents = page.getByTestId("documents");
    await expect(documents.getByRole("link")).toHaveCount(2);
    const href = await documents.getByRole("link").last().getAttribute("href");
    expect(href).toMatch(/^\/documenti\/[0-9a-f-]{36}$/);
    await expectAccessible(page, "SCIA denied");
    await page.locator("#act-ARCHIVE").getByRole("button", { name: "Archivia" }).click();
    await expect(page.getByTestId("pratica-status")).toHaveText("Archiviata — attività vietata");
    await expect(page.getByText("Nello stato attuale non ci sono atti a tua disposizione.")).toBeVisible();
  });

  test("an authorisation through the agencies: forward, ASL positive, ARPAT integration, merged request", async ({
    page,
  }) => {
    await login(page, "operatore@demo.test");
    await openFromWorklist(page, DESK_TITLES.authorisation);
    const forward = page.locator("#act-FORWARD_TO_AGENCIES");
    // The catalogue suggests the ASL, ARPAT and the Soprintendenza for this usecase; the officer keeps two.
    await expect(forward.getByRole("checkbox", { name: /Azienda USL/ })).toBeChecked();
    await expect(forward.getByRole("checkbox", { name: /ARPAT/ })).toBeChecked();
    const sabap = forward.getByRole("checkbox", { name: /Soprintendenza/ });
    // bootstrap-italia draws the box on the label; toggle it from the keyboard, as a keyboard user would.
    await sabap.focus();
    await page.keyboard.press("Space");
    await expect(sabap).not.toBeChecked();
    await expectAccessible(page, "forward form");
    await forward.getByRole("button", { name: "Inoltra agli enti terzi" }).click();
    await expect(page.getByRole("status")).toContainText("Fatto: Inoltra agli enti terzi");
    await expect(page.getByTestId("pratica-status")).toHaveText("In attesa dei pareri");
    const url = page.url().replace(/\?.*$/, "");
    const id = url.split("/").pop()!;
    await logout(page);

    await login(page, "asl@demo.test");
    await page.goto("/ente");
    await expectAccessible(page, "ASL inbox");
    await page.getByRole("link", { name: DESK_TITLES.authorisation }).click();
    await expect(page).toHaveURL(new RegExp(`/ente/pratiche/${id}`));
    await expectAccessible(page, "ASL pratica");
    const conclusion = page.locator("#act-AGENCY_CONCLUSION");
    await conclusion.getByRole("radio", { name: "Favorevole", exact: true }).focus();
    await page.keyboard.press("Space");
    await expect(conclusion.getByRole("radio", { name: "Favorevole", exact: true })).toBeChecked();
    await conclusion.getByRole("button", { name: "Invia il parere" }).click();
    await expect(page.getByRole("status")).toContainText("Fatto: Invia il parere");
    await logout(page);

    await login(page, "arpat@demo.test");
    await page.goto(`/ente/pratiche/${id}`);
    const ask = page.locator("#act-AGENCY_REQUESTS_INTEGRATION");
    await ask.getByRole("textbox").fill("Valutazione di impatto acustico");
    await ask.getByRole("button", { name: "Chiedi integrazioni allo Sportello" }).click();
    await expect(page.getByRole("status")).toContainText("Fatto");
    await expectAccessible(page, "ARPAT after request");
    // Another agency's reviewer sees nothing of it.
    await logout(page);
    await login(page, "vvf@demo.test");
    const response = await page.goto(`/ente/pratiche/${id}`);
    expect(response?.status()).toBe(404);
    await logout(page);

    await login(page, "operatore@demo.test");
    await page.goto(`/scrivania/pratiche/${id}`);
    await expect(page.getByTestId("integration-requests")).toContainText("Valutazione di impatto acustico");
    const send = page.locator("#act-SEND_INTEGRATION_REQUEST");
    await send.getByRole("textbox").fill("Copia del contratto di locazione");
    await send.getByLabel("Giorni per rispondere").fill("20");
    await send.getByRole("button", { name: "Invia la richiesta di integrazione" }).click();
    await expect(page.getByTestId("pratica-status")).toHaveText("Integrazione richiesta");
    // one final date, labelled "al più tardi" while the term is suspended (issue 12)
    await expect(page.getByTestId("clock")).toContainText("al più tardi");
    // The applicant has 20 days from today's request (then off Sundays and holidays).
    await expect(page.getByTestId("integration-due")).toHaveText(it(legalTermEnd(romeToday(), 20)));
    await expectAccessible(page, "integration requested");
    await page.goto("/dev/posta");
    await expect(page.getByText(/Richiesta di integrazione entro il/).first()).toBeVisible();
  });

  test("an answered integration moves the due date as the law says, then the officer grants", async ({
    page,
  }) => {
    const plan = deskPlan(romeToday()).integrated;
    // 60 days from filing, plus the days the term stood still (request to answer, under the 30-day cap of
    // art. 2 c.7 L. 241/1990), then off Sundays and holidays.
    const stopped = calendarDaysBetween(plan.requested, plan.received);
    expect(stopped).toBeLessThanOrEqual(30);
    const expectedDue = legalTermEnd(plan.submitted, 60 + stopped);
    await login(page, "operatore@demo.test");
    await openFromWorklist(page, DESK_TITLES.integrated);
    await expect(page.getByTestId("suspensions")).toContainText(
      `Integrazione: dal ${it(plan.requested)} al ${it(plan.received)} (10 giorni)`,
    );
    await expect(page.getByTestId("final-due")).toContainText(it(expectedDue));
    expect(expectedDue > plusDays(plan.submitted, 60)).toBe(true);
    await expectAccessible(page, "integrated pratica");
    await page.locator("#act-GRANT textarea[name=reasons]").fill("Requisiti verificati");
    await page.locator("#act-GRANT").getByRole("button", { name: "Accogli (provvedimento finale)" }).click();
    await expect(page.getByTestId("pratica-status")).toHaveText("Accolta");
    await expectAccessible(page, "granted");
  });

  test("a notice of refusal (10-bis) suspends the term and gives 10 days for observations", async ({
    page,
  }) => {
    await login(page, "operatore@demo.test");
    await openFromWorklist(page, DESK_TITLES.refusal);
    await page
      .locator("#act-NOTICE_OF_REFUSAL textarea[name=reasons]")
      .fill("Superficie non conforme al regolamento");
    await page
      .locator("#act-NOTICE_OF_REFUSAL")
      .getByRole("button", { name: /preavviso di rigetto/ })
      .click();
    await expect(page.getByTestId("pratica-status")).toHaveText("Preavviso di rigetto");
    // 10 days for observations from today's notice (art. 10-bis), then off Sundays and holidays.
    await expect(page.getByTestId("observations-due")).toHaveText(it(legalTermEnd(romeToday(), 10)));
    await expectAccessible(page, "refusal notice");
  });

  test("the manager's dashboard has a chart with its table and a CSV; officers cannot open it", async ({
    page,
  }) => {
    await login(page, "responsabile@demo.test");
    await page.goto("/scrivania/cruscotto");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Cruscotto dello Sportello");
    await expectAccessible(page, "dashboard");
    const csv = await page.request.get("/scrivania/cruscotto.csv");
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain("sezione;chiave;mese;pratiche");
    await logout(page);
    await login(page, "operatore@demo.test");
    const response = await page.goto("/scrivania/cruscotto");
    expect(response?.status()).toBe(403);
  });
});
