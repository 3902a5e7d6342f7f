import type { Kysely } from "kysely";
import type { Database } from "../db/schema.server";
import { ConfigError, type Env } from "../env.server";
import { developmentBusinessRegister } from "./business-register/development.server";
import type { BusinessRegister } from "./business-register/port.server";
import { oidcSettings } from "./identity/index.server";
import { oidcIdentityProvider } from "./identity/oidc.server";
import type { IdentityProvider } from "./identity/port.server";
import { paymentHandler } from "./payment/handler.server";
import { preservationHandler } from "./preservation/handler.server";
import { protocolHandler } from "./protocol/handler.server";
import { pecConfigured, pecRuntime } from "./pec/index.server";
import { sealHandler } from "./seal/handler.server";
import { documentHandler } from "./document/handler.server";
import { ssuHandler } from "./ssu/handler.server";
import { loadSealer } from "./seal/registry.server";
import type { Sealer } from "./seal/port.server";
import type { SignatureVerifier } from "./signature/port.server";
import { loadVerifier } from "./signature/registry.server";
import type { IntegrationHandler, IntegrationKind } from "./types.server";

/**
 * THE ports registry: for every kind of external system, which adapter this configuration picks (the real
 * service, the development double, or none), the adapter a request uses (in-request kinds: identity, seal,
 * signature verification, business register), and the handler the queue runs (queued kinds: protocol,
 * payment, SSU, PEC). Nothing else decides between a real adapter and a double.
 *
 * The rule "a development double never runs in production" is enforced here, once, in `adapterChoice`:
 * every adapter and every handler is reached through it, so a configuration that would put a double in
 * production stops with one sentence saying what to set. (Each double also refuses to start by itself, as a
 * last line.)
 *
 * ADDING A KIND: its folder app/server/integrations/<kind>/ (port, real adapter, double), then ONE line in
 * `ports` below: `<kind>: { choose: (env) => …, handler: <kind>Handler }` for a queued kind, or
 * `adapter: (env, …) => …` for one used inside a request. tests/unit/integrations/registry.test.ts fails
 * while a kind of the issue, or a folder under integrations/, has no line here.
 */

/** What the configuration picks for one kind. `target` is what the logs and the admin page show. */
export type AdapterChoice =
  | { adapter: "real"; target: string }
  /** `production`: the sentence saying what production must configure instead. */
  | { adapter: "double"; target: string; production: string }
  /** The kind is off in this configuration (e.g. no SPID/CIE, no pagoPA): callers fall back. */
  | { adapter: "none"; reason: string };

export interface PortEntry {
  choose(env: Env): AdapterChoice;
  /** Queued kinds: the handler the worker runs (integration_calls). */
  handler?: (env: Env) => IntegrationHandler;
  /** In-request kinds: the adapter a request uses, built for a choice that is not "none". */
  adapter?: (env: Env, ...args: any[]) => unknown;
}

const real = (target: string): AdapterChoice => ({ adapter: "real", target });
const double = (target: string, production: string): AdapterChoice => ({
  adapter: "double",
  target,
  production,
});
const none = (reason: string): AdapterChoice => ({ adapter: "none", reason });

