import { type LoaderFunctionArgs, redirect } from "@remix-run/node";
import { isLocale } from "~/i18n";
import { safeRedirect } from "~/domain/redirect";

/** The language switch: a plain link, so it works without JavaScript; the choice lives in a cookie. */
export function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const to = url.searchParams.get("to");
  const back = safeRedirect(url.searchParams.get("back"), "/");
  if (!isLocale(to)) return redirect(back);
  return redirect(back, {
    headers: { "Set-Cookie": `lang=${to}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly` },
  });
}
