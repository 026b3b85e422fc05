import http from 'node:http';
import { KeyportError, toKeyportError } from '../../shared/errors';
import type { Signer } from '../keystores/types';
import { parseCertificate } from '../pki/certificate';
import { connect, type CertificateRequestDetails, type ConnectOptions, type KeyportTlsSocket, type TlsInfo, type TraceEvent } from '../tls';
import type { Target } from './target';

/** One step of a test and how it went. */
export interface TestStep {
  step: 'handshake' | 'http';
  ok: boolean;
  ms: number;
  error?: { code: string; message: string };
}

/** What `keyport test` reports. `ok` is true only when the server accepted the identity and answered. */
export interface TestReport {
  ok: boolean;
  url: string;
  /** The identity offered (with a selector: the one it chose for the CertificateRequest). */
  identity?: string;
  /** With `--identity auto`: every identity offered, in order (several only after refusals; see runAutoConnectionTest). */
  identitiesTried?: string[];
  steps: TestStep[];
  negotiated?: Omit<TlsInfo, 'serverChain' | 'certificateRequest'>;
  serverChain?: Array<{ subject: string; issuer: string; notAfter: string }>;
  certificateRequest?: TlsInfo['certificateRequest'];
  http?: { status: number; statusText: string; headers: Record<string, string>; bodyPreview: string };
  trace?: TraceEvent[];
}

/** A client identity for a test, named by its registry id. */
export interface TestIdentity {
  id: string;
  signer: Signer;
  /** DER, leaf first, without the root. */
  chain: Buffer[];
  label?: string;
}

export interface TestOptions {
  target: Target;
  url: string;
  identity?: TestIdentity;
  /** Instead of `identity`: chooses one when the server's CertificateRequest arrives. */
  selectIdentity?: (request: CertificateRequestDetails) => Promise<TestIdentity | undefined>;
  ca: Buffer[];
  servername?: string;
  timeoutMs?: number;
}

const PREVIEW_BYTES = 512;

/** Handshake, then `GET path`; every failure lands in the report, never as a throw. */
export async function runConnectionTest(o: TestOptions): Promise<TestReport> {
  const report: TestReport = { ok: false, url: o.url, identity: o.identity?.id, steps: [] };
  let socket: KeyportTlsSocket | undefined;
  try {
    socket = await timed(report, 'handshake', () =>
      connect({
        host: o.target.host,
        port: o.target.port,
        servername: o.servername,
        ca: o.ca,
        alpn: ['http/1.1'],
        ...clientAuth(o, report),
        timeoutMs: o.timeoutMs,
      }),
    );
    describeHandshake(report, socket);
    const sock = socket;
    report.http = await timed(report, 'http', () => httpGet(sock, o.target, o.timeoutMs ?? 30_000));
    report.ok = report.http.status < 400;
  } catch {
    // The failed step is recorded in report.steps.
  } finally {
    if (socket) report.trace = socket.trace;
    socket?.destroy();
  }
  return report;
}

/** The connect() options for our side of client authentication; a selector's choice lands in the report. */
function clientAuth(o: TestOptions, report: TestReport): Pick<ConnectOptions, 'signer' | 'chain' | 'selectIdentity'> {
  const select = o.selectIdentity;
  if (!select) return { signer: o.identity?.signer, chain: o.identity?.chain };
  return {
    selectIdentity: async (request) => {
      const chosen = await select(request);
      report.identity = chosen?.id;
      return chosen && { signer: chosen.signer, chain: chosen.chain, label: chosen.label ?? chosen.id };
    },
  };
}

async function timed<T>(report: TestReport, step: TestStep['step'], fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    const value = await fn();
    report.steps.push({ step, ok: true, ms: round(performance.now() - start) });
    return value;
  } catch (e) {
    const err = toKeyportError(e, `The ${step} failed`);
    report.steps.push({ step, ok: false, ms: round(performance.now() - start), error: { code: err.code, message: err.message } });
    throw err;
  }
}

function describeHandshake(report: TestReport, socket: KeyportTlsSocket): void {
  const { serverChain, certificateRequest, ...negotiated } = socket.tlsInfo;
  report.negotiated = negotiated;
  report.certificateRequest = certificateRequest;
  report.serverChain = serverChain.map((der) => {
    const c = parseCertificate(der, 'a server certificate');
    return { subject: c.subject, issuer: c.issuer, notAfter: c.notAfter.toISOString() };
  });
}

/** A GET over the already-verified TLS socket; a TLS 1.3 server rejecting our certificate fails here. */
function httpGet(socket: KeyportTlsSocket, target: Target, timeoutMs: number): Promise<NonNullable<TestReport['http']>> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        createConnection: () => socket,
        method: 'GET',
        path: target.path,
        headers: { host: hostHeader(target), 'user-agent': 'keyport-test', connection: 'close' },
        timeout: timeoutMs,
      },
      (res) => {
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
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no HTTP answer within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(httpFailure(e, socket)));
    req.end();
  });
}

/**
 * A connection closed before any HTTP answer ("socket hang up") as a TLS failure: some servers
 * (Node) refuse a client certificate by closing without an alert once the handshake is done,
 * which on TLS 1.3 is after our side has finished it.
 */
function httpFailure(e: Error, socket: KeyportTlsSocket): Error {
  if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET' || e instanceof KeyportError) return e;
  const hint = socket.tlsInfo.clientCertificateSent
    ? 'it probably refused our client certificate (check which CA it trusts for client certificates); check its log'
    : 'check its log';
  return new KeyportError('KEYPORT_TLS_CLOSED', `The server closed the connection without an HTTP answer; ${hint}.`, { cause: e });
}

function hostHeader(t: Target): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return t.port === 443 ? host : `${host}:${t.port}`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
