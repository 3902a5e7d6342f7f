import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { verifyChains } from "~/server/engine/audit.server";
import { dispatchResult, type EngineServices } from "~/server/engine/engine.server";
import { payCart, signNotification } from "~/server/integrations/payment/double.server";
import { gpdAdapter } from "~/server/integrations/payment/gpd-adapter.server";
import { paymentHandlerFor } from "~/server/integrations/payment/handler.server";
import {
  MBD_CATEGORY,
  PAYMENT_DEADLINE,
  paymentOverview,
  paymentsOnSubmit,
  positionsOf,
  preparePositions,
  receiveNotification,
  runCallsNow,
  startCheckout,
} from "~/server/integrations/payment/service.server";
import { overduePayments, sweepPayments } from "~/server/integrations/payment/sweep.server";
import type { ResultDispatchFn } from "~/server/integrations/types.server";
import { LocalFileStore } from "~/server/storage.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";
import { draftPratica, entityId } from "../support/factories";
import {
  loadPagopaSpec,
  MemoryFileStore,
  requestValidator,
  responseValidator,
  startDoubleServer,
} from "./support";

const gpd = loadPagopaSpec("gpd");
const POSITIONS = "/organizations/{organizationfiscalcode}/debtpositions";
const BY_IUPD = `${POSITIONS}/{iupd}`;
const DAY = 86_400_000;

const line = (usecase: string, title: string, dirittiCents: number) => ({
  usecase,
  title: { it: title, en: title },
  dirittiCents,
  finalActBolloCents: 0,
});

/** Comune diritti + the imposta di bollo (@e.bollo) + the ASL's own diritti (the agency as creditor). */
const FEES_WITH_BOLLO_AND_ASL = {
  lines: [line("U1", "Somministrazione", 7000)],
  dirittiCents: 7000,
  applicationBolloCents: 1600,
  finalActBolloCents: 0,
  totalCents: 11600,
  notes: [],
  agencyLines: [
    {
      usecase: "U1",
      title: { it: "Somministrazione", en: "x" },
      agency: "ASL-TNO",
      agencyName: "Azienda USL Toscana Nord Ovest",
      cents: 3000,
    },
  ],
  payment: { timing: "before" },
};

const FEES_AFTER = {
  lines: [line("U1", "Acconciatori", 5000)],
  dirittiCents: 5000,
  applicationBolloCents: 0,
  finalActBolloCents: 0,
  totalCents: 5000,
  notes: [],
  payment: { timing: "after", days: 30 },
};

