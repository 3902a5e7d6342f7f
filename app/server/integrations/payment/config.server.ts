import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CREDITOR_DATA, parseEnabledCreditors } from "~/domain/payments/creditors";
import type { Creditor } from "~/domain/payments/positions";
import type { Env } from "../../env.server";
import { publicUrl } from "../../public-url.server";

/**
 * pagoPA configuration, from the validated environment. With no PAGOPA_GPD_URL the development double
 * mounted at /dev/pagopa is the peer (outside production only: there, no URL means no pagoPA, and the
 * uploaded payment proof stays the way to pay). Development keys are generated once into DATA_DIR.
 */
export interface PaymentConfig {
  enabled: boolean;
  /** true when the peer is the development double */
  double: boolean;
  gpdUrl: string;
  checkoutUrl: string;
  apiKey: string;
  notifySecret: string;
  /** Comuni (ISTAT codes) whose fees are collected through pagoPA */
  creditors: string[];
  dueDays: number;
  publicUrl: string;
  /** agencies (catalogue entity codes) that collect their own diritti through pagoPA */
  agencyCreditors: string[];
  /** Comuni that collect the imposta di bollo through @e.bollo */
  ebollo: string[];
  /** minutes between two polls of an unpaid notice */
  pollMinutes: number;
  /** days before a payment deadline the reminder goes out */
  reminderDays: number;
}

interface DevKeys {
  apiKey: string;
  notifySecret: string;
}

const devKeyCache = new Map<string, DevKeys>();

function devKeys(dataDir: string): DevKeys {
  const file = path.resolve(dataDir, "pagopa-dev-keys.json");
  const cached = devKeyCache.get(file);
  if (cached) return cached;
  let keys: DevKeys;
  try {
    keys = JSON.parse(readFileSync(file, "utf8")) as DevKeys;
  } catch {
    keys = { apiKey: randomBytes(16).toString("hex"), notifySecret: randomBytes(32).toString("hex") };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  }
  devKeyCache.set(file, keys);
  return keys;
}

/**
 * `origin`: the address the browser used (the web request's), which return URLs and the double's checkout
 * page must share with the session cookie when PUBLIC_URL is not set (development).
 */
export function paymentConfig(env: Env, origin?: string): PaymentConfig {
  const base = (env.PUBLIC_URL ?? origin ?? publicUrl(env)).replace(/\/$/, "");
  if (env.PAGOPA_GPD_URL) {
    return {
      enabled: true,
      double: false,
      gpdUrl: env.PAGOPA_GPD_URL.replace(/\/$/, ""),
      checkoutUrl: (env.PAGOPA_CHECKOUT_URL ?? "").replace(/\/$/, ""),
      apiKey: env.PAGOPA_API_KEY ?? "",
      notifySecret: env.PAGOPA_NOTIFY_SECRET ?? "",
      creditors: parseEnabledCreditors(env.PAGOPA_CREDITORS),
      dueDays: env.PAGOPA_DUE_DAYS,
      publicUrl: base,
      ...extras(env),
    };
  }
  const keys = env.isProduction ? { apiKey: "", notifySecret: "" } : devKeys(env.DATA_DIR);
  return {
    enabled: !env.isProduction,
    double: true,
    gpdUrl: `${base}/dev/pagopa/gpd`,
    checkoutUrl: `${base}/dev/pagopa/checkout/ec/v1`,
    apiKey: env.PAGOPA_API_KEY ?? keys.apiKey,
    notifySecret: env.PAGOPA_NOTIFY_SECRET ?? keys.notifySecret,
    creditors: env.isProduction ? [] : parseEnabledCreditors(env.PAGOPA_CREDITORS),
    dueDays: env.PAGOPA_DUE_DAYS,
    publicUrl: base,
    ...extras(env),
    ...(env.isProduction ? { agencyCreditors: [], ebollo: [] } : {}),
  };
}

function extras(env: Env) {
  return {
    agencyCreditors: parseEnabledCreditors(env.PAGOPA_AGENCY_CREDITORS),
    ebollo: parseEnabledCreditors(env.PAGOPA_EBOLLO),
    pollMinutes: env.PAGOPA_POLL_MINUTES,
    reminderDays: env.PAGOPA_REMINDER_DAYS,
  };
}

/**
 * The origins the payment POST may lead the browser to (CSP form-action): the "Paga online" form posts here
 * and is redirected to pagoPA Checkout. With a real Checkout: PAGOPA_CHECKOUT_ORIGIN (default
 * https://checkout.pagopa.it, where the cart's Location points) and the origin of PAGOPA_CHECKOUT_URL; the
 * double is this origin ('self').
 */
export function checkoutFormTargets(env: Env): string[] {
  if (!env.PAGOPA_GPD_URL) return [];
  const targets = [new URL(env.PAGOPA_CHECKOUT_ORIGIN ?? "https://checkout.pagopa.it").origin];
  if (env.PAGOPA_CHECKOUT_URL) targets.push(new URL(env.PAGOPA_CHECKOUT_URL).origin);
  return [...new Set(targets)];
}

/** The pagoPA creditor of a Comune, or undefined when that Comune has no pagoPA configuration. */
export function creditorFor(config: PaymentConfig, entityCode: string, name: string): Creditor | undefined {
  if (!config.enabled) return undefined;
  if (!config.creditors.includes(entityCode) && !config.agencyCreditors.includes(entityCode))
    return undefined;
  const data = CREDITOR_DATA[entityCode];
  return data ? { entityCode, name, ...data, ebollo: config.ebollo.includes(entityCode) } : undefined;
}

/** The double refuses to exist in production. */
export function assertDoubleAllowed(env: Env) {
  if (env.isProduction) {
    throw new Error("The development pagoPA double cannot run with NODE_ENV=production: set PAGOPA_GPD_URL.");
  }
}
