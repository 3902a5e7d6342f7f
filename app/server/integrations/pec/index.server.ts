import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.server";
import type { Env } from "../../env.server";
import { singleton } from "../../singleton.server";
import { developmentPki } from "../seal/development.server";
import { readPkcs12 } from "../seal/p12.server";
import { type PecDouble, startPecDouble } from "./double.server";
import { requestVoucher } from "../ssu/security.server";
import { ssuRuntime } from "../ssu/runtime.server";
import { inipecClient, type InipecDouble, startInipecDouble } from "./inipec.server";
import type { DomicilioLookup } from "./port.server";
import type { XmlSigner } from "./segnatura.server";
import type { PecRuntime } from "./service.server";
import { smtpImapMailbox } from "./smtp-imap.server";

/**
 * Picks the PEC adapter from the configuration: PEC_SMTP_URL + PEC_IMAP_URL + PEC_ADDRESS is the SUAP's
 * mailbox at its provider; without them, outside production, the provider double is started in the process on
 * loopback (PEC_DEV_PROVIDER=0 turns it off); in production without them there is no PEC (messages to PEC
 * addresses go through SMTP_URL as plain mail, as before). The segnatura is signed with the seal's key.
 */

const DEFAULT_DEV_ADDRESS = "suap.altavaldicecina@pec.suap.test";

export async function loadXmlSigner(env: Env): Promise<XmlSigner> {
  if (env.SEAL_P12) {
    const signer = readPkcs12(new Uint8Array(await readFile(env.SEAL_P12)), env.SEAL_P12_PASSWORD ?? "");
    return { key: signer.key, certificate: signer.certificate };
  }
  const pki = await developmentPki(env.DATA_DIR);
  const signer = readPkcs12(new Uint8Array(await readFile(pki.sealP12Path)), pki.sealPassword);
  return { key: signer.key, certificate: signer.certificate };
}

/**
 * The INI-PEC lookup of this configuration (ADR 0028): the e-service at INIPEC_URL with a PDND voucher for
 * INIPEC_PURPOSE_ID; without it, outside production, the double on loopback (same protocol) holding the
 * businesses' declared PEC; in production without it, none (the declared PEC is used).
 */
export async function domicilioLookup(
  env: Env,
  db: Kysely<Database>,
): Promise<{ lookup: DomicilioLookup; double?: InipecDouble } | null> {
  if (env.INIPEC_URL) {
    const ssu = ssuRuntime(env);
    let cached: { token: string; expiresAt: number } | undefined;
    return {
      lookup: inipecClient({
        baseUrl: env.INIPEC_URL,
        voucher: async (signal) => {
          if (cached && cached.expiresAt > Date.now() + 30_000) return cached.token;
          cached = await requestVoucher({
            tokenUrl: ssu.config.pdnd.tokenUrl,
            key: await ssu.key(),
            clientId: ssu.config.clientId,
            assertionAudience: ssu.config.pdnd.assertionAudience,
            purposeId: env.INIPEC_PURPOSE_ID!,
            signal,
          });
          return cached.token;
        },
      }),
    };
  }
  if (env.isProduction) return null;
  const businesses = await db
    .selectFrom("businesses")
    .select(["fiscal_code", "pec"])
    .where("pec", "is not", null)
    .execute();
  const double = await startInipecDouble({
    register: Object.fromEntries(businesses.map((b) => [b.fiscal_code, b.pec as string])),
    token: randomBytes(16).toString("hex"),
  });
  return {
    lookup: inipecClient({ baseUrl: double.url, voucher: async () => double.token }),
    double,
  };
}

export function pecConfigured(env: Env): "provider" | "double" | "off" {
  if (env.PEC_SMTP_URL && env.PEC_IMAP_URL) return "provider";
  if (env.isProduction || env.PEC_DEV_PROVIDER === "0") return "off";
  return "double";
}

const state = singleton<{ runtime?: Promise<(PecRuntime & { double?: PecDouble }) | null> }>(
  "pec",
  () => ({}),
);

/** The process's PEC runtime (started once), or null when PEC is off. */
export function pecRuntime(env: Env, db: Kysely<Database>) {
  state.runtime ??= startPec(env, db).catch((error) => {
    state.runtime = undefined;
    throw error;
  });
  return state.runtime;
}

async function startPec(
  env: Env,
  db: Kysely<Database>,
): Promise<(PecRuntime & { double?: PecDouble }) | null> {
  const mode = pecConfigured(env);
  if (mode === "off") return null;
  const signer = await loadXmlSigner(env);
  const domicili = (await domicilioLookup(env, db))?.lookup;
  if (mode === "provider") {
    return {
      mailbox: smtpImapMailbox({
        address: env.PEC_ADDRESS!,
        smtpUrl: env.PEC_SMTP_URL!,
        imapUrl: env.PEC_IMAP_URL!,
      }),
      signer,
      domicili,
    };
  }
  const address = env.PEC_ADDRESS ?? DEFAULT_DEV_ADDRESS;
  const password = randomBytes(12).toString("hex");
  const double = await startPecDouble({
    mailboxes: [{ address, password }],
    acceptAnyRecipient: true,
    // The demo's way to see a failed delivery: any address starting with "inesistente".
    unreachable: (a) => a.toLowerCase().startsWith("inesistente"),
  });
  const user = encodeURIComponent(address);
  console.log(
    `[pec] gestore PEC di sviluppo su 127.0.0.1 (SMTP ${double.smtpPort}, IMAP ${double.imapPort}), casella ${address}`,
  );
  return {
    mailbox: smtpImapMailbox({
      address,
      smtpUrl: `smtp://${user}:${password}@127.0.0.1:${double.smtpPort}?ignoreTLS=true`,
      imapUrl: `imap://${user}:${password}@127.0.0.1:${double.imapPort}/INBOX?ignoreTLS=true`,
    }),
    signer,
    domicili,
    double,
  };
}
