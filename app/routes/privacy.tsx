import type { MetaFunction } from "@remix-run/node";
import { ContentPage } from "~/components/ContentPage";
import { privacyNotice } from "~/i18n/content";
import { useLocale, useT } from "~/i18n/useT";

export const meta: MetaFunction = () => [{ title: "Informativa privacy - SUAP Alta Val di Cecina" }];

export default function Privacy() {
  const t = useT();
  const content = privacyNotice[useLocale()];
  return <ContentPage title={t("privacy.title")} intro={content.intro} sections={content.sections} />;
}
