import { en as coreEn } from "./en";
import { it as coreIt } from "./it";
import * as associations from "./modules/associations";
import * as catalogue from "./modules/catalogue";
import * as desk from "./modules/desk";
import * as pratiche from "./modules/pratiche";
import * as signatures from "./modules/signatures";

export type Locale = "it" | "en";
export const LOCALES: Locale[] = ["it", "en"];
export const DEFAULT_LOCALE: Locale = "it";

/** The Italian dictionary is the reference; areas keep their strings in modules/ so they grow apart. */
const it = { ...coreIt, ...catalogue.it, ...pratiche.it, ...desk.it, ...associations.it, ...signatures.it };
export type MessageKey = keyof typeof it;
const en: Record<MessageKey, string> = {
  ...coreEn,
  ...catalogue.en,
  ...pratiche.en,
  ...desk.en,
  ...associations.en,
  ...signatures.en,
};

const dictionaries: Record<Locale, Record<MessageKey, string>> = { it, en };
export const dictionaryKeys = { it: Object.keys(it), en: Object.keys(en) };

export function isLocale(value: unknown): value is Locale {
  return value === "it" || value === "en";
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const dict = dictionaries[locale];
  return (key, params) => {
    const template = dict[key] ?? it[key] ?? key;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  };
}

/** Picks the language from the `lang` cookie; Italian unless the user chose otherwise. */
export function localeFromCookieHeader(cookieHeader: string | null): Locale {
  const match = cookieHeader?.match(/(?:^|;\s*)lang=(it|en)(?:;|$)/);
  return match && isLocale(match[1]) ? match[1] : DEFAULT_LOCALE;
}
