import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { Database } from "../../db/schema.server";
import type { PaymentConfig } from "./config.server";
import type { CartRequest, GpdPosition } from "./port.server";

/**
 * The development pagoPA double, mounted in-process at /dev/pagopa. It implements the GPD REST operations
 * the portal uses (createPosition, getOrganizationDebtPositionByIUPD, invalidatePosition) and Checkout's
 * POST /carts with their official shapes (specs/pagopa: the integration tests validate its requests and
 * answers against them), keeps its state in the dev_pagopa_* tables, and offers the checkout page where
 * the demo business pays. After a payment it sends the portal a signed notification (see notify.server.ts);
 * if that is lost, the portal's polling of getOrganizationDebtPositionByIUPD finds the payment anyway.
 * It refuses to run in production (the routes check `assertDoubleAllowed`).
 */

type Json = Record<string, any>;

interface StoredPosition {
  request: GpdPosition;
  organizationFiscalCode: string;
  status: "DRAFT" | "PUBLISHED" | "VALID" | "INVALID" | "EXPIRED" | "PAID";
  insertedDate: string;
  publishDate?: string;
  lastUpdatedDate: string;
  payment?: { idReceipt: string; pspCompany: string; paymentDate: string; paymentMethod: string };
}

export const DOUBLE_PSP = "Banca di Sviluppo S.p.A. (PSP di prova)";

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "X-Request-Id": randomUUID(), ...headers },
  });
}

function problem(status: number, title: string, detail: string) {
  return json(status, { title, status, detail });
}

const isoNoMs = (d: Date) => d.toISOString();

/** PaymentPositionModel view (createPosition / invalidatePosition answers). */
function modelView(p: StoredPosition): Json {
  const r = p.request;
  return {
    iupd: r.iupd,
    type: r.type,
    payStandIn: r.payStandIn ?? true,
    fiscalCode: r.fiscalCode,
    fullName: r.fullName,
    switchToExpired: r.switchToExpired,
    companyName: r.companyName,
    ...(r.officeName ? { officeName: r.officeName } : {}),
    ...(p.payment ? { paymentDate: p.payment.paymentDate } : {}),
    status: p.status,
    paymentOption: r.paymentOption.map((o) => ({
      nav: `3${o.iuv}`,
      iuv: o.iuv,
      amount: o.amount,
      description: o.description,
      isPartialPayment: o.isPartialPayment,
      dueDate: o.dueDate,
      ...(o.retentionDate ? { retentionDate: o.retentionDate } : {}),
      fee: o.fee ?? 0,
      notificationFee: 0,
      transfer: o.transfer,
    })),
  };
}

/** PaymentPositionModelBaseResponse view (getOrganizationDebtPositionByIUPD). */
function baseView(p: StoredPosition): Json {
  const r = p.request;
  return {
    iupd: r.iupd,
    organizationFiscalCode: p.organizationFiscalCode,
    type: r.type,
    companyName: r.companyName,
    ...(r.officeName ? { officeName: r.officeName } : {}),
    insertedDate: p.insertedDate,
    ...(p.publishDate ? { publishDate: p.publishDate } : {}),
    ...(p.payment ? { paymentDate: p.payment.paymentDate } : {}),
    status: p.status,
    lastUpdatedDate: p.lastUpdatedDate,
    paymentOption: r.paymentOption.map((o) => ({
      nav: `3${o.iuv}`,
      iuv: o.iuv,
      organizationFiscalCode: p.organizationFiscalCode,
      amount: o.amount,
      description: o.description,
      isPartialPayment: o.isPartialPayment,
      dueDate: o.dueDate,
      insertedDate: p.insertedDate,
      fee: o.fee ?? 0,
      notificationFee: 0,
      status: p.payment ? "PO_PAID" : "PO_UNPAID",
      lastUpdatedDate: p.lastUpdatedDate,
      ...(p.payment
        ? {
            paymentDate: p.payment.paymentDate,
            paymentMethod: p.payment.paymentMethod,
            pspCompany: p.payment.pspCompany,
            idReceipt: p.payment.idReceipt,
          }
        : {}),
      transfer: o.transfer.map((t) => ({
        organizationFiscalCode: t.organizationFiscalCode ?? p.organizationFiscalCode,
        idTransfer: t.idTransfer,
        amount: t.amount,
        remittanceInformation: t.remittanceInformation,
        category: t.category,
        ...(t.iban ? { iban: t.iban } : {}),
        ...(t.stamp ? { stamp: t.stamp } : {}),
        insertedDate: p.insertedDate,
        status: p.payment ? "T_REPORTED" : "T_UNREPORTED",
        lastUpdatedDate: p.lastUpdatedDate,
      })),
    })),
  };
}

