import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { Configuration, default as Provider, KoaContextWithOIDC } from "oidc-provider";
import { ACR } from "~/domain/identity/acr";
import { DEMO_PEOPLE_LIST, type DemoPerson } from "~/domain/identity/demo-people";

/**
 * The development identity provider mounted at /dev/idp: a real OpenID Connect provider (`oidc-provider`)
 * that lets the user pick one of the demo people and a level of assurance, and issues signed ID tokens with
 * the SPID/CIE claims (`fiscal_number` as TINIT-..., `given_name`, `family_name`, `email`) and `acr`. The
 * portal speaks to it exactly as to a deployment's provider (discovery, code + PKCE, token endpoint, JWKS,
 * RP-initiated logout). It refuses to start in production.
 */

export const DEV_CLIENT_ID = "suap-portal-dev";

export interface DevIdpOptions {
  issuer: string;
  /** Where the portal receives the code, and where it goes after logout (each accepted as registered). */
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  clientSecret: string;
  dataDir: string;
  cookieSecret: string;
  isProduction: boolean;
}

/** The dev client's secret, derived from the session secret (nothing more to configure or store). */
export function devClientSecret(sessionSecret: string) {
  return createHmac("sha256", sessionSecret).update("dev-idp-client").digest("base64url");
}

async function signingKey(dataDir: string): Promise<JWK> {
  const file = path.resolve(dataDir, "dev-idp-signing-key.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as JWK;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), use: "sig", alg: "RS256", kid: `dev-${Date.now()}` };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  return jwk;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(title: string, body: string) {
  return `<!DOCTYPE html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - Identity provider di sviluppo</title>
<link rel="stylesheet" href="/vendor/bootstrap-italia/css/bootstrap-italia.min.css">
</head>
<body>
<header class="it-header-slim-wrapper"><div class="container"><p class="text-white m-0 py-2">Identity provider di sviluppo (solo per prove: non è SPID né CIE)</p></div></header>
<main class="container my-5" id="main">
${body}
</main>
</body>
</html>`;
}

function choosePage(uid: string, provider: string, levelAsked: number, people: DemoPerson[]) {
  const name = provider === "cie" ? "CIE" : "SPID";
  const options = people
    .map(
      (p, i) => `<div class="form-check">
<input class="form-check-input" type="radio" name="person" id="person-${p.id}" value="${p.id}"${i === 0 ? " checked" : ""}>
<label class="form-check-label" for="person-${p.id}">${escapeHtml(`${p.givenName} ${p.familyName}`)} - ${p.fiscalCode} (${escapeHtml(p.description)})</label>
</div>`,
    )
    .join("\n");
  const levels = [1, 2, 3]
    .map(
      (l) => `<div class="form-check">
<input class="form-check-input" type="radio" name="level" id="level-${l}" value="${l}"${l === levelAsked ? " checked" : ""}>
<label class="form-check-label" for="level-${l}">Livello ${l}${l === levelAsked ? " (richiesto dal portale)" : ""}</label>
</div>`,
    )
    .join("\n");
  return page(
    `Entra con ${name}`,
    `<h1>Entra con ${name} (prova)</h1>
<p class="lead">Scegli la persona dimostrativa con cui entrare nel portale SUAP. In un'installazione reale qui c'è il tuo gestore ${name}.</p>
<form method="post" action="/dev/idp/interaction/${escapeHtml(uid)}">
<fieldset class="mb-4"><legend class="h4">Persona</legend>
${options}
</fieldset>
<fieldset class="mb-4"><legend class="h4">Livello di sicurezza dell'accesso</legend>
${levels}
</fieldset>
<button type="submit" class="btn btn-primary" name="action" value="login">Entra con ${name}</button>
<button type="submit" class="btn btn-outline-primary ms-2" name="action" value="abort">Annulla</button>
</form>`,
  );
}

export async function createDevIdp(options: DevIdpOptions): Promise<Provider> {
  if (options.isProduction)
    throw new Error("The development identity provider (/dev/idp) cannot run in production: set OIDC_ISSUER");
  const key = await signingKey(options.dataDir);
  const people = new Map(DEMO_PEOPLE_LIST.map((p) => [p.fiscalCode, p]));
  const configuration: Configuration = {
    clients: [
      {
        client_id: DEV_CLIENT_ID,
        client_secret: options.clientSecret,
        client_name: "Portale SUAP (sviluppo)",
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "RS256",
      },
    ],
    jwks: { keys: [key as never] },
    cookies: { keys: [options.cookieSecret] },
    claims: {
      openid: ["sub"],
      profile: ["given_name", "family_name", "fiscal_number"],
      email: ["email"],
    },
    scopes: ["openid", "profile", "email"],
    acrValues: Object.values(ACR),
    extraParams: ["idp_hint"],
    // SPID/CIE proxies put the identity claims in the ID token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          // The portal asked for the logout with a valid id_token_hint: like SPID proxies, end the session
          // at once (a script carrying this response's CSP nonce submits); without JavaScript, the buttons.
          const nonce = String(
            (ctx.res as unknown as { locals?: { cspNonce?: string } }).locals?.cspNonce ?? "",
          );
          ctx.body = page(
            "Esci",
            `<h1>Vuoi uscire anche dall'identity provider?</h1>${form}
<input type="hidden" name="logout" value="yes" form="op.logoutForm">
<button type="submit" class="btn btn-primary" form="op.logoutForm" value="yes" name="logout">Sì, esci</button>
<script nonce="${escapeHtml(nonce)}">document.getElementById("op.logoutForm").submit();</script>`,
          );
        },
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.body = page("Uscita completata", "<h1>Sei uscito dall'identity provider di sviluppo</h1>");
        },
      },
    },
    ttl: {
      Session: 3600,
      Interaction: 600,
      Grant: 3600,
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
    },
    interactions: { url: (_ctx, interaction) => `/dev/idp/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const person = people.get(sub);
      if (!person) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            fiscal_number: `TINIT-${person.fiscalCode}`,
            given_name: person.givenName,
            family_name: person.familyName,
            email: person.email,
          };
        },
      };
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = page(
        "Errore",
        `<h1>Accesso non riuscito</h1><p>L'identity provider di sviluppo ha rifiutato la richiesta: ${escapeHtml(String(out.error_description ?? out.error))}.</p><p><a href="/accedi">Torna alla pagina di accesso</a></p>`,
      );
    },
  };
  // Loaded only when the development provider starts (it prints a runtime warning on Node 20 at import).
  const { default: OidcProvider } = await import("oidc-provider");
  const provider = new OidcProvider(options.issuer, configuration);
  provider.proxy = true;
  return provider;
}

