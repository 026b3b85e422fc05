import type { Socket } from 'node:net';
import type { Signer } from '../keystores/types';
import { withoutRoot } from '../pki/chain';
import type { CertificateRequestDetails, KeyportTlsSocket, TlsInfo } from '../tls';
import { TlsError } from '../tls/tls-error';
import type { ProbeIdentity } from './identity';
import type { ProbeOptions } from './options';
import { resolveHost } from './steps/dns';
import { handshake, type HandshakeObservations } from './steps/handshake';
import { httpRequest, type HttpAnswer } from './steps/http';
import { openSocket } from './steps/tcp';
import { timed, type StepLog } from './steps/timed';

const DEFAULT_TIMEOUT_MS = 15_000;
/** With --no-http: how long to wait after the handshake for a TLS 1.3 server to refuse our certificate. */
const SETTLE_MS = 300;

/** Everything one run of the pipeline saw, for the facts. */
export interface Observation extends StepLog {
  startedAt: Date;
  seen: HandshakeObservations;
  /** The identity offered (after the CertificateRequest) and its loaded signer. */
  offered?: ProbeIdentity;
  signer?: Signer;
  info?: TlsInfo;
  /** The server's chain when our checks refused it (the TLS client hands it over with the error). */
  refusedChain?: Buffer[];
  http?: HttpAnswer;
}

/** Picks the identity for a CertificateRequest (undefined: none; a throw fails the handshake). */
export type Chooser = (request: CertificateRequestDetails) => ProbeIdentity | undefined;

/** DNS, TCP, handshake, HTTP: each timed, each failure recorded, never a throw. */
export async function runPipeline(o: ProbeOptions, choose: Chooser): Promise<Observation> {
  const obs: Observation = { startedAt: new Date(), steps: [], seen: { firstBytes: Buffer.alloc(0) } };
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { host, port } = o.target;
  const where = `${host}:${port}`;
  let tls: KeyportTlsSocket | undefined;
  let socket: Socket | undefined;
  try {
    const addresses = await timed(obs, 'dns', () => resolveHost(host, timeoutMs), (a) => a.join(', '));
    const tcp = await timed(obs, 'tcp', () => openSocket(addresses[0]!, port, where, timeoutMs), () => `${addresses[0]}:${port}`);
    socket = tcp;
    tls = await timed(obs, 'handshake', async () => {
      const opened = await handshake(
        {
          socket: tcp,
          host,
          port,
          ...(o.servername ? { servername: o.servername } : {}),
          alpn: o.alpn ?? ['http/1.1'],
          ca: o.ca,
          timeoutMs,
          allowTls12WithoutEms: o.allowTls12WithoutEms ?? false,
          answer: async (request) => answer(obs, choose(request)),
        },
        obs.seen,
      );
      obs.info = opened.tlsInfo;
      if (o.http === false) await settle(opened);
      return opened;
    });
    if (o.http !== false) {
      const sock = tls;
      obs.http = await timed(obs, 'http', () => httpRequest(sock, httpSpec(o), timeoutMs));
    }
  } catch (e) {
    // timed() rethrows the TLS client's own error, which carries the server's chain when our checks refused it.
    if (e instanceof TlsError && e.peerChain) obs.refusedChain = e.peerChain;
  } finally {
    (tls ?? obs.seen.tls)?.destroy();
    socket?.destroy(); // also when the TLS socket was never made
  }
  return obs;
}

async function answer(obs: Observation, chosen: ProbeIdentity | undefined): Promise<{ signer: Signer; chain: Buffer[]; label: string } | undefined> {
  if (!chosen) return undefined;
  obs.offered = chosen;
  obs.signer = await chosen.load();
  return { signer: obs.signer, chain: withoutRoot(chosen.chain), label: chosen.label };
}

/** Without HTTP: a short wait so that a TLS 1.3 server's refusal (an alert right after our Finished) is seen. */
function settle(tls: KeyportTlsSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      clearTimeout(timer);
      reject(e);
    };
    const timer = setTimeout(() => {
      tls.off('error', onError);
      resolve();
    }, SETTLE_MS);
    tls.on('data', () => undefined); // whatever a banner-first protocol sends is not ours to read
    tls.once('error', onError);
  });
}

function httpSpec(o: ProbeOptions) {
  const t = o.target;
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return { method: o.method ?? 'GET', path: t.path, host: t.port === 443 ? host : `${host}:${t.port}`, headers: o.headers ?? {} };
}