/** The checks the double makes of a createPosition body (a subset of GPD's own validation). */
function invalidPosition(body: Json): string | null {
  for (const k of ["iupd", "type", "fiscalCode", "fullName", "companyName", "switchToExpired"]) {
    if (body[k] === undefined) return `${k} is required`;
  }
  if (!["F", "G"].includes(body.type)) return "type must be F or G";
  if (!Array.isArray(body.paymentOption) || body.paymentOption.length === 0)
    return "paymentOption is required";
  for (const o of body.paymentOption as Json[]) {
    if (typeof o.iuv !== "string" || !/^\d{17}$/.test(o.iuv)) return "iuv must be 17 digits";
    if (!Number.isInteger(o.amount) || o.amount < 1) return "amount must be a positive integer (cents)";
    if (typeof o.dueDate !== "string" || Number.isNaN(Date.parse(o.dueDate)))
      return "dueDate must be a date-time";
    if (!Array.isArray(o.transfer) || o.transfer.length === 0 || o.transfer.length > 5)
      return "1 to 5 transfers";
    const sum = (o.transfer as Json[]).reduce((s, t) => s + Number(t.amount), 0);
    if (sum !== o.amount) return "the transfers' amounts must add up to the payment option's amount";
    for (const t of o.transfer as Json[]) {
      if (!t.iban && !t.stamp) return "each transfer needs an iban or a stamp";
      if (t.iban && t.stamp) return "iban and stamp are mutually exclusive";
      if (t.stamp) {
        // GPD Stamp: hashDocument (stBase64Binary72), stampType (2 characters), provincialResidence [A-Z]{2}.
        const st = t.stamp as Json;
        if (
          typeof st.hashDocument !== "string" ||
          st.hashDocument.length > 72 ||
          !/^[A-Za-z0-9+/=]*$/.test(st.hashDocument)
        )
          return "stamp.hashDocument must be base64, at most 72 characters";
        if (typeof st.stampType !== "string" || st.stampType.length !== 2)
          return "stamp.stampType must be 2 characters";
        if (typeof st.provincialResidence !== "string" || !/^[A-Z]{2}$/.test(st.provincialResidence))
          return "stamp.provincialResidence must be two capital letters (e.g. PI)";
        if (t.postalIban) return "postalIban cannot be combined with a stamp";
      }
      if (typeof t.remittanceInformation !== "string" || t.remittanceInformation.length > 140) {
        return "remittanceInformation is required (at most 140 characters)";
      }
    }
  }
  return null;
}

async function load(db: Kysely<Database>, fc: string, iupd: string): Promise<StoredPosition | null> {
  const row = await db
    .selectFrom("dev_pagopa_positions")
    .select("body")
    .where("organization_fiscal_code", "=", fc)
    .where("iupd", "=", iupd)
    .executeTakeFirst();
  return row ? (row.body as unknown as StoredPosition) : null;
}

async function save(db: Kysely<Database>, p: StoredPosition) {
  await db
    .updateTable("dev_pagopa_positions")
    .set({ body: JSON.stringify(p), updated_at: new Date() })
    .where("organization_fiscal_code", "=", p.organizationFiscalCode)
    .where("iupd", "=", p.request.iupd)
    .execute();
}

export interface DoubleContext {
  db: Kysely<Database>;
  config: PaymentConfig;
  now?: () => Date;
}

