import { describe, expect, it } from "vitest";
import { CREDITOR_DATA } from "~/domain/payments/creditors";
import { blocksSubmission, plannedPositions, storedTiming } from "~/domain/payments/positions";
import { renderTemplate } from "~/i18n/mail";
import { contentSecurityPolicy } from "~/server/csp.server";
import { parseEnv } from "~/server/env.server";
import { checkoutFormTargets } from "~/server/integrations/payment/config.server";

const comune = { entityCode: "050011", name: "Comune", ...CREDITOR_DATA["050011"]! };
const asl = { entityCode: "ASL-TNO", name: "ASL", ...CREDITOR_DATA["ASL-TNO"]! };
const creditors = (ebollo: boolean) => (code: string) =>
  code === "050011" ? { ...comune, ebollo } : code === "ASL-TNO" ? asl : undefined;
const bollo = {
  cents: 1600,
  hashDocument: Buffer.alloc(32, 1).toString("base64"),
  provincialResidence: "PI",
};

describe("@e.bollo and agency creditors", () => {
  it("puts the bollo in the Comune's position as a stamp transfer without IBAN, only where the Comune enables it", () => {
    const lines = [{ usecase: "U", title: "T", dirittiCents: 5000 }];
    const [withStamp] = plannedPositions({ municipality: "050011", lines, bollo }, creditors(true), "ref");
    expect(withStamp!.amountCents).toBe(6600);
    expect(withStamp!.transfers[1]).toMatchObject({
      idTransfer: "2",
      amountCents: 1600,
      fee: "bollo",
      stamp: { stampType: "01", provincialResidence: "PI", hashDocument: bollo.hashDocument },
    });
    expect(withStamp!.transfers[1]!.iban).toBeUndefined();
    const [declared] = plannedPositions({ municipality: "050011", lines, bollo }, creditors(false), "ref");
    expect(declared!.amountCents).toBe(5000);
    expect(declared!.transfers.some((t) => t.stamp)).toBe(false);
  });

  it("keeps a transfer free for the stamp when the diritti lines are many (at most five transfers)", () => {
    const lines = Array.from({ length: 7 }, (_, i) => ({
      usecase: `U${i}`,
      title: `T${i}`,
      dirittiCents: 100,
    }));
    const [p] = plannedPositions({ municipality: "050011", lines, bollo }, creditors(true), "ref");
    expect(p!.transfers).toHaveLength(5);
    expect(p!.transfers[4]!.stamp).toBeDefined();
    expect(p!.amountCents).toBe(700 + 1600);
  });

  it("each agency's diritti become a position of the agency, under its fiscal code; an agency without pagoPA gets none", () => {
    const planned = plannedPositions(
      {
        municipality: "050011",
        lines: [{ usecase: "U", title: "T", dirittiCents: 5000 }],
        agencyLines: [
          { usecase: "U", title: "T", agency: "ASL-TNO", agencyName: "ASL", cents: 3000 },
          { usecase: "U", title: "T", agency: "ARPAT", agencyName: "ARPAT", cents: 2000 },
        ],
      },
      creditors(false),
      "ref",
    );
    expect(planned.map((p) => [p.creditor.entityCode, p.amountCents])).toEqual([
      ["050011", 5000],
      ["ASL-TNO", 3000],
    ]);
    expect(planned[1]!.transfers[0]).toMatchObject({ fiscalCode: asl.fiscalCode, iban: asl.iban });
  });
});

describe("payment timing", () => {
  it("reads the stored timing; absent or malformed is before submission", () => {
    expect(storedTiming({ payment: { timing: "after", days: 30 } })).toEqual({ kind: "after", days: 30 });
    expect(storedTiming({})).toEqual({ kind: "before" });
    expect(storedTiming({ payment: { timing: "after" } })).toEqual({ kind: "before" });
    expect(blocksSubmission(storedTiming({ payment: { timing: "after", days: 5 } }), [], 1)).toBe(false);
    expect(blocksSubmission(storedTiming(null), [], 1)).toBe(true);
  });

  it("the reminder names the amount and the deadline, in Italian and English", () => {
    const facts = {
      title: "Apertura",
      cui: "CUI-1",
      protocolNumber: null,
      comune: "Volterra",
      business: "Bottega",
      status: "submitted",
      desk: "SUAP",
      finalDue: null,
      integrationDue: null,
      observationsDue: null,
      reasons: null,
      link: "http://x/pratiche/1/pagamenti",
      audience: "applicant" as const,
      paymentDue: "2026-12-31",
      paymentAmount: "50,00",
    };
    const it = renderTemplate("pagamento_promemoria", "it", facts);
    expect(it.subject).toContain("Promemoria");
    expect(it.text).toContain("50,00");
    expect(it.text).toContain("31/12/2026");
    expect(renderTemplate("pagamento_promemoria", "en", facts).text).toContain("Payment deadline");
  });
});

describe("CSP form-action and pagoPA Checkout", () => {
  it("allows the configured Checkout origins in production, nothing extra for the double", () => {
    expect(checkoutFormTargets(parseEnv({}))).toEqual([]);
    const env = parseEnv({
      PAGOPA_GPD_URL: "https://api.platform.pagopa.it/gpd/debt-positions-service/v1",
      PAGOPA_CHECKOUT_URL: "https://api.platform.pagopa.it/checkout/ec/v1",
    });
    expect(checkoutFormTargets(env)).toEqual([
      "https://checkout.pagopa.it",
      "https://api.platform.pagopa.it",
    ]);
    const custom = parseEnv({
      PAGOPA_GPD_URL: "https://api.uat.platform.pagopa.it/gpd/debt-positions-service/v1",
      PAGOPA_CHECKOUT_URL: "https://api.uat.platform.pagopa.it/checkout/ec/v1",
      PAGOPA_CHECKOUT_ORIGIN: "https://uat.checkout.pagopa.it",
    });
    const csp = contentSecurityPolicy("n", checkoutFormTargets(custom));
    expect(csp).toContain(
      "form-action 'self' https://uat.checkout.pagopa.it https://api.uat.platform.pagopa.it;",
    );
  });

  it("refuses malformed follow-up settings with a sentence naming them", () => {
    expect(() => parseEnv({ PAGOPA_POLL_MINUTES: "1" })).toThrow(/PAGOPA_POLL_MINUTES/);
    expect(() => parseEnv({ PAGOPA_EBOLLO: "Volterra" })).toThrow(/PAGOPA_EBOLLO/);
    expect(() => parseEnv({ PAGOPA_CHECKOUT_ORIGIN: "checkout" })).toThrow(/PAGOPA_CHECKOUT_ORIGIN/);
  });
});