const ports = {
  protocol: {
    choose: (env) =>
      env.PROTOCOL_REGISTRY === "internal"
        ? real("internal")
        : env.PROTOCOL_URL
          ? real(`remote:${env.PROTOCOL_URL}`)
          : double(
              "doppio del protocollo (loopback)",
              "con PROTOCOL_REGISTRY=remote servono PROTOCOL_URL e PROTOCOL_TOKEN",
            ),
    handler: protocolHandler,
  },
  identity: {
    choose: (env) =>
      env.oidc.mode === "external"
        ? real(env.OIDC_ISSUER!)
        : env.oidc.mode === "development"
          ? double("/dev/idp", "OIDC_DEV_PROVIDER=1 non è ammesso in produzione: imposta OIDC_ISSUER")
          : none("SPID/CIE non configurati (OIDC_ISSUER assente)"),
    adapter: (env: Env, sessionSecret: string): IdentityProvider =>
      identityProviderFor(oidcSettings(env, sessionSecret)!),
  },
  signature: {
    choose: (env) =>
      env.TRUST_ANCHORS
        ? real(`trust:${env.TRUST_ANCHORS}`)
        : double(
            "CA di sviluppo",
            "TRUST_ANCHORS è obbligatoria in produzione (cartella con i certificati delle CA qualificate o la lista di fiducia AgID)",
          ),
    adapter: (env: Env): Promise<SignatureVerifier> => loadVerifier(env),
  },
  seal: {
    choose: (env) =>
      env.SEAL_PROVIDER === "csc"
        ? real(`csc:${env.CSC_URL}`)
        : env.SEAL_P12
          ? real(`p12:${env.SEAL_P12}`)
          : double(
              "sigillo di sviluppo (NON qualificato)",
              "SEAL_P12 è obbligatoria in produzione (il certificato di sigillo del SUAP in formato PKCS#12, con SEAL_P12_PASSWORD), oppure SEAL_PROVIDER=csc con un servizio di sigillo remoto",
            ),
    adapter: (env: Env): Promise<Sealer> => loadSealer(env),
    // Queued too (ADR 0016): what a seal adds after COMMIT (the RFC 3161 timestamp).
    handler: sealHandler,
  },
  payment: {
    choose: (env) =>
      env.PAGOPA_GPD_URL
        ? real(`remote:${env.PAGOPA_GPD_URL}`)
        : env.isProduction
          ? none("pagoPA non configurato (PAGOPA_GPD_URL assente): resta la ricevuta di pagamento caricata")
          : double("/dev/pagopa", "imposta PAGOPA_GPD_URL"),
    handler: paymentHandler,
  },
  business_register: {
    // The PDND adapter to the Registro Imprese is documented in business-register/port.server.ts; until it
    // exists, production has no register and linking falls back to the self-declaration.
    choose: (env) =>
      env.isProduction
        ? none("nessun registro delle imprese configurato: vale l'autodichiarazione")
        : double("registro di sviluppo", "il registro delle imprese di sviluppo non è ammesso in produzione"),
    adapter: (env: Env): BusinessRegister => developmentBusinessRegister(env),
  },
  preservation: {
    choose: (env) =>
      env.PRESERVATION_URL
        ? real(`remote:${env.PRESERVATION_URL}`)
        : env.isProduction
          ? none(
              "nessun servizio di conservazione configurato (PRESERVATION_URL assente): i registri restano in attesa",
            )
          : double("doppio della conservazione (loopback)", "imposta PRESERVATION_URL e PRESERVATION_TOKEN"),
    handler: preservationHandler,
  },
  ssu: {
    // The SSU e-services over PDND (ADR 0019): the real PDND when PDND_TOKEN_URL is set; the development PDND
    // at /dev/pdnd otherwise; in production without PDND the e-services answer 503 (config.server.ts).
    // The Catalogo SSU (ADR 0026) is part of it: the national catalogue's e-services (SSU_CATALOGUE_ENDPOINTS)
    // or this portal's development catalogue, a double refused in production.
    choose: (env) =>
      env.PDND_TOKEN_URL
        ? env.SSU_CATALOGUE_ENDPOINTS?.trim()
          ? real(`pdnd:${env.PDND_TOKEN_URL}`)
          : double(
              `pdnd:${env.PDND_TOKEN_URL} con il Catalogo SSU di sviluppo`,
              "imposta SSU_CATALOGUE_ENDPOINTS (gli e-service del Catalogo SSU)",
            )
        : env.isProduction
          ? none("SSU non configurato (PDND_TOKEN_URL assente): gli e-service rispondono 503")
          : double("/dev/pdnd", "imposta PDND_TOKEN_URL e le altre variabili PDND"),
    handler: (env: Env) => ssuHandler(env),
  },
  pec: {
    // The SUAP's PEC mailbox (ADR 0020): the provider over SMTP + IMAP, or the provider double in process; with it
    // the INI-PEC lookup (ADR 0028): INIPEC_URL over PDND, the INI-PEC double outside production, none otherwise.
    choose: (env) => {
      const mode = pecConfigured(env);
      return mode === "provider"
        ? real(`pec:${env.PEC_ADDRESS}`)
        : mode === "double"
          ? double("gestore PEC di sviluppo (loopback)", "imposta PEC_SMTP_URL, PEC_IMAP_URL e PEC_ADDRESS")
          : none("PEC non configurata: i messaggi agli indirizzi PEC partono come posta ordinaria");
    },
    adapter: (env: Env, db: Kysely<Database>) => pecRuntime(env, db),
  },
  document: {
    // The receipt rendered after the submission's COMMIT (ADR 0032): the portal's own work, never a double.
    choose: () => real("in-process"),
    handler: () => documentHandler(),
  },
} satisfies { [K in IntegrationKind]?: PortEntry };

