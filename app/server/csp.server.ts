/**
 * The Content-Security-Policy of every response: scripts only from this origin and the inline ones Remix
 * renders carrying this request's nonce; no plugins, no framing, forms post only here, no <base> tricks.
 * Style attributes stay allowed (React sets a progress bar's and a chart's width); style sheets only from here.
 */
export function contentSecurityPolicy(nonce: string, formTargets: string[] = []) {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:", // bootstrap-italia's CSS inlines one icon font
    "connect-src 'self'",
    // Plus the identity provider's origin: "Esci" continues to its logout (RP-initiated logout).
    ["form-action 'self'", ...formTargets].join(" "),
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
  ].join("; ");
}
