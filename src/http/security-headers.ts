// Headers every answer carries. hop serves JSON and redirects only, so the policy can be strict:
// nothing may be sniffed, framed or run as a page (the /docs UI gets its own, looser policy).
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
});

// The OpenAPI UI is a page that loads its script from a CDN; it may not be framed either.
export const DOCS_CSP = "default-src 'self' https: 'unsafe-inline' data:; frame-ancestors 'none'";
