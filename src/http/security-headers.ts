// Headers every answer carries. hop serves JSON and redirects only, so the policy can be strict:
// nothing may be sniffed, framed or run as a page (the /docs UI gets its own, looser policy).
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
});

// The API reference (/docs) is Swagger UI served by hop itself: its script and stylesheet from hop
// alone, nothing inline but style attributes the UI sets, requests to this origin only.
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The console (/app) is hop's own page: script, style and images from hop alone, nothing inline,
// and requests to this origin only. (Blob and data images are the QR download and uPlot's legend.)
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
