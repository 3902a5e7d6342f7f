import type { MetaFunction } from "@remix-run/node";
import { ContentPage } from "~/components/ContentPage";
import { accessibilityStatement } from "~/i18n/content";
import { useLocale, useT } from "~/i18n/useT";
import { pageTitle } from "~/components/title";

export const meta: MetaFunction = ({ matches }) => [
  { title: pageTitle(matches, "Dichiarazione di accessibilità") },
];

export default function Accessibility() {
  const t = useT();
  const content = accessibilityStatement[useLocale()];
  return <ContentPage title={t("a11y.title")} intro={content.intro} sections={content.sections} />;
}
