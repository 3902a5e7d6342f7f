import { en as coreEn } from "./en";
import { it as coreIt } from "./it";
import * as associations from "./modules/associations";
import * as catalogue from "./modules/catalogue";
import * as desk from "./modules/desk";
import * as integrations from "./modules/integrations";
import * as identity from "./modules/identity";
import * as payments from "./modules/payments";
import * as pratiche from "./modules/pratiche";
import * as words from "./modules/words";
import * as signatures from "./modules/signatures";
import * as journey from "./modules/journey";
import * as protocol from "./modules/protocol";
import * as pec from "./modules/pec";

export type Locale = "it" | "en";
export const LOCALES: Locale[] = ["it", "en"];
export const DEFAULT_LOCALE: Locale = "it";

/** The Italian dictionary is the reference; areas keep their strings in modules/ so they grow apart. */
const it = {
  ...coreIt,
  ...words.it,
  ...catalogue.it,
  ...pratiche.it,
  ...desk.it,
  ...associations.it,
  ...integrations.it,
  ...identity.it,
  ...payments.it,
  ...signatures.it,
  ...journey.it,
  ...protocol.it,
  ...pec.it,
};
export type MessageKey = keyof typeof it;
const en: Record<MessageKey, string> = {
  ...coreEn,
  ...words.en,
  ...catalogue.en,
  ...pratiche.en,
  ...desk.en,
  ...associations.en,
  ...integrations.en,
  ...identity.en,
  ...payments.en,
  ...signatures.en,
  ...journey.en,
  ...protocol.en,
  ...pec.en,
};

const dictionaries: Record<Locale, Record<MessageKey, string>> = { it, en };
export const dictionaryKeys = { it: Object.keys(it), en: Object.keys(en) };

export function isLocale(value: unknown): value is Locale {
  return value === "it" || value === "en";
}

/** Translates a key; `locale` says which language, for the texts that come as `{ it, en }` pairs. */
export type Translate = ((key: MessageKey, params?: Record<string, string | number>) => string) & {
  readonly locale: Locale;
};

export function translator(locale: Locale): Translate {
  const dict = dictionaries[locale];
  const t = (key: MessageKey, params?: Record<string, string | number>) => {
    const template = dict[key] ?? it[key] ?? key;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
  return Object.assign(t, { locale });
}

export { documentTitle, eventText, refusalText, statusText, type Words } from "./modules/words";

/** Picks the language from the `lang` cookie; Italian unless the user chose otherwise. */
export function localeFromCookieHeader(cookieHeader: string | null): Locale {
  const match = cookieHeader?.match(/(?:^|;\s*)lang=(it|en)(?:;|$)/);
  return match && isLocale(match[1]) ? match[1] : DEFAULT_LOCALE;
}
