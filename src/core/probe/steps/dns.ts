import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { KeyportError } from '../../../shared/errors';

/** The addresses a host resolves to (an IP literal resolves to itself without a lookup). */
export async function resolveHost(host: string, timeoutMs: number): Promise<string[]> {
  if (isIP(host)) return [host];
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
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new KeyportError('KEYPORT_DNS_FAILED', `The name "${host}" does not resolve (${code}); check its spelling, your DNS or VPN, or /etc/hosts.`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}