/** Handles /dev/pagopa/gpd/... and /dev/pagopa/checkout/ec/v1/carts. `path` is the part after /dev/pagopa. */
export async function handleDoubleApi(request: Request, path: string, ctx: DoubleContext): Promise<Response> {
  const now = ctx.now?.() ?? new Date();
  const url = new URL(request.url);
  const key = request.headers.get("Ocp-Apim-Subscription-Key") ?? url.searchParams.get("subscription-key");
  if (key !== ctx.config.apiKey) {
    return new Response(null, { status: 401, headers: { "X-Request-Id": randomUUID() } });
  }

  if (path === "/checkout/ec/v1/carts" && request.method === "POST") {
    const body = (await request.json().catch(() => null)) as Json | null;
    const notices = body?.paymentNotices;
    const urls = body?.returnUrls;
    if (!Array.isArray(notices) || notices.length < 1 || notices.length > 5) {
      return problem(400, "Bad Request", "paymentNotices must hold 1 to 5 notices");
    }
    for (const n of notices as Json[]) {
      if (!/^\d{18}$/.test(String(n.noticeNumber)) || !/^\d{11}$/.test(String(n.fiscalCode))) {
        return problem(400, "Bad Request", "noticeNumber must be 18 digits and fiscalCode 11 digits");
      }
      if (!Number.isInteger(n.amount) || n.amount < 1 || !n.companyName || !n.description) {
        return problem(400, "Bad Request", "amount, companyName and description are required");
      }
    }
    if (!urls?.returnOkUrl || !urls.returnCancelUrl || !urls.returnErrorUrl) {
      return problem(400, "Bad Request", "returnUrls needs returnOkUrl, returnCancelUrl and returnErrorUrl");
    }
    const id = randomBytes(12).toString("hex");
    await ctx.db
      .insertInto("dev_pagopa_carts")
      .values({ id, body: JSON.stringify(body) })
      .execute();
    return new Response(null, {
      status: 302,
      headers: {
        Location: `${ctx.config.publicUrl}/dev/pagopa/checkout/${id}`,
        "X-Request-Id": randomUUID(),
      },
    });
  }

  const m = /^\/gpd\/organizations\/([^/]+)\/debtpositions(?:\/([^/]+)(\/invalidate)?)?$/.exec(path);
  if (!m) return problem(404, "Not Found", `no operation at ${path}`);
  const fc = decodeURIComponent(m[1]!);
  const iupd = m[2] ? decodeURIComponent(m[2]) : undefined;

  if (!iupd && request.method === "POST") {
    const body = (await request.json().catch(() => null)) as Json | null;
    const invalid = body ? invalidPosition(body) : "the body must be a JSON PaymentPositionModel";
    if (invalid) return problem(400, "Bad Request", invalid);
    const position = body as unknown as GpdPosition;
    const publish = url.searchParams.get("toPublish") === "true";
    const stored: StoredPosition = {
      request: position,
      organizationFiscalCode: fc,
      status: publish ? "VALID" : "DRAFT",
      insertedDate: isoNoMs(now),
      ...(publish ? { publishDate: isoNoMs(now) } : {}),
      lastUpdatedDate: isoNoMs(now),
    };
    // The IUPD and each IUV are unique per organisation (GPD answers 409 Conflict).
    const clash = await sql<{
      n: number;
    }>`select count(*)::int as n from dev_pagopa_positions where organization_fiscal_code = ${fc} and (iupd = ${position.iupd} or body->'request'->'paymentOption'->0->>'iuv' = ${position.paymentOption[0]!.iuv})`.execute(
      ctx.db,
    );
    if (Number(clash.rows[0]?.n ?? 0) > 0) {
      return problem(409, "Conflict", "Debt Position already exists (IUPD or IUV)");
    }
    const inserted = await ctx.db
      .insertInto("dev_pagopa_positions")
      .values({ organization_fiscal_code: fc, iupd: position.iupd, body: JSON.stringify(stored) })
      .onConflict((oc) => oc.columns(["organization_fiscal_code", "iupd"]).doNothing())
      .returning("iupd")
      .executeTakeFirst();
    if (!inserted) return problem(409, "Conflict", "Debt Position already exists (IUPD or IUV)");
    return json(201, modelView(stored));
  }

  if (!iupd) return problem(405, "Method Not Allowed", "only POST here");
  const stored = await load(ctx.db, fc, iupd);
  if (!stored) return problem(404, "Not Found", `Debt Position ${iupd} not found`);

  if (!m[3] && request.method === "GET") return json(200, baseView(stored));
  if (m[3] && request.method === "POST") {
    if (stored.status === "PAID") return problem(409, "Conflict", "Debt Position is already paid");
    if (stored.status === "INVALID") return problem(409, "Conflict", "Debt Position is already invalid");
    stored.status = "INVALID";
    stored.lastUpdatedDate = isoNoMs(now);
    await save(ctx.db, stored);
    return json(200, modelView(stored));
  }
  return problem(405, "Method Not Allowed", `${request.method} not supported at ${path}`);
}

export interface CartView {
  id: string;
  paid: boolean;
  request: CartRequest;
  notices: {
    noticeNumber: string;
    fiscalCode: string;
    amount: number;
    companyName: string;
    description: string;
    problem: string | null;
  }[];
}

async function findByNotice(db: Kysely<Database>, fc: string, notice: string) {
  const row = await sql<{
    body: StoredPosition | string;
  }>`select body from dev_pagopa_positions where organization_fiscal_code = ${fc} and body->'request'->'paymentOption'->0->>'iuv' = ${notice.slice(1)}`.execute(
    db,
  );
  const b = row.rows[0]?.body;
  return b ? ((typeof b === "string" ? JSON.parse(b) : b) as StoredPosition) : null;
}

function noticeProblem(p: StoredPosition | null, amount: number, now: Date): string | null {
  if (!p) return "Avviso inesistente presso l'ente creditore.";
  if (p.status === "PAID") return "Avviso già pagato.";
  if (p.status === "INVALID") return "L'ente creditore ha annullato questo avviso.";
  if (p.status !== "VALID") return "Avviso non ancora pagabile.";
  const option = p.request.paymentOption[0]!;
  if (option.amount !== amount) return "L'importo non corrisponde a quello dell'avviso.";
  if (p.request.switchToExpired && Date.parse(option.dueDate) < now.getTime()) return "Avviso scaduto.";
  return null;
}

