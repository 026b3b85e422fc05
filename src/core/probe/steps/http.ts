import http from 'node:http';
import { KeyportError } from '../../../shared/errors';
import type { ProbeReport } from '../../../shared/probe-report';
import type { KeyportTlsSocket } from '../../tls';

/** What the HTTP step sends. */
export interface HttpRequestSpec {
  method: string;
  path: string;
  /** The Host header. */
  host: string;
  headers: Record<string, string>;
}

export type HttpAnswer = NonNullable<ProbeReport['http']>;

const PREVIEW_BYTES = 512;

/** One request over the verified TLS socket; a TLS 1.3 server refusing our certificate fails here. */
export function httpRequest(socket: KeyportTlsSocket, spec: HttpRequestSpec, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        createConnection: () => socket,
        method: spec.method,
        path: spec.path,
        headers: { host: spec.host, 'user-agent': 'keyport-test', connection: 'close', ...spec.headers },
        timeout: timeoutMs,
      },
      (res) => collect(res, resolve, reject),
    );
    req.on('timeout', () => req.destroy(new KeyportError('KEYPORT_TLS_TIMEOUT', `The server sent no HTTP answer within ${timeoutMs} ms.`)));
    req.on('error', (e) => reject(httpFailure(e, socket)));
    req.end();
  });
}

function collect(res: http.IncomingMessage, resolve: (a: HttpAnswer) => void, reject: (e: Error) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (c: Buffer) => {
    if (size < PREVIEW_BYTES) chunks.push(c);
    size += c.length;
  });
  res.on('end', () =>
    resolve({
      status: res.statusCode ?? 0,
      statusText: res.statusMessage ?? '',
      headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
      bodyPreview: Buffer.concat(chunks).subarray(0, PREVIEW_BYTES).toString('utf8'),
    }),
  );
  res.on('error', reject);
}

/**
 * A connection closed before any HTTP answer ("socket hang up") as a TLS failure: some servers
 * (Node) refuse a client certificate by closing without an alert once the handshake is done,
 * which on TLS 1.3 is after our side has finished it.
 */
function httpFailure(e: Error, socket: KeyportTlsSocket): Error {
  if (e instanceof KeyportError) return e;
  if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') return new KeyportError('KEYPORT_TLS_CLOSED', `The HTTP request failed: ${e.message}.`, { cause: e });
  const hint = socket.tlsInfo.clientCertificateSent
    ? 'it probably refused our client certificate (check which CA it trusts for client certificates); check its log'
    : 'check its log';
  return new KeyportError('KEYPORT_TLS_CLOSED', `The server closed the connection without an HTTP answer; ${hint}.`, { cause: e });
}
