import type { HeadersFunction, MetaFunction } from "@remix-run/node";
import { ContentPage } from "~/components/ContentPage";
import { privacyNotice } from "~/i18n/content";
import { useLocale, useT } from "~/i18n/useT";
import { pageTitle } from "~/components/title";

/** The same for every visitor: cacheable, and kept by the public page cache (ADR 0029). */
export const headers: HeadersFunction = () => ({ "Cache-Control": "public, max-age=300", Vary: "Cookie" });

export const meta: MetaFunction = ({ matches }) => [{ title: pageTitle(matches, "Informativa privacy") }];

export default function Privacy() {
  const t = useT();
  const content = privacyNotice[useLocale()];
  return <ContentPage title={t("privacy.title")} intro={content.intro} sections={content.sections} />;
}
