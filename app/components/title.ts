import type { MetaFunction } from "@remix-run/node";

type Matches = Parameters<MetaFunction>[0]["matches"];

/** How the portal names itself, from the desk's entity (the root loader's `desk.site`); "SUAP" before it loads. */
export function siteName(matches: Matches): string {
  const root = matches.find((m) => m.id === "root")?.data as { desk?: { site?: string } } | undefined;
  return root?.desk?.site || "SUAP";
}

/** "<page> - <site>": every page's title, with the site's name from data rather than from the code. */
export function pageTitle(matches: Matches, page: string): string {
  return `${page} - ${siteName(matches)}`;
}
