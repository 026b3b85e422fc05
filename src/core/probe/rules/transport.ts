import { DEFAULT_GROUPS } from '../../tls/key-share';
import { offeredSuites } from '../../tls/cipher-suites';
import { plaintextPreview, looksLikeTls } from '../server-hello';
import { Alert, alertName, diagnosis, hostPort, received, type Rules } from './common';
import type { Diagnosis } from '../../../shared/diagnoses';
import type { ProbeFacts } from '../facts';

const OLD_VERSIONS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);
const EMS_EXTENSION = 23;
const SUPPORTED_VERSIONS_EXTENSION = 43;

/** DNS, TCP and the TLS negotiation itself: the causes before any certificate matters. */
export const transportRules: Rules = (f) => [
  ...dnsFailed(f),
  ...connectionRefused(f),
  ...timedOut(f),
  ...notTls(f),
  ...noCommonVersion(f),
  ...noCommonCipher(f),
  ...tls12WithoutEms(f),
];

function dnsFailed(f: ProbeFacts): Diagnosis[] {
  if (f.failure?.step !== 'dns' || f.failure.code !== 'KEYPORT_DNS_FAILED') return [];
  return [
    diagnosis(
      'dns-failed',
      `The name "${f.host}" does not resolve (${f.failure.errno ?? 'no address'}).`,
      `Check the spelling of "${f.host}", your DNS server or VPN, or /etc/hosts.`,
    ),
  ];
}

function connectionRefused(f: ProbeFacts): Diagnosis[] {
  if (f.failure?.step !== 'tcp' || f.failure.errno !== 'ECONNREFUSED') return [];
  return [
    diagnosis(
      'connection-refused',
      `Nothing listens on ${hostPort(f)}: the connection was refused.`,
      `Check the port, and that the service runs on ${f.host}; a firewall that rejects also looks like this.`,
    ),
  ];
}

function timedOut(f: ProbeFacts): Diagnosis[] {
  const failure = f.failure;
  if (!failure || (failure.code !== 'KEYPORT_TLS_TIMEOUT' && failure.errno !== 'ETIMEDOUT')) return [];
  const signing = /sign|PIN|touch/.test(failure.message);
  const fix = signing
    ? "The key's token may be waiting for a PIN or a touch, or be unplugged: check it and try again."
    : failure.step === 'handshake'
      ? `The server took the TCP connection but said nothing: check that ${hostPort(f)} speaks TLS (not a port that waits for the client, such as a database or SSH without TLS), and that no firewall drops the traffic.`
      : failure.step === 'http'
        ? 'The TLS side works, but the application did not answer: check its log, or use --no-http for a service that is not HTTP.'
        : 'A firewall may drop the traffic, or the host is down; check the network path (VPN, security groups).';
  return [diagnosis('timeout', `The ${failure.step} step timed out: ${failure.message}`, fix)];
}

function notTls(f: ProbeFacts): Diagnosis[] {
  const bytes = f.firstBytesHex ? Buffer.from(f.firstBytesHex, 'hex') : undefined;
  if (!bytes?.length || looksLikeTls(bytes) || f.failure?.step !== 'handshake') return [];
  const preview = plaintextPreview(bytes);
  if (/^HTTP\/\d/.test(preview)) {
    return [
      diagnosis(
        'not-tls',
        `${hostPort(f)} answered in plain HTTP ("${preview}"), not TLS.`,
        `This port speaks http://, not https://: try http://${hostPort(f)}${f.request.path} (no client certificate there), or find the service's TLS port.`,
      ),
    ];
  }
  const what = preview.startsWith('SSH-') ? `an SSH banner ("${preview}")` : `"${preview}"`;
  return [diagnosis('not-tls', `${hostPort(f)} answered with ${what}, not TLS.`, 'Check the port: this one runs another protocol; find the port where the service speaks TLS.')];
}

function noCommonVersion(f: ProbeFacts): Diagnosis[] {
  const old = f.serverHello && OLD_VERSIONS.has(f.serverHello.version) ? f.serverHello.version : undefined;
  if (!old && received(f, Alert.protocol_version) === undefined) return [];
  const speaks = old
    ? `The server chose ${old}`
    : `The server refused TLS 1.2 and 1.3 (${alertName(Alert.protocol_version)}): it speaks only older versions (SSLv3, TLS 1.0 or 1.1)`;
  return [
    diagnosis(
      'no-common-version',
      `${speaks}; Keyport speaks TLS 1.2 and 1.3 only, since the older ones are broken.`,
      'Enable TLS 1.2 or 1.3 on the server (nginx: ssl_protocols TLSv1.2 TLSv1.3;).',
    ),
  ];
}

function noCommonCipher(f: ProbeFacts): Diagnosis[] {
  const alert = received(f, Alert.handshake_failure, Alert.insufficient_security);
  if (alert === undefined || f.serverHelloReceived) return [];
  const suites = offeredSuites(['TLSv1.3', 'TLSv1.2']).map((s) => s.name);
  return [
    diagnosis(
      'no-common-cipher',
      `The server refused our ClientHello (${alertName(alert)}): it shares no cipher suite or key exchange group with what Keyport offers: suites ${suites.join(', ')}; groups ${DEFAULT_GROUPS.join(', ')}.`,
      'Enable an ECDHE suite with AES-GCM or ChaCha20-Poly1305 and the X25519 or P-256 group on the server (Keyport offers no RSA key exchange, CBC or finite-field DH).',
    ),
  ];
}

function tls12WithoutEms(f: ProbeFacts): Diagnosis[] {
  const sh = f.serverHello;
  if (!sh || sh.version !== 'TLSv1.2' || sh.extensions.includes(SUPPORTED_VERSIONS_EXTENSION) || sh.extensions.includes(EMS_EXTENSION)) return [];
  if (f.allowTls12WithoutEms && f.negotiated) {
    return [
      diagnosis(
        'tls12-no-ems',
        `${hostPort(f)} speaks TLS 1.2 without the extended master secret (RFC 7627); the connection went ahead only because this endpoint allows it (--allow-tls12-without-ems).`,
        'Upgrade the server (Go 1.21 or later, OpenSSL 1.1.0 or later) or enable TLS 1.3 there, then drop --allow-tls12-without-ems.',
        'warning',
      ),
    ];
  }
  return [
    diagnosis(
      'tls12-no-ems',
      `${hostPort(f)} speaks TLS 1.2 without the extended master secret (RFC 7627), which Keyport requires on TLS 1.2 (without it a man in the middle can splice sessions).`,
      'Enable TLS 1.3 or the extended master secret on the server (Go 1.21 or later); to reach it as it is, accept the risk for this endpoint only: keyport test URL --allow-tls12-without-ems, or keyport endpoints add NAME URL --allow-tls12-without-ems.',
    ),
  ];
}
