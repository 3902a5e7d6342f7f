import type { MetaFunction } from "@remix-run/node";
import { ContentPage } from "~/components/ContentPage";
import { accessibilityStatement } from "~/i18n/content";
import { useLocale, useT } from "~/i18n/useT";

export const meta: MetaFunction = () => [
  { title: "Dichiarazione di accessibilità - SUAP Alta Val di Cecina" },
];

export default function Accessibility() {
  const t = useT();
  const content = accessibilityStatement[useLocale()];
  return <ContentPage title={t("a11y.title")} intro={content.intro} sections={content.sections} />;
}
