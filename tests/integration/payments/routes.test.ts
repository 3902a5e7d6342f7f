import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as devApi from "~/routes/dev.pagopa.$";
import * as notifications from "~/routes/api.pagopa.notifiche";
import { type Env, parseEnv } from "~/server/env.server";
import { signNotification } from "~/server/integrations/payment/double.server";
import { paymentServices } from "~/server/integrations/payment/pages.server";
import { runtime } from "~/server/runtime.server";
import { DATABASES, type TestDatabase, useMigratedDatabase } from "../support/databases";

const args = (request: Request) => ({ request, params: {}, context: {} }) as never;

describe.each(DATABASES)("pagoPA routes on %s", (kind) => {
  let test: TestDatabase;
  let saved: Env;
  beforeAll(async () => {
    test = await useMigratedDatabase(kind, { demo: false });
    saved = runtime.env;
  });
  afterAll(async () => {
    runtime.env = saved;
    await test.drop();
  });

  it("the notification endpoint refuses unsigned and forged notifications, and 404s an unknown position", async () => {
    runtime.env = parseEnv({ PAGOPA_NOTIFY_SECRET: "n".repeat(40), DATA_DIR: saved.DATA_DIR });
    const body = JSON.stringify({
      notificationId: "r-1",
      organizationFiscalCode: "00180000507",
      iupd: "X",
      iuv: "1",
    });
    const post = (headers: Record<string, string>) =>
      notifications.action(
        args(new Request("http://127.0.0.1/api/pagopa/notifiche", { method: "POST", body, headers })),
      );
    expect((await post({})).status).toBe(401);
    const t = Math.floor(Date.now() / 1000);
    expect((await post({ "X-PagoPA-Signature": signNotification("f".repeat(40), body, t) })).status).toBe(
      401,
    );
    const signed = await post({ "X-PagoPA-Signature": signNotification("n".repeat(40), body, t) });
    expect(signed.status).toBe(404);
    // nothing half-written: the id is not spent, so the sender may retry
    expect(await test.handle.db.selectFrom("payment_notifications").selectAll().execute()).toEqual([]);
    expect((await post({ "X-PagoPA-Signature": signNotification("n".repeat(40), body, t) })).status).toBe(
      404,
    );
  });

  it("the double's API needs its key and answers 404 in production", async () => {
    runtime.env = parseEnv({ DATA_DIR: saved.DATA_DIR });
    const key = paymentServices(runtime.env).config.apiKey;
    const url = "http://127.0.0.1/dev/pagopa/gpd/organizations/00180000507/debtpositions/NOPE";
    expect((await devApi.loader(args(new Request(url)))).status).toBe(401);
    const found = await devApi.loader(
      args(new Request(url, { headers: { "Ocp-Apim-Subscription-Key": key } })),
    );
    expect(found.status).toBe(404);
    expect((await found.json()).title).toBe("Not Found");
    runtime.env = parseEnv({ NODE_ENV: "production", SESSION_SECRET: "x".repeat(32) });
    const prod = await devApi.loader(
      args(new Request(url, { headers: { "Ocp-Apim-Subscription-Key": key } })),
    );
    expect(prod.status).toBe(404);
    expect(await prod.text()).toBe("Not Found");
  });
});