describe.each(DATABASES)("pagoPA follow-ups on %s", (kind) => {
  let test: TestDatabase;
  let srv: Awaited<ReturnType<typeof startDoubleServer>>;
  const files = new MemoryFileStore();
  const services: EngineServices = {
    files: new LocalFileStore(mkdtempSync(path.join(os.tmpdir(), "suap-payfollow-"))),
    publicUrl: "http://localhost:3000",
  };
  const dispatch: ResultDispatchFn = (trx, req) => dispatchResult(trx, services, req);

  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    await importBundledCatalogues(test.handle.db);
    srv = await startDoubleServer(test.handle.db, files);
  });
  afterAll(async () => {
    await srv.close();
    await test.drop();
  });

  const db = () => test.handle.db;
  const port = () =>
    gpdAdapter({ gpdUrl: srv.config.gpdUrl, checkoutUrl: srv.config.checkoutUrl, apiKey: srv.config.apiKey });
  const handler = () => paymentHandlerFor(port(), "double");

  async function pratica(fees: unknown, status?: string) {
    const p = await draftPratica(db(), { comune: "050011" });
    await db()
      .updateTable("pratiche")
      .set({ fees: JSON.stringify(fees), ...(status ? { status } : {}) })
      .where("id", "=", p.id)
      .execute();
    return p.id;
  }

  const paymentEvents = (id: string) =>
    db()
      .selectFrom("events")
      .select(["type", "actor_kind", "payload"])
      .where("pratica_id", "=", id)
      .where("type", "=", "INTEGRATION_RESULT")
      .orderBy("seq")
      .execute();

  it("the imposta di bollo is a GPD transfer with a stamp (no IBAN) and the ASL's diritti a position of the ASL; both validate against GPD's OpenAPI", async () => {
    const id = await pratica(FEES_WITH_BOLLO_AND_ASL);
    srv.exchanges.length = 0;
    await runCallsNow(db(), handler(), files, await preparePositions(db(), srv.config, id), { dispatch });
    const positions = await positionsOf(db(), id);
    expect(positions.map((p) => [p.status, p.amount_cents]).sort()).toEqual([
      ["valid", 3000],
      ["valid", 8600],
    ]);
    const asl = positions.find((p) => p.amount_cents === 3000)!;
    expect(asl.creditor_entity_id).toBe(await entityId(db(), "ASL-TNO"));
    expect(asl.creditor_fiscal_code).toBe("02198590503");

    const creates = srv.exchanges.filter((e) => e.method === "POST" && e.path.endsWith("/debtpositions"));
    expect(creates).toHaveLength(2);
    for (const c of creates) {
      expect(requestValidator(gpd, POSITIONS, "post").check(c.requestBody)).toEqual([]);
      expect(responseValidator(gpd, POSITIONS, "post", "201").check(c.responseBody)).toEqual([]);
    }
    const comune = creates.find((c) => c.path.includes("/00180000507/"))!.requestBody as any;
    const [diritti, bollo] = comune.paymentOption[0].transfer;
    expect(diritti).toMatchObject({ amount: 7000, iban: expect.any(String) });
    expect(bollo).toMatchObject({ amount: 1600, category: MBD_CATEGORY });
    expect(bollo.iban).toBeUndefined();
    expect(bollo.stamp).toMatchObject({ stampType: "01", provincialResidence: "PI" });
    expect(Buffer.from(bollo.stamp.hashDocument, "base64")).toHaveLength(32);
    const aslBody = creates.find((c) => c.path.includes("/02198590503/"))!.requestBody as any;
    expect(aslBody.companyName).toBe("Azienda USL Toscana Nord Ovest");
    expect(aslBody.paymentOption[0].transfer[0].organizationFiscalCode).toBe("02198590503");

    // The double keeps the stamp and answers it in GPD's shape.
    const comunePosition = positions.find((p) => p.amount_cents === 8600)!;
    const read = await fetch(
      `${srv.config.gpdUrl}/organizations/00180000507/debtpositions/${comunePosition.iupd}`,
      { headers: { "Ocp-Apim-Subscription-Key": srv.config.apiKey } },
    );
    const readBody = await read.json();
    expect(responseValidator(gpd, BY_IUPD, "get", "200").check(readBody)).toEqual([]);
    expect(readBody.paymentOption[0].transfer[1].stamp).toEqual(bollo.stamp);

    // GPD: iban and stamp are mutually exclusive; a malformed stamp is refused.
    const bad = { ...comune, iupd: `${comune.iupd}-X` };
    bad.paymentOption = [
      {
        ...comune.paymentOption[0],
        iuv: "01999999999999999",
        transfer: [diritti, { ...bollo, iban: diritti.iban }],
      },
    ];
    const refused = await fetch(
      `${srv.config.gpdUrl}/organizations/00180000507/debtpositions?toPublish=true`,
      {
        method: "POST",
        headers: { "Ocp-Apim-Subscription-Key": srv.config.apiKey, "Content-Type": "application/json" },
        body: JSON.stringify(bad),
      },
    );
    expect(refused.status).toBe(400);

    // One checkout pays both creditors; each payment lands once in the audit chain.
    expect((await paymentOverview(db(), srv.config, id))!).toMatchObject({ blocking: true, ebollo: true });
    const location = await startCheckout(db(), port(), srv.config, id);
    const paid = await payCart(db(), new URL(location!).pathname.split("/").pop()!);
    expect(paid.ok).toBe(true);
    if (!paid.ok) return;
    expect(paid.paid).toHaveLength(2);
    for (const [i, p] of paid.paid.entries()) {
      const body = JSON.stringify({ notificationId: `follow-${id}-${i}`, ...p });
      const sig = signNotification(srv.config.notifySecret, body, Math.floor(Date.now() / 1000));
      const r = await receiveNotification(db(), files, srv.config, body, sig, new Date(), dispatch);
      expect(r).toEqual({ status: 200, outcome: "recorded" });
    }
    expect((await paymentOverview(db(), srv.config, id))!.blocking).toBe(false);
    const events = await paymentEvents(id);
    // two positions published, two receipts
    expect(events.map((e) => (e.payload as any).operation)).toEqual([
      "create_position",
      "create_position",
      "notification",
      "notification",
    ]);
    expect(events.every((e) => e.actor_kind === "system:integration:payment")).toBe(true);
    const receipt = events[2]!.payload as any;
    expect(receipt.result).toMatchObject({
      status: "paid",
      outcome: "recorded",
      receiptId: paid.paid[0]!.idReceipt,
    });
    // A poll that finds the same receipts adds nothing to the chain.
    const { enqueuePolls } = await import("~/server/integrations/payment/service.server");
    await runCallsNow(db(), handler(), files, await enqueuePolls(db(), id), { dispatch });
    expect(await paymentEvents(id)).toHaveLength(4);
    expect((await verifyChains(db(), id)).problems).toEqual([]);

    // Reconciliation per creditor and month: the ASL is offered beside the desk's Comuni, and its paid
    // position (IUV, receipt, amount, date) is listed under the ASL, not under the Comune.
    const { reconciliationView } = await import("~/server/integrations/payment/reconciliation.server");
    const paidAsl = (await positionsOf(db(), id)).find((p) => p.amount_cents === 3000)!;
    expect(paidAsl.status).toBe("paid");
    const month = new Date(paidAsl.paid_at!).toISOString().slice(0, 7);
    const desk = (
      await db().selectFrom("pratiche").select("desk_id").where("id", "=", id).executeTakeFirstOrThrow()
    ).desk_id;
    const aslView = await reconciliationView(
      db(),
      desk,
      new URLSearchParams({ ente: "ASL-TNO", mese: month }),
    );
    expect(aslView.creditors.map((c) => c.code)).toEqual(expect.arrayContaining(["050011", "ASL-TNO"]));
    expect(aslView.creditor?.code).toBe("ASL-TNO");
    const aslReceipt = paid.paid.find((p) => p.iuv === paidAsl.iuv)!;
    expect(aslView.rows.filter((r) => r.praticaId === id)).toEqual([
      expect.objectContaining({
        iuv: paidAsl.iuv,
        receiptId: aslReceipt.idReceipt,
        amountCents: 3000,
        paidAt: new Date(paidAsl.paid_at!).toISOString(),
      }),
    ]);
    const comuneView = await reconciliationView(
      db(),
      desk,
      new URLSearchParams({ ente: "050011", mese: month }),
    );
    expect(comuneView.rows.filter((r) => r.praticaId === id).map((r) => r.amountCents)).toEqual([8600]);
    // A desk that does not handle the pratica is offered neither the ASL nor its rows.
    const otherView = await reconciliationView(
      db(),
      desk + 100_000,
      new URLSearchParams({ ente: "ASL-TNO", mese: month }),
    );
    expect(otherView.creditors).toEqual([]);
    expect(otherView.rows).toEqual([]);
  });

  it("payment after submission: not blocking, a deadline and notices at submission, one reminder, polling recovers a lost notification, the desk sees it overdue", async () => {
    const id = await pratica(FEES_AFTER);
    const t0 = new Date();
    expect((await paymentOverview(db(), srv.config, id))!).toMatchObject({
      blocking: false,
      timing: { kind: "after", days: 30 },
    });
    // At submission (inside its transaction): the payment deadline and the notice with that due date.
    const calls = await db()
      .transaction()
      .execute((trx) => paymentsOnSubmit(trx, srv.config, id, t0, { patronDays: [] }));
    expect(calls).toHaveLength(1);
    await db().updateTable("pratiche").set({ status: "submitted" }).where("id", "=", id).execute();
    await runCallsNow(db(), handler(), files, calls, { dispatch });
    const deadline = await db()
      .selectFrom("deadlines")
      .selectAll()
      .where("pratica_id", "=", id)
      .where("name", "=", PAYMENT_DEADLINE)
      .executeTakeFirstOrThrow();
    expect(deadline).toMatchObject({ status: "active", event: null });
    const due = String(deadline.due).slice(0, 10);
    const [position] = await positionsOf(db(), id);
    expect(position).toMatchObject({ status: "valid" });
    expect(String(position!.due_date).slice(0, 10)).toBe(due);

    // Reminders: none too early; one (per address) inside the window, however often the sweep runs.
    const desk = await entityId(db(), "SUAP-AVC");
    const early = await sweepPayments(db(), srv.config, { now: t0, publicUrl: "http://x" });
    expect(early.reminders).toBe(0);
    const soon = new Date(new Date(`${due}T12:00:00Z`).getTime() - 2 * DAY);
    const first = await sweepPayments(db(), srv.config, { now: soon, publicUrl: "http://x" });
    expect(first.reminders).toBeGreaterThanOrEqual(1);
    expect((await sweepPayments(db(), srv.config, { now: soon, publicUrl: "http://x" })).reminders).toBe(0);
    const mail = await db()
      .selectFrom("outbox")
      .selectAll()
      .where("pratica_id", "=", id)
      .where("template", "=", "pagamento_promemoria")
      .execute();
    expect(mail).toHaveLength(first.reminders);
    expect(mail[0]!.body_text).toContain("50,00");
    expect(mail[0]!.subject).toContain("Promemoria");

    // Polling through the queue: one poll per position and slot, none again in the same slot.
    const polls = first.polls;
    expect(polls).toBeGreaterThanOrEqual(1);
    expect((await sweepPayments(db(), srv.config, { now: soon, publicUrl: "http://x" })).polls).toBe(0);
    const late = new Date(new Date(`${due}T12:00:00Z`).getTime() + 3 * DAY);
    expect((await overduePayments(db(), [desk], late)).map((o) => o.pratica_id)).toContain(id);

    // Paid at pagoPA, notification lost: the worker's poll records it and the deadline is met.
    const location = await startCheckout(db(), port(), srv.config, id);
    expect((await payCart(db(), new URL(location!).pathname.split("/").pop()!)).ok).toBe(true);
    await sweepPayments(db(), srv.config, { now: late, publicUrl: "http://x" });
    const queued = await db()
      .selectFrom("integration_calls")
      .select("id")
      .where("pratica_id", "=", id)
      .where("operation", "=", "poll")
      .where("status", "=", "queued")
      .execute();
    await runCallsNow(
      db(),
      handler(),
      files,
      queued.map((q) => q.id),
      { dispatch },
    );
    expect((await positionsOf(db(), id))[0]).toMatchObject({ status: "paid" });
    const after = await db()
      .selectFrom("deadlines")
      .select("status")
      .where("id", "=", deadline.id)
      .executeTakeFirstOrThrow();
    expect(after.status).toBe("done");
    expect(await overduePayments(db(), [desk], late)).toEqual([]);
    const ops = (await paymentEvents(id)).map((e) => [
      (e.payload as any).operation,
      (e.payload as any).result?.status,
    ]);
    expect(ops).toEqual([
      ["create_position", "valid"],
      ["poll", "paid"],
    ]);
  });
});
