import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isValidIuv, noticeNumber } from "~/domain/payments/iuv";
import { DOUBLE_PSP, loadCart, payCart, signNotification } from "~/server/integrations/payment/double.server";
import { gpdAdapter } from "~/server/integrations/payment/gpd-adapter.server";
import { paymentHandlerFor } from "~/server/integrations/payment/handler.server";
import {
  cancelPositions,
  enqueuePolls,
  paymentOverview,
  positionsOf,
  preparePositions,
  reconciliation,
  receiveNotification,
  runCallsNow,
  startCheckout,
} from "~/server/integrations/payment/service.server";
import { loadPrincipal } from "~/server/auth/session.server";
import { importBundledCatalogues } from "~/server/catalogue/import.server";
import { parseEnv } from "~/server/env.server";
import { releasePositionsBeforeDeletion } from "~/server/integrations/payment/pages.server";
import { runtime } from "~/server/runtime.server";
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
const checkout = loadPagopaSpec("checkout_v1");
const POSITIONS = "/organizations/{organizationfiscalcode}/debtpositions";
const BY_IUPD = `${POSITIONS}/{iupd}`;

const FEES = {
  lines: [
    {
      usecase: "U1",
      title: { it: "Apertura esercizio di vicinato", en: "x" },
      dirittiCents: 5000,
      finalActBolloCents: 0,
    },
    { usecase: "U2", title: { it: "Insegna", en: "y" }, dirittiCents: 2500, finalActBolloCents: 0 },
  ],
  dirittiCents: 7500,
  applicationBolloCents: 0,
  finalActBolloCents: 0,
  totalCents: 7500,
  notes: [],
};