export async function loadCart(db: Kysely<Database>, id: string, now = new Date()): Promise<CartView | null> {
  const row = await db.selectFrom("dev_pagopa_carts").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) return null;
  const request = row.body as unknown as CartRequest;
  const notices = [];
  for (const n of request.paymentNotices) {
    const p = await findByNotice(db, n.fiscalCode, n.noticeNumber);
    notices.push({ ...n, problem: row.paid ? null : noticeProblem(p, n.amount, now) });
  }
  return { id, paid: row.paid, request, notices };
}

export interface PaidNotice {
  organizationFiscalCode: string;
  iupd: string;
  iuv: string;
  noticeNumber: string;
  idReceipt: string;
  pspCompany: string;
  paymentDate: string;
  amount: number;
}

/**
 * The payer confirms at the checkout: in one transaction every notice of the cart is checked again (still
 * valid, same amount, not expired) and marked paid; any problem pays nothing. Returns the paid notices (to
 * notify the portal) or the problem.
 */
export async function payCart(
  db: Kysely<Database>,
  id: string,
  now = new Date(),
): Promise<
  | { ok: true; paid: PaidNotice[]; returnUrl: string }
  | { ok: false; problem: string; returnUrl: string | null }
> {
  return db
    .transaction()
    .execute(async (trx) => {
      const row = await trx
        .selectFrom("dev_pagopa_carts")
        .selectAll()
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return { ok: false as const, problem: "Carrello inesistente.", returnUrl: null };
      const request = row.body as unknown as CartRequest;
      if (row.paid)
        return {
          ok: false as const,
          problem: "Carrello già pagato.",
          returnUrl: request.returnUrls.returnOkUrl,
        };
      const paid: PaidNotice[] = [];
      for (const n of request.paymentNotices) {
        const locked = await sql<{
          body: StoredPosition | string;
        }>`select body from dev_pagopa_positions where organization_fiscal_code = ${n.fiscalCode} and body->'request'->'paymentOption'->0->>'iuv' = ${n.noticeNumber.slice(1)} for update`.execute(
          trx,
        );
        const b = locked.rows[0]?.body;
        const p = b ? ((typeof b === "string" ? JSON.parse(b) : b) as StoredPosition) : null;
        const why = noticeProblem(p, n.amount, now);
        if (why || !p) {
          throw new CartRefused(why ?? "Avviso inesistente.", request.returnUrls.returnErrorUrl);
        }
        p.status = "PAID";
        p.lastUpdatedDate = isoNoMs(now);
        p.payment = {
          idReceipt: `RT-${randomBytes(8).toString("hex").toUpperCase()}`,
          pspCompany: DOUBLE_PSP,
          paymentDate: isoNoMs(now),
          paymentMethod: "CP",
        };
        await save(trx, p);
        paid.push({
          organizationFiscalCode: p.organizationFiscalCode,
          iupd: p.request.iupd,
          iuv: p.request.paymentOption[0]!.iuv,
          noticeNumber: n.noticeNumber,
          idReceipt: p.payment.idReceipt,
          pspCompany: p.payment.pspCompany,
          paymentDate: p.payment.paymentDate,
          amount: n.amount,
        });
      }
      await trx.updateTable("dev_pagopa_carts").set({ paid: true }).where("id", "=", id).execute();
      return { ok: true as const, paid, returnUrl: request.returnUrls.returnOkUrl };
    })
    .catch((error) => {
      if (error instanceof CartRefused)
        return { ok: false as const, problem: error.message, returnUrl: error.returnUrl };
      throw error;
    });
}

class CartRefused extends Error {
  constructor(
    message: string,
    readonly returnUrl: string,
  ) {
    super(message);
  }
}

/** Signs a notification body the way the portal's endpoint checks it: HMAC-SHA256 over "<t>.<body>". */
export function signNotification(secret: string, body: string, t: number): string {
  const v1 = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  return `t=${t},v1=${v1}`;
}

/** After a payment: tells the portal, signed. A lost notification is recovered by the portal's polling. */
export async function notifyPortal(config: PaymentConfig, paid: PaidNotice[], now = new Date()) {
  for (const p of paid) {
    const body = JSON.stringify({ notificationId: randomUUID(), ...p });
    const t = Math.floor(now.getTime() / 1000);
    try {
      await fetch(`${config.publicUrl}/api/pagopa/notifiche`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-PagoPA-Signature": signNotification(config.notifySecret, body, t),
        },
        body,
        signal: AbortSignal.timeout(5000),
      });
    } catch {
      // polling recovers it
    }
  }
}
