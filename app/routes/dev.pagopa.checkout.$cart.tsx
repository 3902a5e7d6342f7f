import { type ActionFunctionArgs, data, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, redirect, useLoaderData } from "@remix-run/react";
import { CsrfInput } from "~/components/forms";
import { formatEuro, formatNoticeNumber } from "~/domain/payments/iuv";
import { useT } from "~/i18n/useT";
import { formToken, readForm } from "~/server/auth/session.server";
import { loadCart, notifyPortal, payCart } from "~/server/integrations/payment/double.server";
import { paymentServices } from "~/server/integrations/payment/pages.server";
import { db, runtime } from "~/server/runtime.server";

export const meta: MetaFunction = () => [{ title: "pagoPA (sviluppo) - Checkout" }];

function ensureDouble() {
  if (runtime.env.isProduction || !paymentServices(runtime.env).config.double) {
    throw new Response("Not Found", { status: 404 });
  }
}

/** The development double's checkout page: where the demo business "pays" its cart. */
export async function loader({ params, request }: LoaderFunctionArgs) {
  ensureDouble();
  const cart = await loadCart(db(), params.cart ?? "");
  if (!cart) throw new Response("Carrello inesistente", { status: 404 });
  const { csrf, headers } = await formToken(request);
  return data({ ...checkoutView(cart), csrf }, { headers });
}

function checkoutView(cart: NonNullable<Awaited<ReturnType<typeof loadCart>>>) {
  return {
    id: cart.id,
    paid: cart.paid,
    notices: cart.notices,
    total: cart.notices.reduce((s, n) => s + n.amount, 0),
    cancelUrl: cart.request.returnUrls.returnCancelUrl,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  ensureDouble();
  const form = await readForm(request);
  const cart = await loadCart(db(), params.cart ?? "");
  if (!cart) throw new Response("Carrello inesistente", { status: 404 });
  if (form.get("intent") === "annulla") return redirect(cart.request.returnUrls.returnCancelUrl);
  const result = await payCart(db(), cart.id);
  if (result.ok)
    await notifyPortal(paymentServices(runtime.env, new URL(request.url).origin).config, result.paid);
  return redirect(result.returnUrl ?? cart.request.returnUrls.returnErrorUrl);
}

export default function DevCheckout() {
  const t = useT();
  const data = useLoaderData() as ReturnType<typeof checkoutView>;
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{t("payments.checkout.title")}</h1>
        <p className="alert alert-warning">{t("payments.checkout.lead")}</p>
        <ul className="list-unstyled">
          {data.notices.map((n) => (
            <li key={n.noticeNumber} className="mb-3 border-bottom pb-2">
              <strong>{n.companyName}</strong>
              <div>{n.description}</div>
              <div>
                {formatNoticeNumber(n.noticeNumber)} · {formatEuro(n.amount)} €
              </div>
              {n.problem ? (
                <div className="text-danger" role="alert">
                  {n.problem}
                </div>
              ) : null}
            </li>
          ))}
        </ul>
        {data.paid ? <p role="status">{t("payments.checkout.paid")}</p> : null}
        <Form method="post" className="d-flex gap-3 flex-wrap">
          <CsrfInput />
          {!data.paid ? (
            <button type="submit" name="intent" value="paga" className="btn btn-primary">
              {t("payments.checkout.pay", { amount: formatEuro(data.total) })}
            </button>
          ) : null}
          <button type="submit" name="intent" value="annulla" className="btn btn-outline-primary">
            {t("payments.checkout.cancel")}
          </button>
        </Form>
      </div>
    </div>
  );
}