describe.each(DATABASES)("pagoPA payments on %s", (kind) => {
  let test: TestDatabase;
  let srv: Awaited<ReturnType<typeof startDoubleServer>>;
  const files = new MemoryFileStore();

  beforeAll(async () => {
    test = await useMigratedDatabase(kind);
    // loadDraft (the applicant's pages and the deletion check) reads the pratica's catalogue version
    await importBundledCatalogues(test.handle.db);
    srv = await startDoubleServer(test.handle.db, files);
  });
  afterAll(async () => {
    await srv.close();
    await test.drop();
  });
  beforeEach(() => {
    srv.exchanges.length = 0;
  });

  const db = () => test.handle.db;
  const port = () =>
    gpdAdapter({ gpdUrl: srv.config.gpdUrl, checkoutUrl: srv.config.checkoutUrl, apiKey: srv.config.apiKey });
  const handler = () => paymentHandlerFor(port(), "double");

  async function pratica(comune = "050011") {
    const p = await draftPratica(db(), { comune });
    await db()
      .updateTable("pratiche")
      .set({ fees: JSON.stringify(FEES), usecases: JSON.stringify(["VICINATO_APERTURA_NON_ALIMENTARE"]) })
      .where("id", "=", p.id)
      .execute();
    return p.id;
  }

  async function prepared(comune = "050011") {
    const id = await pratica(comune);
    const calls = await preparePositions(db(), srv.config, id);
    await runCallsNow(db(), handler(), files, calls);
    return id;
  }

  async function draftOwner(praticaId: string) {
    const row = await db()
      .selectFrom("pratiche")
      .select("filer_user_id")
      .where("id", "=", praticaId)
      .executeTakeFirstOrThrow();
    return { id: row.filer_user_id, principal: await loadPrincipal(row.filer_user_id) };
  }

  async function payThroughCheckout(praticaId: string) {
    const location = await startCheckout(db(), port(), srv.config, praticaId);
    const cartId = new URL(location!).pathname.split("/").pop()!;
    return { cartId, result: await payCart(db(), cartId) };
  }

  it("creates the debt position through GPD; request and answer validate against the official OpenAPI", async () => {
    const id = await prepared();
    const [position, ...more] = await positionsOf(db(), id);
    expect(more).toEqual([]);
    expect(position!.status).toBe("valid");
    expect(position!.amount_cents).toBe(7500);
    expect(isValidIuv(position!.iuv)).toBe(true);
    expect(position!.notice_number).toBe(noticeNumber(position!.iuv));

    const create = srv.exchanges.find((e) => e.method === "POST" && e.path.endsWith("/debtpositions"))!;
    expect(create.query).toBe("?toPublish=true");
    expect(create.status).toBe(201);
    expect(requestValidator(gpd, POSITIONS, "post").check(create.requestBody)).toEqual([]);
    expect(responseValidator(gpd, POSITIONS, "post", "201").check(create.responseBody)).toEqual([]);
    const body = create.requestBody as any;
    expect(body.paymentOption[0].transfer.map((t: any) => t.amount)).toEqual([5000, 2500]);
    expect(body.paymentOption[0].transfer[0].organizationFiscalCode).toBe(position!.creditor_fiscal_code);

    const read = await fetch(
      `${srv.config.gpdUrl}/organizations/${position!.creditor_fiscal_code}/debtpositions/${position!.iupd}`,
      {
        headers: { "Ocp-Apim-Subscription-Key": srv.config.apiKey },
      },
    );
    const readBody = await read.json();
    expect(read.status).toBe(200);
    expect(responseValidator(gpd, BY_IUPD, "get", "200").check(readBody)).toEqual([]);
    expect(readBody.status).toBe("VALID");
  });

  it("the validators do reject wrong shapes, and the double refuses a wrong API key and a malformed body", async () => {
    expect(requestValidator(gpd, POSITIONS, "post").check({ iupd: "x" })).not.toEqual([]);
    expect(requestValidator(checkout, "/carts", "post").check({ paymentNotices: [] })).not.toEqual([]);
    const url = `${srv.config.gpdUrl}/organizations/00180000507/debtpositions?toPublish=true`;
    const noKey = await fetch(url, {
      method: "POST",
      body: "{}",
      headers: { "Content-Type": "application/json" },
    });
    expect(noKey.status).toBe(401);
    const bad = await fetch(url, {
      method: "POST",
      body: JSON.stringify({ iupd: "X" }),
      headers: { "Content-Type": "application/json", "Ocp-Apim-Subscription-Key": srv.config.apiKey },
    });
    expect(bad.status).toBe(400);
    expect(responseValidator(gpd, POSITIONS, "post", "400").check(await bad.json())).toEqual([]);
  });

  it("preparing twice creates nothing new; a create retried after a crash is accepted by IUPD (409 -> same position)", async () => {
    const id = await prepared();
    expect(await preparePositions(db(), srv.config, id)).toEqual([]);
    const [position] = await positionsOf(db(), id);
    // The same create call again (as after a lost lease): GPD answers 409, the adapter reads the position back.
    const again = await port().createPosition(position!.creditor_fiscal_code, {
      ...(srv.exchanges.find((e) => e.method === "POST")?.requestBody as any),
    });
    expect(again.iupd).toBe(position!.iupd);
    expect(srv.exchanges.some((e) => e.status === 409)).toBe(true);
  });

  it("a Comune without pagoPA configuration plans nothing and does not block (uploaded proof is the fallback)", async () => {
    const id = await pratica("050039");
    expect(await preparePositions(db(), srv.config, id)).toEqual([]);
    const o = await paymentOverview(db(), srv.config, id);
    expect(o).toMatchObject({ pagopa: false, blocking: false, positions: [] });
  });

  it("pays at the checkout: the cart validates, the signed notification marks it paid with the receipt kept as a document", async () => {
    const id = await prepared();
    expect((await paymentOverview(db(), srv.config, id))!.blocking).toBe(true);
    const { cartId, result } = await payThroughCheckout(id);
    const cart = srv.exchanges.find((e) => e.path === "/checkout/ec/v1/carts")!;
    expect(cart.status).toBe(302);
    expect(cart.headers.location).toContain(`/dev/pagopa/checkout/${cartId}`);
    expect(requestValidator(checkout, "/carts", "post").check(cart.requestBody)).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;

    const paid = result.paid[0]!;
    const body = JSON.stringify({ notificationId: "n-1", ...paid });
    const r = await receiveNotification(
      db(),
      files,
      srv.config,
      body,
      signNotification(srv.config.notifySecret, body, Math.floor(Date.now() / 1000)),
    );
    expect(r).toEqual({ status: 200, outcome: "recorded" });
    const [position] = await positionsOf(db(), id);
    expect(position).toMatchObject({
      status: "paid",
      receipt_id: paid.idReceipt,
      psp: DOUBLE_PSP,
      paid_amount_cents: 7500,
      anomaly: null,
    });
    const doc = await db()
      .selectFrom("documents")
      .selectAll()
      .where("id", "=", position!.receipt_document_id!)
      .executeTakeFirstOrThrow();
    expect(doc).toMatchObject({ pratica_id: id, kind: "ricevuta_pagopa" });
    expect(
      Buffer.from(await files.get(doc.storage_key))
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");
    expect((await paymentOverview(db(), srv.config, id))!.blocking).toBe(false);

    // the GPD view of the paid position validates too
    const read = await fetch(
      `${srv.config.gpdUrl}/organizations/${position!.creditor_fiscal_code}/debtpositions/${position!.iupd}`,
      {
        headers: { "Ocp-Apim-Subscription-Key": srv.config.apiKey },
      },
    );
    const readBody = await read.json();
    expect(responseValidator(gpd, BY_IUPD, "get", "200").check(readBody)).toEqual([]);
    expect(readBody.paymentOption[0]).toMatchObject({ status: "PO_PAID", idReceipt: paid.idReceipt });

    // a second payment of the same cart is refused by the checkout
    expect((await payCart(db(), cartId)).ok).toBe(false);
  });

  it("refuses unauthenticated, forged, stale and replayed notifications; the same receipt by polling adds nothing", async () => {
    const id = await prepared();
    const { result } = await payThroughCheckout(id);
    if (!result.ok) throw new Error("payment refused");
    const paid = result.paid[0]!;
    const body = JSON.stringify({ notificationId: "n-replay", ...paid });
    const now = Math.floor(Date.now() / 1000);
    expect((await receiveNotification(db(), files, srv.config, body, null)).status).toBe(401);
    expect(
      (
        await receiveNotification(
          db(),
          files,
          srv.config,
          body,
          signNotification("wrong-secret-wrong-secret-wrong-secret", body, now),
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await receiveNotification(
          db(),
          files,
          srv.config,
          body,
          signNotification(srv.config.notifySecret, body, now - 3600),
        )
      ).status,
    ).toBe(401);
    const sig = signNotification(srv.config.notifySecret, body, now);
    expect((await receiveNotification(db(), files, srv.config, body, sig)).status).toBe(200);
    expect((await receiveNotification(db(), files, srv.config, body, sig)).status).toBe(409);
    // polling sees the same receipt: recorded once
    await runCallsNow(db(), handler(), files, await enqueuePolls(db(), id));
    const receipts = await db()
      .selectFrom("payment_receipts")
      .selectAll()
      .innerJoin("payment_positions", "payment_positions.id", "payment_receipts.position_id")
      .where("payment_positions.pratica_id", "=", id)
      .execute();
    expect(receipts).toHaveLength(1);
    expect(
      await db()
        .selectFrom("documents")
        .select("id")
        .where("pratica_id", "=", id)
        .where("kind", "=", "ricevuta_pagopa")
        .execute(),
    ).toHaveLength(1);
  });

  it("a crash between the payment and its recording loses nothing: the notification is lost, polling records it once", async () => {
    const id = await prepared();
    const { result } = await payThroughCheckout(id);
    expect(result.ok).toBe(true);
    // No notification arrives (the portal was down). The poll call crashes after pagoPA answered...
    const polls = await enqueuePolls(db(), id, new Date());
    await expect(
      runCallsNow(db(), handler(), files, polls, {
        crashAfterExecute: () => {
          throw new Error("crash");
        },
      }),
    ).rejects.toThrow("crash");
    expect((await positionsOf(db(), id))[0]!.status).toBe("valid");
    // ...and runs again once its lease expires, with the same idempotency key.
    const later = new Date(Date.now() + 10 * 60_000);
    await runCallsNow(db(), handler(), files, polls, { now: () => later });
    const [position] = await positionsOf(db(), id);
    expect(position!.status).toBe("paid");
    const call = await db()
      .selectFrom("integration_calls")
      .selectAll()
      .where("id", "=", polls[0]!)
      .executeTakeFirstOrThrow();
    expect(call).toMatchObject({ status: "done", attempts: 2 });
  });

  it("a position cancelled while the business is at the checkout cannot be paid there", async () => {
    const id = await prepared();
    const location = await startCheckout(db(), port(), srv.config, id);
    const cartId = new URL(location!).pathname.split("/").pop()!;
    await runCallsNow(db(), handler(), files, await cancelPositions(db(), id));
    expect((await positionsOf(db(), id))[0]!.status).toBe("cancelled");
    expect((await loadCart(db(), cartId))!.notices[0]!.problem).toMatch(/annullato/);
    const r = await payCart(db(), cartId);
    expect(r).toMatchObject({ ok: false, returnUrl: expect.stringContaining("esito=errore") });
  });

  it("paid at pagoPA before the cancellation reached it: the payment wins and is never shown unpaid", async () => {
    const id = await prepared();
    const { result } = await payThroughCheckout(id);
    expect(result.ok).toBe(true);
    await runCallsNow(db(), handler(), files, await cancelPositions(db(), id));
    const [position] = await positionsOf(db(), id);
    expect(position).toMatchObject({ status: "paid", anomaly: "paid_after_cancel" });
  });

  it("deleting a draft invalidates its notices at pagoPA first; a paid draft cannot be deleted", async () => {
    const saved = runtime.env;
    runtime.env = parseEnv({
      PUBLIC_URL: srv.config.publicUrl,
      PAGOPA_API_KEY: srv.config.apiKey,
      PAGOPA_NOTIFY_SECRET: srv.config.notifySecret,
      DATA_DIR: saved.DATA_DIR,
    });
    try {
      const open = await prepared();
      const owner = (await draftOwner(open))!;
      await releasePositionsBeforeDeletion(db(), runtime.env, owner, open);
      expect((await positionsOf(db(), open))[0]!.status).toBe("cancelled");
      const [p] = await positionsOf(db(), open);
      const remote = await port().getPosition(p!.creditor_fiscal_code, p!.iupd);
      expect(remote!.status).toBe("INVALID");

      const paid = await prepared();
      await payThroughCheckout(paid);
      await runCallsNow(db(), handler(), files, await enqueuePolls(db(), paid));
      const refused = await releasePositionsBeforeDeletion(db(), runtime.env, owner, paid).catch(
        (r: Response) => r,
      );
      expect(refused).toBeInstanceOf(Response);
      expect((refused as Response).status).toBe(409);
      expect(await (refused as Response).text()).toMatch(/già pagati/);
      expect((await positionsOf(db(), paid))[0]!.status).toBe("paid");
    } finally {
      runtime.env = saved;
    }
  });

  it("a second receipt for a paid position is kept as a duplicate; a short amount never settles the fee", async () => {
    const id = await prepared();
    const [position] = await positionsOf(db(), id);
    const base = {
      organizationFiscalCode: position!.creditor_fiscal_code,
      iupd: position!.iupd,
      iuv: position!.iuv,
      pspCompany: "Altra Banca",
      paymentDate: new Date().toISOString().slice(0, 19),
    };
    const send = (n: string, extra: object) => {
      const body = JSON.stringify({ notificationId: n, ...base, ...extra });
      return receiveNotification(
        db(),
        files,
        srv.config,
        body,
        signNotification(srv.config.notifySecret, body, Math.floor(Date.now() / 1000)),
      );
    };
    expect(await send("m-1", { idReceipt: "R-SHORT", amount: 100 })).toEqual({
      status: 200,
      outcome: "amount_mismatch",
    });
    expect((await positionsOf(db(), id))[0]).toMatchObject({ status: "valid", anomaly: "amount_mismatch" });
    expect((await paymentOverview(db(), srv.config, id))!.blocking).toBe(true);
    expect(await send("m-2", { idReceipt: "R-OK", amount: 7500 })).toEqual({
      status: 200,
      outcome: "recorded",
    });
    expect(await send("m-3", { idReceipt: "R-TWICE", amount: 7500 })).toEqual({
      status: 200,
      outcome: "duplicate",
    });
    expect((await positionsOf(db(), id))[0]).toMatchObject({
      status: "paid",
      receipt_id: "R-OK",
      anomaly: "duplicate",
    });
    const outcomes = await db()
      .selectFrom("payment_receipts")
      .select(["receipt_id", "outcome"])
      .where("position_id", "=", position!.id)
      .orderBy("id")
      .execute();
    expect(outcomes.map((o) => o.outcome)).toEqual(["amount_mismatch", "recorded", "duplicate"]);
  });

  it("a payment after the due date is still recorded as paid, flagged late", async () => {
    const id = await prepared();
    const [position] = await positionsOf(db(), id);
    const body = JSON.stringify({
      notificationId: "late-1",
      organizationFiscalCode: position!.creditor_fiscal_code,
      iupd: position!.iupd,
      iuv: position!.iuv,
      idReceipt: "R-LATE",
      pspCompany: "Banca",
      amount: 7500,
      paymentDate: "2099-01-01T10:00:00",
    });
    const r = await receiveNotification(
      db(),
      files,
      srv.config,
      body,
      signNotification(srv.config.notifySecret, body, Math.floor(Date.now() / 1000)),
    );
    expect(r).toEqual({ status: 200, outcome: "recorded" });
    expect((await positionsOf(db(), id))[0]).toMatchObject({ status: "paid", anomaly: "late" });
  });

  it("reconciliation lists the creditor's paid positions of the month with IUV, receipt, amount and date", async () => {
    const id = await prepared();
    const { result } = await payThroughCheckout(id);
    if (!result.ok) throw new Error("refused");
    await runCallsNow(db(), handler(), files, await enqueuePolls(db(), id));
    const month = new Date().toISOString().slice(0, 7);
    const rows = await reconciliation(db(), await entityId(db(), "050011"), month);
    const row = rows.find((r) => r.pratica_id === id)!;
    expect(row).toMatchObject({
      receipt_id: result.paid[0]!.idReceipt,
      paid_amount_cents: 7500,
      iuv: result.paid[0]!.iuv,
    });
    expect(await reconciliation(db(), await entityId(db(), "050011"), "2001-01")).toEqual([]);
  });
});
