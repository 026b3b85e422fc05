import http from 'node:http';
import type { Duplex } from 'node:stream';
import { KeyportError, isKeyportError } from '../../../shared/errors';
import { connect } from '../../tls';
import type { ClientIdentity } from '../../tls';

/** What one request to a CA returned. */
export interface CaResponse {
  status: number;
  json: unknown;
}

/** One HTTPS request to a CA over Keyport's TLS client. */
export interface CaRequest {
  url: URL;
  method: 'GET' | 'POST';
  body?: unknown;
  /** Trust anchors for the CA's own certificate (DER). */
  roots: Buffer[];
  /** Authenticates the request over mTLS (renew, rekey). */
  identity?: ClientIdentity;
  timeoutMs?: number;
}

const MAX_BODY = 1 << 20;

/**
 * Sends `body` as JSON and reads a JSON answer. TLS 1.3 only: step-ca 0.19 (Go 1.19) has no extended
 * master secret on TLS 1.2, which Keyport requires. A CA that cannot be reached fails with
 * KEYPORT_ENROLL_CA_UNREACHABLE; TLS refusals keep their own codes.
 */
export async function caRequest(r: CaRequest): Promise<CaResponse> {
  const port = Number(r.url.port || 443);
  const host = r.url.hostname.replace(/^\[|\]$/g, '');
  let socket;
  try {
    socket = await connect({
      host,
      port,
      ca: r.roots,
      useSystemStore: false,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      timeoutMs: r.timeoutMs ?? 15_000,
      ...(r.identity ? { identity: r.identity } : {}),
    });
  } catch (e) {
    if (isKeyportError(e, 'KEYPORT_TLS_CONNECT_FAILED') || isKeyportError(e, 'KEYPORT_TLS_TIMEOUT')) {
      throw new KeyportError('KEYPORT_ENROLL_CA_UNREACHABLE', `Cannot reach the CA at ${r.url.origin}: ${(e as Error).message} Check that it is running and try again.`, { cause: e });
    }
    throw e;
  }
  return exchange(socket, r);
}

function exchange(socket: Duplex, r: CaRequest): Promise<CaResponse> {
  const payload = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        createConnection: () => socket,
        method: r.method,
        path: `${r.url.pathname}${r.url.search}`,
        headers: {
          host: r.url.host,
          'user-agent': 'keyport',
          accept: 'application/json',
          connection: 'close',
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
        },
        timeout: r.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error(`the answer is over ${MAX_BODY} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: parseJson(Buffer.concat(chunks)) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', (e) =>
      reject(e instanceof KeyportError ? e : new KeyportError('KEYPORT_ENROLL_CA_UNREACHABLE', `The CA at ${r.url.origin} did not answer (${e.message}); check that it is running and try again.`, { cause: e })),
    );
    req.end(payload);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return { message: body.toString('utf8').slice(0, 200) };
  }
}
