import { isIP } from "node:net";
import { z } from "zod";
import { isLoopbackUrl, parseS3Url } from "./s3-url.server";

/**
 * Boot-time configuration. Every variable is validated once; a bad value stops the boot with one sentence
 * naming the variable (see `describeConfigError`), never a stack trace.
 */
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce
    .number({ invalid_type_error: "deve essere un numero di porta" })
    .int("deve essere un numero intero")
    .min(0, "deve essere tra 0 (una porta libera qualsiasi) e 65535")
    .max(65535, "deve essere tra 0 (una porta libera qualsiasi) e 65535")
    .default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), "deve iniziare con postgres:// o postgresql://")
    .optional(),
  SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\//.test(v), "deve iniziare con smtp:// o smtps://")
    .optional(),
  MAIL_FROM: z.string().default("SUAP Alta Val di Cecina <noreply@suap-avc.localhost>"),
  SESSION_SECRET: z.string().min(32, "deve essere lunga almeno 32 caratteri").optional(),
  PUBLIC_URL: z
    .string()
    .url("deve essere un indirizzo completo, ad esempio https://suap.example.it")
    .optional(),
  WORKER: z.enum(["0", "1"], { errorMap: () => ({ message: "deve essere 0 oppure 1" }) }).default("1"),
  SEED_DEMO: z.enum(["0", "1"], { errorMap: () => ({ message: "deve essere 0 oppure 1" }) }).optional(),
  DEV_MAILBOX: z
    .enum(["admin", "open"], { errorMap: () => ({ message: "deve essere admin oppure open" }) })
    .default("admin"),
  UPLOAD_MAX_FILE_MB: z.coerce.number().positive("deve essere un numero positivo").default(20),
  UPLOAD_MAX_PRATICA_MB: z.coerce.number().positive("deve essere un numero positivo").default(100),
  // Integrations (app/server/integrations/registry.server.ts).
  PROTOCOL_REGISTRY: z
    .enum(["internal", "remote"], { errorMap: () => ({ message: "deve essere internal oppure remote" }) })
    .default("internal"),
  PROTOCOL_URL: z
    .string()
    .url("deve essere l'indirizzo del servizio di protocollo, ad esempio https://protocollo.comune.it/api")
    .optional(),
  PROTOCOL_TOKEN: z.string().min(16, "deve essere lunga almeno 16 caratteri").optional(),
  MAIL_ALERT_AFTER_HOURS: z.coerce.number().positive("deve essere un numero positivo di ore").default(4),
  REQUEST_MAX_FORM_KB: z.coerce.number().positive("deve essere un numero positivo").default(256),
  // Due deadlines one transaction of the sweep claims and fires, stepped in memory and written set-based (ADR 0033).
  DEADLINES_BATCH: z.coerce
    .number()
    .int()
    .min(1, "deve essere un numero intero positivo")
    .max(5000, "al massimo 5000")
    .default(500),
  // PEC (issue 17, app/server/integrations/pec/): the SUAP's certified mailbox at its provider.
  PEC_ADDRESS: z
    .string()
    .email("deve essere l'indirizzo PEC del SUAP, ad esempio suap@pec.comune.it")
    .optional(),
  PEC_SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\//.test(v), "deve iniziare con smtps:// (o smtp:// su loopback)")
    .optional(),
  PEC_IMAP_URL: z
    .string()
    .refine((v) => /^imaps?:\/\//.test(v), "deve iniziare con imaps:// (o imap:// su loopback)")
    .optional(),
  PEC_POLL_SECONDS: z.coerce.number().int().positive("deve essere un numero positivo di secondi").default(30),
  PEC_DEV_PROVIDER: z
    .enum(["0", "1"], { errorMap: () => ({ message: "deve essere 0 oppure 1" }) })
    .optional(),
  // INI-PEC over PDND (ADR 0028, docs/integrations/inipec.md): the e-service's address and this portal's purpose.
  INIPEC_URL: z
    .string()
    .url("deve essere un indirizzo completo, ad esempio https://api.inipec.gov.it/lookuppec/rest/v1.0.0")
    .optional(),
  INIPEC_PURPOSE_ID: z.string().min(1).optional(),
  // Sessions and sign-in (see ADR 0010).
  TRUST_PROXY: z
    .string()
    .refine(
      (v) => parseTrustProxy(v) !== null,
      "deve essere un elenco separato da virgole di indirizzi IP, reti CIDR (10.0.0.0/8) o dei nomi loopback, linklocal, uniquelocal",
    )
    .optional(),
  SESSION_IDLE_MINUTES: z.coerce
    .number({ invalid_type_error: "deve essere un numero di minuti" })
    .int("deve essere un numero intero di minuti")
    .min(1, "deve essere almeno 1 minuto")
    .max(24 * 60, "non può superare 1440 minuti (un giorno)")
    .default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number({ invalid_type_error: "deve essere un numero di ore" })
    .int("deve essere un numero intero di ore")
    .min(1, "deve essere almeno 1 ora")
    .max(24 * 7, "non può superare 168 ore (una settimana)")
    .default(12),
  FRESH_SIGNIN_MINUTES: z.coerce
    .number({ invalid_type_error: "deve essere un numero di minuti" })
    .int("deve essere un numero intero di minuti")
    .min(1, "deve essere almeno 1 minuto")
    .default(60),
  STAFF_TOTP: z
    .enum(["required", "optional"], { errorMap: () => ({ message: "deve essere required oppure optional" }) })
    .optional(),
  OIDC_ISSUER: z
    .string()
    .url("deve essere l'indirizzo completo dell'identity provider (https://...)")
    .optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(16, "deve essere lunga almeno 16 caratteri").optional(),
  OIDC_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  OIDC_REDIRECT_URI: z
    .string()
    .url("deve essere un indirizzo completo, ad esempio https://suap.example.it/accedi/oidc/callback")
    .optional(),
  OIDC_POST_LOGOUT_REDIRECT_URI: z.string().url("deve essere un indirizzo completo").optional(),
  OIDC_DEV_PROVIDER: z
    .enum(["0", "1"], { errorMap: () => ({ message: "deve essere 0 oppure 1" }) })
    .optional(),
  OIDC_SPID_LOA: z.enum(["2", "3"], { errorMap: () => ({ message: "deve essere 2 oppure 3" }) }).default("2"),
  // pagoPA (app/server/integrations/payment): unset URLs mean the development double at /dev/pagopa.
  PAGOPA_GPD_URL: z
    .string()
    .url(
      "deve essere un indirizzo completo, ad esempio https://api.platform.pagopa.it/gpd/debt-positions-service/v1",
    )
    .optional(),
  PAGOPA_CHECKOUT_URL: z
    .string()
    .url("deve essere un indirizzo completo, ad esempio https://api.platform.pagopa.it/checkout/ec/v1")
    .optional(),
  PAGOPA_API_KEY: z.string().min(16, "deve essere lunga almeno 16 caratteri").optional(),
  PAGOPA_NOTIFY_SECRET: z.string().min(32, "deve essere lunga almeno 32 caratteri").optional(),
  PAGOPA_CREDITORS: z
    .string()
    .regex(
      /^\s*(\d{6}\s*(,\s*\d{6}\s*)*)?$/,
      "deve essere un elenco di codici ISTAT dei Comuni separati da virgole",
    )
    .default("050011,050019,050021"),
  PAGOPA_DUE_DAYS: z.coerce
    .number()
    .int("deve essere un numero intero")
    .min(1, "deve essere almeno 1")
    .default(30),
  // Signatures (issue 14): the SUAP's seal (PKCS#12), an optional RFC 3161 TSA, the trust anchors.
  SEAL_P12: z.string().min(1).optional(),
  SEAL_P12_PASSWORD: z.string().optional(),
  TSA_URL: z
    .string()
    .url("deve essere un indirizzo completo, ad esempio https://tsa.example.it/tsa")
    .optional(),
  TRUST_ANCHORS: z.string().min(1).optional(),
  // Web processes (issue 18, ADR 0029): default one per core on PostgreSQL; PGlite is always one process.
  WEB_CONCURRENCY: z.coerce
    .number({ invalid_type_error: "deve essere un numero intero da 1 a 64" })
    .int("deve essere un numero intero da 1 a 64")
    .min(1, "deve essere un numero intero da 1 a 64")
    .max(64, "deve essere un numero intero da 1 a 64")
    .optional(),
  // The live demo desk (issue 12): demo pratiche filed through the engine at boot; never in production.
  DEMO_PRATICHE: z.enum(["0", "1"], { errorMap: () => ({ message: "deve essere 0 oppure 1" }) }).optional(),
  // pagoPA, issue 15 continued (ADR 0017): agencies as creditors, @e.bollo, polling, reminders, CSP.
  PAGOPA_AGENCY_CREDITORS: z
    .string()
    .regex(
      /^\s*([A-Z0-9-]+\s*(,\s*[A-Z0-9-]+\s*)*)?$/,
      "deve essere un elenco di codici di enti del catalogo separati da virgole, ad esempio ASL-TNO,ARPAT",
    )
    .default("ASL-TNO,ARPAT"),
  PAGOPA_EBOLLO: z
    .string()
    .regex(
      /^\s*(\d{6}\s*(,\s*\d{6}\s*)*)?$/,
      "deve essere un elenco di codici ISTAT dei Comuni separati da virgole",
    )
    .default("050011,050019,050021"),
  PAGOPA_POLL_MINUTES: z.coerce
    .number()
    .int("deve essere un numero intero")
    .min(5, "deve essere almeno 5")
    .default(60),
  PAGOPA_REMINDER_DAYS: z.coerce
    .number()
    .int("deve essere un numero intero")
    .min(1, "deve essere almeno 1")
    .default(3),
  PAGOPA_CHECKOUT_ORIGIN: z
    .string()
    .url("deve essere un indirizzo completo, ad esempio https://checkout.pagopa.it")
    .optional(),
  // Protocol register (issue 17): the preservation service the daily protocol register is deposited with.
  PRESERVATION_URL: z
    .string()
    .url(
      "deve essere l'indirizzo del servizio di conservazione, ad esempio https://conservazione.example.it/api",
    )
    .optional(),
  PRESERVATION_TOKEN: z.string().min(16, "deve essere lunga almeno 16 caratteri").optional(),
  // Signatures, continued (issue 14): the certificate that signs the ETSI trusted list in TRUST_ANCHORS.
  TRUSTED_LIST_SIGNER: z.string().min(1).optional(),
  // The national SSU exchange over PDND (issue 16, ADR 0019; app/server/integrations/ssu).
  SSU_ROLES: z
    .string()
    .regex(
      /^\s*(front_office|back_office|third_party)\s*(,\s*(front_office|back_office|third_party)\s*)*$/,
      "deve essere un elenco separato da virgole di front_office, back_office, third_party",
    )
    .default("front_office,back_office"),
  SSU_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  SSU_KID: z.string().min(1).optional(),
  PDND_CLIENT_ID: z.string().min(1).optional(),
  PDND_TOKEN_URL: z
    .string()
    .url("deve essere un indirizzo completo, ad esempio https://auth.interop.pagopa.it/token.oauth2")
    .optional(),
  PDND_JWKS_URL: z
    .string()
    .url("deve essere un indirizzo completo, ad esempio https://interop.pagopa.it/.well-known/jwks.json")
    .optional(),
  PDND_KEYS_URL: z
    .string()
    .url("deve essere l'indirizzo del servizio delle chiavi dei client PDND (GET …/{kid})")
    .optional(),
  PDND_ISSUER: z.string().min(1).optional(),
  PDND_ASSERTION_AUDIENCE: z.string().min(1).optional(),
  SSU_PURPOSES: z
    .string()
    .regex(
      /^\s*([a-z_]+=[^,=\s]+\s*(,\s*[a-z_]+=[^,=\s]+\s*)*)?$/,
      "deve essere un elenco e-service=purposeId separato da virgole, ad esempio bo_to_fo=…,fo_to_bo=…",
    )
    .optional(),
  SSU_AUDIENCE: z.string().url("deve essere l'indirizzo pubblico di /api/ssu").optional(),
  SSU_CATALOGUE_FILE: z.string().min(1).optional(),
  SSU_REQUEST_MAX_KB: z.coerce.number().positive("deve essere un numero positivo").default(2048),
  SSU_DOCUMENT_MAX_MB: z.coerce.number().positive("deve essere un numero positivo").default(100),
  // Signatures, session 6 (issue 14, ADR 0024): the remote qualified seal over the CSC API v2, and the opt-in
  // that lets development read a trusted list without TRUSTED_LIST_SIGNER.
  SEAL_PROVIDER: z
    .enum(["p12", "csc"], {
      errorMap: () => ({
        message: "deve essere p12 (certificato locale) oppure csc (servizio di sigillo remoto)",
      }),
    })
    .default("p12"),
  CSC_URL: z
    .string()
    .url("deve essere l'indirizzo del servizio CSC, ad esempio https://firma.example.it (senza /csc/v2)")
    .optional(),
  CSC_CLIENT_ID: z.string().min(1).optional(),
  CSC_CLIENT_SECRET: z.string().min(8, "deve essere lunga almeno 8 caratteri").optional(),
  CSC_CREDENTIAL_ID: z.string().min(1).optional(),
  CSC_PIN: z.string().min(1).optional(),
  CSC_OTP: z.string().min(1).optional(),
  TRUSTED_LIST_UNSIGNED: z
    .enum(["0", "1"], { errorMap: () => ({ message: "deve essere 0 oppure 1" }) })
    .optional(),
  // The SSU exchange wired to the workflow (ADR 0025): the agency (entity code) this portal speaks for as a
  // third party's system.
  SSU_AGENCY: z.string().min(1).optional(),
  // Where files live (issue 18, ADR 0035): unset or "local" = DATA_DIR/files; s3://bucket[/prefix] = S3-compatible
  // object storage shared by every host (credentials: the AWS SDK's standard variables, never read here).
  FILE_STORE: z
    .string()
    .refine(
      (v) => v === "local" || parseS3Url(v) !== null,
      "deve essere local oppure s3://bucket/prefisso (nome del bucket di 3-63 caratteri: minuscole, cifre, punti e trattini)",
    )
    .optional(),
  S3_ENDPOINT: z
    .string()
    .url(
      "deve essere l'indirizzo del servizio S3, ad esempio https://s3.eu-south-1.amazonaws.com o http://127.0.0.1:9000",
    )
    .optional(),
  S3_REGION: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z
    .enum(["0", "1"], { errorMap: () => ({ message: "deve essere 0 oppure 1" }) })
    .optional(),
  // The Catalogo SSU port (issue 16, ADR 0026): the national catalogue's e-services; without it, development.
  SSU_CATALOGUE_ENDPOINTS: z
    .string()
    .regex(
      /^\s*(catalogo_ssu_to_(fo|bo|et)=https?:\/\/[^,\s]+\s*(,\s*catalogo_ssu_to_(fo|bo|et)=https?:\/\/[^,\s]+\s*)*)?$/,
      "deve essere un elenco e-service=indirizzo separato da virgole, ad esempio catalogo_ssu_to_fo=https://…,catalogo_ssu_to_bo=https://… (the Catalogo SSU e-service addresses)",
    )
    .optional(),
});