type Ports = typeof ports;

/** The kinds registered in this build. */
export const REGISTERED_KINDS = Object.keys(ports) as (keyof Ports)[];

export function isRegistered(kind: IntegrationKind): kind is keyof Ports {
  return Object.hasOwn(ports, kind);
}

/**
 * What this configuration picks for `kind`, with THE rule: a double is refused in production (ConfigError,
 * one sentence, at boot). An unregistered kind is "none" (its queued calls fail at once, alerted).
 */
export function adapterChoice(env: Env, kind: IntegrationKind): AdapterChoice {
  if (!isRegistered(kind)) return none(`nessun adattatore registrato per «${kind}»`);
  const choice = (ports[kind] as PortEntry).choose(env);
  if (choice.adapter === "double" && env.isProduction) {
    throw new ConfigError(
      `Configurazione non valida: ${choice.production} (il doppio di sviluppo di «${kind}» non si avvia con NODE_ENV=production).`,
    );
  }
  return choice;
}

/** Every kind's choice, for the boot check and the logs. Throws on the first double in production. */
export function portChoices(env: Env): Record<keyof Ports, AdapterChoice> {
  return Object.fromEntries(REGISTERED_KINDS.map((k) => [k, adapterChoice(env, k)])) as Record<
    keyof Ports,
    AdapterChoice
  >;
}

type InRequestKind = { [K in keyof Ports]: Ports[K] extends { adapter: unknown } ? K : never }[keyof Ports];
type AdapterOf<K extends InRequestKind> = Ports[K] extends { adapter: (...a: never[]) => infer A }
  ? A
  : never;
type ArgsOf<K extends InRequestKind> = Ports[K] extends { adapter: (env: Env, ...a: infer P) => unknown }
  ? P
  : never;

/** The adapter of an in-request kind for this configuration; null when the kind is off ("none"). */
export function portAdapter<K extends InRequestKind>(
  kind: K,
  env: Env,
  ...args: ArgsOf<K>
): AdapterOf<K> | null {
  if (adapterChoice(env, kind).adapter === "none") return null;
  const make = ports[kind].adapter as unknown as (env: Env, ...a: ArgsOf<K>) => AdapterOf<K>;
  return make(env, ...args);
}

const identityCache = new Map<string, IdentityProvider>();

function identityProviderFor(settings: NonNullable<ReturnType<typeof oidcSettings>>): IdentityProvider {
  const key = JSON.stringify(settings);
  let provider = identityCache.get(key);
  if (!provider) {
    provider = oidcIdentityProvider(settings);
    identityCache.set(key, provider);
  }
  return provider;
}

/** The SPID/CIE provider of this configuration, or null without one (password sign-in only). */
export function identityProvider(env: Env, sessionSecret: string): IdentityProvider | null {
  return portAdapter("identity", env, sessionSecret);
}

/** The business register, or null (production without the PDND adapter: self-declaration). */
export function businessRegister(env: Env): BusinessRegister | null {
  return portAdapter("business_register", env);
}

type QueuedKind = { [K in keyof Ports]: Ports[K] extends { handler: unknown } ? K : never }[keyof Ports];

const built = new Map<string, Map<IntegrationKind, IntegrationHandler>>();

/**
 * The queue's handlers for this configuration (built once per configuration object): one per queued kind
 * whose choice is not "none".
 */
export function integrationHandlers(env: Env): Map<IntegrationKind, IntegrationHandler> {
  const cacheKey = JSON.stringify(env);
  let handlers = built.get(cacheKey);
  if (!handlers) {
    handlers = new Map();
    for (const kind of REGISTERED_KINDS) {
      const entry = ports[kind] as PortEntry;
      if (!entry.handler || adapterChoice(env, kind).adapter === "none") continue;
      handlers.set(kind, entry.handler(env));
    }
    built.set(cacheKey, handlers);
  }
  return handlers;
}

export function handlerFor(env: Env, kind: IntegrationKind): IntegrationHandler | undefined {
  return integrationHandlers(env).get(kind);
}

export const QUEUED_KINDS = REGISTERED_KINDS.filter((k): k is QueuedKind => "handler" in ports[k]);
