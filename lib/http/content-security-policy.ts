// The console pages' Content-Security-Policy. Scripts run only from this origin
// and only when they carry this response's nonce: Next puts it on its own
// <script> tags when it finds it in the request's CSP (proxy.ts), and
// 'strict-dynamic' extends the trust to the chunks those scripts load. Styles
// allow 'unsafe-inline' because React and Recharts set style attributes.
// Dev mode's fast refresh needs eval; production never gets it.
export function contentSecurityPolicy(nonce: string, dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

// API answers are data, never documents to render or frame.
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";
