import { KeyportError } from '../../../shared/errors';

/** An HTTP answer from the ACME server, body read in full. */
export interface AcmeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** How to reach the ACME server: extra trust anchors (PEM) for its TLS certificate, and a timeout. */
export interface TransportOptions {
  ca?: string;
  timeoutMs?: number;
}

/** ACME answers are small JSON documents and certificate chains; anything larger is not an ACME server. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * One HTTPS request to the ACME server. The server authenticates us by JWS, not by a client
 * certificate, so node's https is enough; `ca` replaces the system trust when given.
 */
export async function acmeRequest(
  url: string,
  o: TransportOptions & { method: 'GET' | 'HEAD' | 'POST'; body?: string; accept?: string },
): Promise<AcmeResponse> {
  const target = parseHttpsUrl(url);
  // Loaded on first use: node:https is what loads Node's TLS module, which Keyport's own TLS never
  // needs, and that took 4 ms of every command's start-up on Node 20 and 8 ms on Node 24.
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: o.method,
        ca: o.ca,
        timeout: o.timeoutMs ?? 30_000,
        headers: {
          'user-agent': 'keyport-acme',
          ...(o.accept ? { accept: o.accept } : {}),
          ...(o.body !== undefined ? { 'content-type': 'application/jose+json', 'content-length': Buffer.byteLength(o.body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) req.destroy(new Error(`its answer is larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => reject(unreachable(url, e)));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('it did not answer in time'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => reject(unreachable(url, e)));
    req.end(o.body);
  });
}

function parseHttpsUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot use ACME directory "${url}": it is not a URL; give the CA's https:// directory URL.`);
  }
  if (parsed.protocol !== 'https:') {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot use ACME URL "${url}": ACME needs https:// (RFC 8555 §6.1).`);
  }
  return parsed;
}

/** A transport failure as one sentence: refused, timed out, or an untrusted TLS certificate. */
function unreachable(url: string, e: NodeJS.ErrnoException): KeyportError {
  const code = e.code ?? '';
  const why =
    code === 'ECONNREFUSED'
      ? 'the connection was refused; check that the CA is running and the URL is right'
      : code === 'ETIMEDOUT'
        ? 'it did not answer in time; check that the CA is running'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'its host name does not resolve; check the URL'
          : /certificate|self.signed|CERT_|UNABLE_TO/i.test(`${code} ${e.message}`)
            ? `its TLS certificate is not trusted (${e.message}); pass the CA's root with --ca FILE`
            : e.message;
  return new KeyportError('KEYPORT_ACME_UNREACHABLE', `Cannot reach the ACME server at ${url}: ${why}.`, { cause: e });
}
