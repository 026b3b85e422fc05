/**
 * Who may talk to `keyport serve`. A web page in the same browser is the attacker: it can make
 * the browser send requests to 127.0.0.1, and with DNS rebinding even read same-"origin"
 * answers under its own host name. So the Host header must name us exactly, an Origin (sent
 * with every fetch POST and EventSource) must be ours, and the API refuses any request the
 * browser marks as coming from another site.
 */
import type { IncomingMessage } from 'node:http';
import { reject, type Rejection } from './rejection';

/** The Host header values the server answers to. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/**
 * Checks where a request comes from; returns why it is refused, or undefined when it may go on.
 * `api` marks /api requests, which must also be same-origin by the browser's Fetch Metadata.
 */
export function checkSource(req: IncomingMessage, port: number, api: boolean): Rejection | undefined {
  const host = req.headers.host?.toLowerCase();
  if (host === undefined || !allowedHosts(port).includes(host)) {
    // 421 Misdirected Request: the name is not ours (a rebinding attack or a stray proxy).
    return reject(421, 'KEYPORT_FORBIDDEN', `Refused a request for host ${quote(host ?? '')}: keyport serve answers only at 127.0.0.1:${port} or localhost:${port}.`);
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return reject(403, 'KEYPORT_FORBIDDEN', `Refused a request from ${quote(origin)}: only pages served by this keyport serve may use it.`);
  }
  const site = req.headers['sec-fetch-site'];
  if (api && site !== undefined && site !== 'same-origin') {
    return reject(403, 'KEYPORT_FORBIDDEN', `Refused a ${quote(site)} request: only pages served by this keyport serve may use its API.`);
  }
  return undefined;
}

/** Echoes a caller-supplied header safely: bounded and JSON-quoted. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
