/**
 * Headers every `keyport serve` response carries. The page holds access to the user's keys, so
 * it is never cached, framed, sniffed, shared with other origins, or told where it came from.
 */
import type { ServerResponse } from 'node:http';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';

/** The fixed security headers, the same on the UI's files, its API and its refusals. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // Older browsers ignore CSP frame-ancestors; this says the same.
  'x-frame-options': 'DENY',
  // The first URL carries the session token: never leak it in a Referer.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Answers are per-session and may name identities; nothing belongs in a disk cache.
  'cache-control': 'no-store',
};

/** Writes the status with the security headers plus `extra`. */
export function writeHead(res: ServerResponse, status: number, extra: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...extra });
}

/** Sends a JSON body (a contract Result, or a refusal shaped like one). */
export function sendJson(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  writeHead(res, status, { 'content-type': 'application/json; charset=utf-8', ...extra });
  res.end(JSON.stringify(value));
}

/** Sends one sentence as plain text, for refusals of page loads a person sees in the browser. */
export function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  writeHead(res, status, { 'content-type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}
