import { EMPTY_CERTIFICATE } from '../tls/client-identity';
import { certFacts, certNames } from './cert-facts';
import type { ProbeFacts } from './facts';
import { identityFact, namedByRequest, namedIdentities, suggestions, type ProbeIdentity } from './identity';
import type { ProbeOptions } from './options';
import type { Observation } from './pipeline';
import { readServerHello } from './server-hello';

const SERVER_CHAIN_ERRORS = new Set(['KEYPORT_TLS_UNKNOWN_CA', 'KEYPORT_TLS_CERT_EXPIRED', 'KEYPORT_TLS_HOSTNAME_MISMATCH', 'KEYPORT_TLS_BAD_CERTIFICATE']);

/** The facts of one run, as diagnose() reads them: plain JSON, no buffers or sockets. */
export function collectFacts(o: ProbeOptions, obs: Observation): ProbeFacts {
  const request = obs.seen.request;
  const trace = obs.seen.tls?.trace ?? [];
  const identity = obs.offered ?? (typeof o.identity === 'object' ? o.identity : undefined);
  const serverChainDer = obs.info?.serverChain ?? obs.refusedChain;
  const sentCertificate = trace.find((e) => e.direction === 'sent' && e.type === 'Certificate');
  const firstBytes = obs.seen.firstBytes;
  const serverHello = readServerHello(firstBytes);
  const usable = o.candidates.filter((c) => c.status === 'valid' || c.status === 'expiring');
  return {
    now: obs.startedAt.toISOString(),
    host: o.target.host,
    port: o.target.port,
    ...(o.servername ? { servername: o.servername } : {}),
    identityMode: typeof o.identity === 'object' ? 'fixed' : o.identity,
    ...(identity ? { identity: identityFact(identity, obs.offered === identity ? obs.signer : undefined) } : {}),
    suggestions: suggestions(o.candidates, request, identity?.id),
    namedIdentities: namedIdentities(o.candidates, request),
    usableIdentities: usable.length,
    steps: obs.steps,
    ...(obs.failure ? { failure: obs.failure } : {}),
    ...(firstBytes.length ? { firstBytesHex: firstBytes.toString('hex') } : {}),
    ...(serverHello ? { serverHello } : {}),
    ...(request
      ? { certificateRequest: { version: request.version, certificateAuthorities: request.certificateAuthorities, signatureAlgorithms: request.signatureAlgorithms } }
      : {}),
    ...(request && identity ? optional('chainNamedByRequest', namedByRequest(request, identity.chain)) : {}),
    alertsReceived: trace.filter((e) => e.direction === 'received' && e.kind === 'alert').map((e) => Number(/\((\d+)\)$/.exec(e.type)?.[1])),
    ...(sentCertificate ? { certificateSent: sentCertificate.detail === EMPTY_CERTIFICATE ? ('empty' as const) : ('chain' as const) } : {}),
    serverHelloReceived: trace.some((e) => e.direction === 'received' && e.type === 'ServerHello'),
    ...(obs.info ? { negotiated: negotiated(obs) } : {}),
    ...(serverChainDer ? { serverChain: certFacts(serverChainDer, "the server's certificate"), serverNames: serverChainDer[0] ? certNames(serverChainDer[0]) : [] } : {}),
    ...(obs.failure && obs.refusedChain && SERVER_CHAIN_ERRORS.has(obs.failure.code) ? { serverChainError: { code: obs.failure.code, message: obs.failure.message } } : {}),
    ...(obs.http ? { http: obs.http } : {}),
    request: { method: o.method ?? 'GET', path: o.target.path, http: o.http !== false },
    allowTls12WithoutEms: o.allowTls12WithoutEms ?? false,
    caFiles: o.caFiles,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The handshake's parameters without the chain and request (reported apart). */
export function negotiated(obs: Observation): NonNullable<ProbeFacts['negotiated']> {
  const { serverChain: _chain, certificateRequest: _request, ...rest } = obs.info!;
  return rest;
}

/** The identity a report names: the one offered, else the fixed one. */
export function reportedIdentity(o: ProbeOptions, obs: Observation): ProbeIdentity | undefined {
  return obs.offered ?? (typeof o.identity === 'object' ? o.identity : undefined);
}
