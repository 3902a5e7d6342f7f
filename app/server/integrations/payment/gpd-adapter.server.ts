import {
  type CartRequest,
  type GpdPosition,
  type PaymentPort,
  PaymentPortError,
  type RemotePosition,
  type RemoteStatus,
} from "./port.server";

/**
 * The pagoPA adapter: GPD debt-positions-service v1 and Checkout EC v1 over HTTPS, authenticated with the
 * APIM subscription key header GPD declares (`Ocp-Apim-Subscription-Key`). Pointed at the development double
 * it makes exactly the same requests over loopback.
 */
export interface GpdAdapterOptions {
  gpdUrl: string;
  checkoutUrl: string;
  apiKey: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

type Json = Record<string, any>;

export function gpdAdapter(options: GpdAdapterOptions): PaymentPort {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 15_000;

  async function call(url: string, init: RequestInit): Promise<Response> {
    try {
      return await doFetch(url, {
        ...init,
        headers: {
          "Ocp-Apim-Subscription-Key": options.apiKey,
          Accept: "application/json",
          ...(init.body ? { "Content-Type": "application/json" } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timeout =
        error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      throw new PaymentPortError(
        timeout
          ? `pagoPA non ha risposto entro ${timeoutMs / 1000} s`
          : `pagoPA non raggiungibile: ${String(error)}`,
        undefined,
        timeout,
      );
    }
  }

  async function fail(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => "");
    let detail = text.slice(0, 200);
    try {
      const body = JSON.parse(text) as Json;
      detail = String(body.detail ?? body.title ?? body.message ?? detail);
    } catch {}
    throw new PaymentPortError(`${what}: pagoPA ha risposto ${res.status} ${detail}`.trim(), res.status);
  }

  const positionUrl = (fc: string, iupd?: string) =>
    `${options.gpdUrl}/organizations/${encodeURIComponent(fc)}/debtpositions${iupd ? `/${encodeURIComponent(iupd)}` : ""}`;

  const port: PaymentPort = {
    async createPosition(fc, position: GpdPosition) {
      const res = await call(`${positionUrl(fc)}?toPublish=true`, {
        method: "POST",
        body: JSON.stringify(position),
      });
      if (res.status === 409) {
        // Already created by an earlier attempt of the same call: accept it if it is the same position.
        const existing = await port.getPosition(fc, position.iupd);
        if (existing && existing.iuv === position.paymentOption[0]!.iuv) return existing;
        return fail(res, "Creazione della posizione debitoria");
      }
      if (res.status !== 201) return fail(res, "Creazione della posizione debitoria");
      const body = (await res.json()) as Json;
      return toRemote(body, position.iupd);
    },
    async getPosition(fc, iupd) {
      const res = await call(positionUrl(fc, iupd), { method: "GET" });
      if (res.status === 404) return null;
      if (res.status !== 200) return fail(res, "Lettura della posizione debitoria");
      return toRemote((await res.json()) as Json, iupd);
    },
    async invalidatePosition(fc, iupd) {
      const res = await call(`${positionUrl(fc, iupd)}/invalidate`, { method: "POST" });
      if (res.status === 409) {
        // Not invalidable (already paid or already invalid): read what it is.
        const existing = await port.getPosition(fc, iupd);
        if (existing) return existing;
      }
      if (res.status !== 200) return fail(res, "Annullamento della posizione debitoria");
      return toRemote((await res.json()) as Json, iupd);
    },
    async createCart(cart: CartRequest) {
      const res = await call(`${options.checkoutUrl}/carts`, {
        method: "POST",
        body: JSON.stringify(cart),
        redirect: "manual",
      });
      const location = res.headers.get("location");
      if (res.status !== 302 || !location) return fail(res, "Avvio del pagamento con pagoPA Checkout");
      return new URL(location, options.checkoutUrl).toString();
    },
  };
  return port;
}

function toRemote(body: Json, iupd: string): RemotePosition {
  const option = (Array.isArray(body.paymentOption) ? body.paymentOption[0] : undefined) as Json | undefined;
  const status = String(body.status ?? "VALID") as RemoteStatus;
  const paid =
    option && (option.status === "PO_PAID" || option.status === "PO_REPORTED") && option.idReceipt
      ? {
          receiptId: String(option.idReceipt),
          psp: String(option.pspCompany ?? ""),
          paidAt: String(option.paymentDate ?? body.paymentDate ?? new Date().toISOString()),
          amount: Number(option.amount),
        }
      : null;
  return {
    iupd: String(body.iupd ?? iupd),
    status,
    iuv: String(option?.iuv ?? ""),
    nav: option?.nav ? String(option.nav) : undefined,
    amount: Number(option?.amount ?? 0),
    paid,
  };
}
