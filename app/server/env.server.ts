import { z } from "zod";

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
  // Signatures (issue 14): the SUAP's seal (PKCS#12), an optional RFC 3161 TSA, the trust anchors.
  SEAL_P12: z.string().min(1).optional(),
  SEAL_P12_PASSWORD: z.string().optional(),
  TSA_URL: z
    .string()
    .url("deve essere un indirizzo completo, ad esempio https://tsa.example.it/tsa")
    .optional(),
  TRUST_ANCHORS: z.string().min(1).optional(),
});

export type Env = z.infer<typeof schema> & { isProduction: boolean; demoAccounts: boolean };

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
    throw new ConfigError(
      `Configurazione non valida: ${name} ${issue.message} (valore attuale: ${JSON.stringify(cleaned[name] ?? "")}). Correggi la variabile ${name} e riavvia.`,
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
  if (isProduction && cleaned.DEV_MAILBOX === "open") {
    throw new ConfigError(
      "Configurazione non valida: DEV_MAILBOX=open non è ammesso in produzione; la posta di sviluppo non esiste in produzione.",
    );
  }
  return { ...env, isProduction, demoAccounts };
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
