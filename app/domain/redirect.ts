/**
 * The one redirect check (sign-in `redirectTo`, the language switch's `back`, ...): only a path on this
 * site survives, normalised; anything else becomes `fallback`. Browsers strip tabs and newlines from URLs
 * and read a backslash as a slash, so `/%09/evil.example/` (decoded: "/\t/evil.example/") would leave the
 * site; a CR, LF or non-ASCII character would also make the Location header invalid (a 500). Only printable
 * ASCII without backslashes is accepted, and the path is checked again after dot segments are resolved
 * ("/..//evil" becomes "//evil").
 */
export function safeRedirect(
  to: FormDataEntryValue | string | null | undefined,
  fallback = "/area-personale",
): string {
  if (typeof to !== "string" || to.length === 0 || to.length > 2048) return fallback;
  if (!/^[\x21-\x7e]+$/.test(to) || to.includes("\\")) return fallback;
  if (!to.startsWith("/") || to.startsWith("//")) return fallback;
  const base = "http://suap.invalid";
  let url: URL;
  try {
    url = new URL(to, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  const result = url.pathname + url.search + url.hash;
  if (!result.startsWith("/") || result.startsWith("//") || result.includes("\\")) return fallback;
  if (!/^[\x21-\x7e]+$/.test(result)) return fallback;
  return result;
}
