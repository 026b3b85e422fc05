import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { KeyportError } from '../../../shared/errors';

/** The addresses a host resolves to (an IP literal resolves to itself without a lookup). */
export async function resolveHost(host: string, timeoutMs: number): Promise<string[]> {
  if (isIP(host)) return [host];
  // RFC 6761 §6.4: names under .invalid never resolve; answer at once, without asking a DNS server.
  if (/(^|\.)invalid\.?$/i.test(host)) throw notFound(host, 'ENOTFOUND', undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KeyportError('KEYPORT_TLS_TIMEOUT', `Resolving "${host}" timed out after ${timeoutMs} ms; check your DNS server or VPN.`)),
      timeoutMs,
    );
  });
  try {
    const found = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
    return found.map((a) => a.address);
  } catch (e) {
    if (e instanceof KeyportError) throw e;
    throw notFound(host, (e as NodeJS.ErrnoException).code ?? 'unknown error', e);
  } finally {
    clearTimeout(timer);
  }
}

function notFound(host: string, code: string, cause: unknown): KeyportError {
  const err = Object.assign(new Error(`${code} ${host}`), { code });
  return new KeyportError('KEYPORT_DNS_FAILED', `The name "${host}" does not resolve (${code}); check its spelling, your DNS or VPN, or /etc/hosts.`, {
    cause: cause ?? err,
  });
}