/** TRUST_PROXY as Express wants it: a list of addresses, subnets or the names Express knows; null when invalid. */
export function parseTrustProxy(value: string | undefined): string[] | null {
  if (value === undefined || value.trim() === "") return [];
  const items = value.split(",").map((v) => v.trim());
  for (const item of items) {
    if (["loopback", "linklocal", "uniquelocal"].includes(item)) continue;
    const [ip, bits, extra] = item.split("/");
    if (extra !== undefined || !ip) return null;
    const kind = isIP(ip);
    if (!kind) return null;
    if (bits !== undefined) {
      if (!/^\d{1,3}$/.test(bits) || Number(bits) > (kind === 4 ? 32 : 128)) return null;
    }
  }
  return items;
}

export type Env = z.infer<typeof schema> & {
  isProduction: boolean;
  demoAccounts: boolean;
  /** Addresses whose X-Forwarded-For is believed (empty: none). */
  trustedProxies: string[];
  /** OpenID Connect for SPID/CIE: an external provider, or the development one mounted at /dev/idp. */
  oidc: { mode: "external" | "development" | "off" };
  staffTotp: "required" | "optional";
  /** demo pratiche filed through the engine at boot (DEMO_PRATICHE, default: with the demo accounts) */
  demoPratiche: boolean;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings in .env files mean "not set".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? "configurazione");
    // Secrets and connection strings never reach the log, not even when they are wrong.
    const secret = /SECRET|PASSWORD|KEY|TOKEN|_URL$/.test(name);
    const shown = secret
      ? `valore nascosto, ${String(cleaned[name] ?? "").length} caratteri`
      : `valore attuale: ${JSON.stringify(cleaned[name] ?? "")}`;
    throw new ConfigError(
      `Configurazione non valida: ${name} ${issue.message} (${shown}). Correggi la variabile ${name} e riavvia.`,
    );
  }
  const env = result.data;
  const isProduction = env.NODE_ENV === "production";
  if (isProduction && !env.SESSION_SECRET) {
    throw new ConfigError(
      "Configurazione non valida: SESSION_SECRET è obbligatoria in produzione (almeno 32 caratteri casuali, ad esempio da `openssl rand -hex 32`).",
    );
  }
  const demoAccounts = env.SEED_DEMO ? env.SEED_DEMO === "1" : !isProduction;
  if (isProduction && demoAccounts) {
    throw new ConfigError(
      "Configurazione non valida: SEED_DEMO=1 non è ammesso in produzione; gli account dimostrativi non vanno mai creati in produzione.",
    );
  }
  if (isProduction && env.DEMO_PRATICHE === "1") {
    throw new ConfigError(
      "Configurazione non valida: DEMO_PRATICHE=1 non è ammesso in produzione; le pratiche dimostrative non vanno mai create in produzione.",
    );
  }
  if (isProduction && env.OIDC_DEV_PROVIDER === "1") {
    throw new ConfigError(
      "Configurazione non valida: OIDC_DEV_PROVIDER=1 non è ammesso in produzione; l'identity provider di sviluppo /dev/idp non esiste in produzione: indica OIDC_ISSUER.",
    );
  }
  if (isProduction && cleaned.DEV_MAILBOX === "open") {
    throw new ConfigError(
      "Configurazione non valida: DEV_MAILBOX=open non è ammesso in produzione; la posta di sviluppo non esiste in produzione.",
    );
  }
  if (isProduction && env.PROTOCOL_REGISTRY === "remote" && (!env.PROTOCOL_URL || !env.PROTOCOL_TOKEN)) {
    throw new ConfigError(
      "Configurazione non valida: con PROTOCOL_REGISTRY=remote in produzione servono PROTOCOL_URL (l'indirizzo del protocollo informatico del Comune) e PROTOCOL_TOKEN (la chiave di accesso che il Comune ha rilasciato).",
    );
  }
  if (env.PRESERVATION_URL && !env.PRESERVATION_TOKEN && isProduction) {
    throw new ConfigError(
      "Configurazione non valida: con PRESERVATION_URL in produzione serve PRESERVATION_TOKEN (la chiave di accesso del servizio di conservazione, almeno 16 caratteri).",
    );
  }
  if (!!env.PEC_SMTP_URL !== !!env.PEC_IMAP_URL || (env.PEC_SMTP_URL && !env.PEC_ADDRESS)) {
    throw new ConfigError(
      "Configurazione non valida: PEC_SMTP_URL, PEC_IMAP_URL e PEC_ADDRESS vanno indicate insieme (invio e lettura della casella PEC del SUAP presso il gestore).",
    );
  }
  if (
    env.INIPEC_URL &&
    (!env.INIPEC_PURPOSE_ID || (isProduction && !env.INIPEC_URL.startsWith("https://")))
  ) {
    throw new ConfigError(
      "Configurazione non valida: con INIPEC_URL serve INIPEC_PURPOSE_ID (la finalità PDND con cui il SUAP consulta INI-PEC), e in produzione INIPEC_URL deve usare https://.",
    );
  }
  if (
    isProduction &&
    env.INIPEC_URL &&
    !(env.SSU_PRIVATE_KEY_FILE && env.SSU_KID && env.PDND_CLIENT_ID && env.PDND_TOKEN_URL)
  ) {
    throw new ConfigError(
      "Configurazione non valida: INI-PEC si consulta con un voucher PDND: in produzione servono SSU_PRIVATE_KEY_FILE, SSU_KID, PDND_CLIENT_ID e PDND_TOKEN_URL (il client PDND del SUAP).",
    );
  }
  if (isProduction && env.PEC_DEV_PROVIDER === "1") {
    throw new ConfigError(
      "Configurazione non valida: PEC_DEV_PROVIDER=1 non è ammesso in produzione; il gestore PEC di sviluppo non esiste in produzione: indica PEC_SMTP_URL, PEC_IMAP_URL e PEC_ADDRESS.",
    );
  }
  if (env.OIDC_ISSUER) {
    if (!env.OIDC_CLIENT_ID)
      throw new ConfigError(
        "Configurazione non valida: con OIDC_ISSUER serve anche OIDC_CLIENT_ID (l'identificativo del portale presso l'identity provider).",
      );
    if (!env.OIDC_CLIENT_SECRET && !env.OIDC_PRIVATE_KEY_FILE)
      throw new ConfigError(
        "Configurazione non valida: con OIDC_ISSUER serve OIDC_CLIENT_SECRET oppure OIDC_PRIVATE_KEY_FILE (chiave privata JWK o PEM per private_key_jwt).",
      );
    if (env.OIDC_CLIENT_SECRET && env.OIDC_PRIVATE_KEY_FILE)
      throw new ConfigError(
        "Configurazione non valida: indica OIDC_CLIENT_SECRET oppure OIDC_PRIVATE_KEY_FILE, non entrambe.",
      );
    if (!env.OIDC_REDIRECT_URI)
      throw new ConfigError(
        "Configurazione non valida: con OIDC_ISSUER serve OIDC_REDIRECT_URI (l'indirizzo pubblico di /accedi/oidc/callback).",
      );
    if (isProduction && !env.OIDC_ISSUER.startsWith("https://"))
      throw new ConfigError("Configurazione non valida: OIDC_ISSUER deve usare https:// in produzione.");
  }
  if (
    isProduction &&
    env.PAGOPA_GPD_URL &&
    (!env.PAGOPA_API_KEY || !env.PAGOPA_NOTIFY_SECRET || !env.PAGOPA_CHECKOUT_URL)
  ) {
    throw new ConfigError(
      "Configurazione non valida: con PAGOPA_GPD_URL in produzione servono anche PAGOPA_CHECKOUT_URL, PAGOPA_API_KEY (la chiave di sottoscrizione GPD) e PAGOPA_NOTIFY_SECRET (almeno 32 caratteri casuali).",
    );
  }
  // SSU over PDND: in production either every piece (the key registered at PDND and PDND's addresses) or none
  // (no SSU e-services: they answer 503, and the development PDND never exists there).
  const ssuPieces = [
    env.SSU_PRIVATE_KEY_FILE,
    env.SSU_KID,
    env.PDND_CLIENT_ID,
    env.PDND_TOKEN_URL,
    env.PDND_JWKS_URL,
    env.PDND_KEYS_URL,
    env.PDND_ISSUER,
    env.SSU_AUDIENCE,
  ];
  // The Catalogo SSU: in production with PDND, the national catalogue's addresses (no development catalogue).
  if (isProduction && env.PDND_TOKEN_URL && !env.SSU_CATALOGUE_ENDPOINTS?.trim()) {
    throw new ConfigError(
      "Configurazione non valida: in produzione con PDND serve SSU_CATALOGUE_ENDPOINTS (gli indirizzi degli e-service del Catalogo SSU, ad esempio catalogo_ssu_to_fo=https://…,catalogo_ssu_to_bo=https://…); il catalogo di sviluppo non si avvia in produzione. / In production with PDND set SSU_CATALOGUE_ENDPOINTS.",
    );
  }
  if (isProduction && ssuPieces.some(Boolean) && !ssuPieces.every(Boolean)) {
    throw new ConfigError(
      "Configurazione non valida: in produzione lo scambio SSU richiede insieme SSU_PRIVATE_KEY_FILE (la chiave registrata su PDND), SSU_KID, PDND_CLIENT_ID, PDND_TOKEN_URL, PDND_JWKS_URL, PDND_KEYS_URL, PDND_ISSUER e SSU_AUDIENCE (l'audience degli e-service del portale); il PDND di sviluppo /dev/pdnd non esiste in produzione.",
    );
  }
  if (env.SEAL_PROVIDER === "csc") {
    const missing = (["CSC_URL", "CSC_CLIENT_ID", "CSC_CLIENT_SECRET", "CSC_CREDENTIAL_ID"] as const).filter(
      (name) => !env[name],
    );
    if (missing.length)
      throw new ConfigError(
        `Configurazione non valida: con SEAL_PROVIDER=csc servono ${missing.join(", ")} (l'indirizzo del servizio di sigillo remoto, le credenziali OAuth2 del portale e l'identificativo della credenziale di sigillo).`,
      );
    if (env.SEAL_P12)
      throw new ConfigError(
        "Configurazione non valida: SEAL_P12 e SEAL_PROVIDER=csc si escludono: il sigillo è o un file PKCS#12 locale o un servizio remoto. Togli una delle due.",
      );
    if (isProduction && !env.CSC_URL!.startsWith("https://"))
      throw new ConfigError("Configurazione non valida: CSC_URL deve usare https:// in produzione.");
  }
  if (isProduction && env.TRUSTED_LIST_UNSIGNED === "1") {
    throw new ConfigError(
      "Configurazione non valida: TRUSTED_LIST_UNSIGNED=1 non è ammesso in produzione; una lista di fiducia si legge solo se firmata: indica TRUSTED_LIST_SIGNER.",
    );
  }
  if (!env.FILE_STORE?.startsWith("s3://") && (env.S3_ENDPOINT || env.S3_FORCE_PATH_STYLE)) {
    throw new ConfigError(
      "Configurazione non valida: S3_ENDPOINT e S3_FORCE_PATH_STYLE valgono solo con FILE_STORE=s3://bucket/prefisso; indica FILE_STORE o togli le variabili S3_.",
    );
  }
  if (
    isProduction &&
    env.S3_ENDPOINT &&
    !env.S3_ENDPOINT.startsWith("https://") &&
    !isLoopbackUrl(env.S3_ENDPOINT)
  ) {
    throw new ConfigError(
      "Configurazione non valida: S3_ENDPOINT deve usare https:// in produzione (i file delle pratiche non viaggiano in chiaro; http:// solo su 127.0.0.1).",
    );
  }
  if (/\bthird_party\b/.test(env.SSU_ROLES) && !env.SSU_AGENCY) {
    throw new ConfigError(
      "Configurazione non valida: con SSU_ROLES che comprende third_party serve SSU_AGENCY, il codice dell'ente per cui il portale riceve le istanze (es. ASL-TNO). / SSU_ROLES third_party needs SSU_AGENCY, the agency's entity code.",
    );
  }
  return {
    ...env,
    isProduction,
    demoAccounts,
    trustedProxies: parseTrustProxy(env.TRUST_PROXY) ?? [],
    // In production without OIDC_ISSUER there is no SPID/CIE (and never the development provider).
    oidc: {
      mode: env.OIDC_ISSUER
        ? "external"
        : isProduction || env.OIDC_DEV_PROVIDER === "0"
          ? "off"
          : "development",
    },
    staffTotp: env.STAFF_TOTP ?? (isProduction ? "required" : "optional"),
    demoPratiche: demoAccounts && env.DEMO_PRATICHE !== "0",
  };
}

let cached: Env | undefined;
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For tests only: forget the cached configuration. */
export function resetEnvCache() {
  cached = undefined;
}