/**
 * Mounts the provider and its one interaction (choose a person and a level) under /dev/idp. The provider
 * is created on first use, once the portal knows the address it listens on (PORT=0 picks one at start).
 */
export function mountDevIdp(app: Express, options: () => DevIdpOptions) {
  let provider: Promise<Provider> | undefined;
  const get = () => {
    provider ??= createDevIdp(options());
    return provider;
  };
  app.get("/dev/idp/interaction/:uid", async (req: Request, res: Response, next: NextFunction) => {
    try {
      const idp = await get();
      const details = await idp.interactionDetails(req, res);
      if (details.prompt.name === "consent") return void (await finishConsent(idp, req, res, details));
      const params = details.params as Record<string, string>;
      const asked = String(params.acr_values ?? "").split(" ");
      const level = asked.includes(ACR[3]) ? 3 : asked.includes(ACR[2]) ? 2 : 1;
      res
        .type("html")
        .send(choosePage(details.uid, String(params.idp_hint ?? "spid"), level, DEMO_PEOPLE_LIST));
    } catch (error) {
      next(error);
    }
  });
  app.post(
    "/dev/idp/interaction/:uid",
    express.urlencoded({ extended: false, limit: "10kb" }),
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const idp = await get();
        const details = await idp.interactionDetails(req, res);
        if (req.body?.action === "abort") {
          await idp.interactionFinished(
            req,
            res,
            { error: "access_denied", error_description: "L'utente ha annullato l'accesso" },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        const person = DEMO_PEOPLE_LIST.find((p) => p.id === req.body?.person);
        const level = Number(req.body?.level);
        if (!person || ![1, 2, 3].includes(level)) {
          res.status(400).type("html").send(page("Errore", "<h1>Scegli una persona e un livello</h1>"));
          return;
        }
        const grant = new idp.Grant({
          accountId: person.fiscalCode,
          clientId: String(details.params.client_id),
        });
        grant.addOIDCScope("openid profile email");
        const grantId = await grant.save();
        await idp.interactionFinished(
          req,
          res,
          {
            login: { accountId: person.fiscalCode, acr: ACR[level as 1 | 2 | 3], amr: ["pwd"] },
            consent: { grantId },
          },
          { mergeWithLastSubmission: false },
        );
      } catch (error) {
        next(error);
      }
    },
  );
  app.use("/dev/idp", async (req: Request, res: Response, next: NextFunction) => {
    try {
      (await get()).callback()(req, res);
    } catch (error) {
      next(error);
    }
  });
}

async function finishConsent(
  idp: Provider,
  req: Request,
  res: Response,
  details: Awaited<ReturnType<Provider["interactionDetails"]>>,
) {
  // The portal is the only client and first-party: consent is implied, as with a SPID proxy.
  const grant = details.grantId
    ? await idp.Grant.find(details.grantId)
    : new idp.Grant({
        accountId: String(details.session?.accountId),
        clientId: String(details.params.client_id),
      });
  grant!.addOIDCScope("openid profile email");
  const grantId = await grant!.save();
  await idp.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}
