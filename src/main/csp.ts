/**
 * Keyport's Content-Security-Policy lives in src/shared/csp.ts, so `keyport serve` (src/core)
 * sends the same header as the Electron window; re-exported here for the main process.
 */
export { CONTENT_SECURITY_POLICY, CSP_META_DIRECTIVES } from '../shared/csp';
