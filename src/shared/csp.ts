/**
 * Keyport's Content-Security-Policy. The renderer only ever loads its own bundled files, so
 * everything is `'self'`: no inline script or style, no eval, no remote code, no plugins.
 * Sent by the Electron window (src/main) and by `keyport serve` (src/core/serve); kept free of
 * Electron and Node so both can use it and tests can check that index.html's meta tag says the same.
 */

/** Directives valid in a `<meta http-equiv="Content-Security-Policy">` tag (index.html repeats them). */
export const CSP_META_DIRECTIVES = [
  "default-src 'self'",
  // No <object>/<embed>: plugins are a classic way around script-src.
  "object-src 'none'",
  // A <base> tag could silently repoint every relative script URL.
  "base-uri 'none'",
  // The UI never submits HTML forms; everything goes through the contract.
  "form-action 'none'",
] as const;

/** The full policy sent as a response header; `frame-ancestors` only works in a header. */
export const CONTENT_SECURITY_POLICY = [...CSP_META_DIRECTIVES, "frame-ancestors 'none'"].join('; ');
