/**
 * GnuTLS `gnutls-serv --echo` as a test-bed peer. It has no listen-address option, so it
 * runs in a private network namespace behind a loopback forwarder (netns.ts).
 *
 * Its echo is line-oriented text: it answers once a line is complete ('\n'), with
 * everything received so far up to the first NUL byte. Send NUL-free data that ends with a
 * newline. A line starting with "**" is a command: GNUTLS_KEY_UPDATE_LINE makes it send a
 * KeyUpdate (update_requested) on TLS 1.3 — a HelloRequest on TLS 1.2 — and answer
 * "Successfully executed command\n". Evidence: its verbose connection report on stdout.
 */
import { checkOptions, groupsOf, makeWorkDir, normalizeVersion, writeCertChain } from './common.js';
import { NETNS_INNER_PORT, startIsolated } from './netns.js';
import type { ClientEvidence, TlsGroup, TlsServer, TlsServerOptions } from './types.js';

/** Sent by a client as one line, makes gnutls-serv initiate a KeyUpdate (TLS 1.3). */
export const GNUTLS_KEY_UPDATE_LINE = '**REHANDSHAKE**\n';

/** What gnutls-serv answers to a command line such as GNUTLS_KEY_UPDATE_LINE. */
export const GNUTLS_COMMAND_REPLY = 'Successfully executed command\n';

const GROUP_NAMES: Record<TlsGroup, string> = {
  X25519: 'GROUP-X25519',
  'P-256': 'GROUP-SECP256R1',
  'P-384': 'GROUP-SECP384R1',
  'P-521': 'GROUP-SECP521R1',
};

/** Starts gnutls-serv as an echo server that requires and verifies a client certificate. */
export async function startGnuTlsServer(o: TlsServerOptions): Promise<TlsServer> {
  checkOptions(o);
  const work = await makeWorkDir('gnutls');
  try {
    const args = gnutlsArgs(o, await writeCertChain(o, work.dir));
    const isolated = await startIsolated('stdbuf', ['-oL', '-eL', 'gnutls-serv', ...args], {
      workDir: work.dir,
      what: 'gnutls-serv',
      keep: (line) => !line.startsWith('received cmd:') && !line.startsWith('*** Processing'),
      ready: (p) => p.stderr.some((line) => line.startsWith(`Echo Server listening on IPv4 0.0.0.0 port ${NETNS_INNER_PORT}`)),
    });
    const { proc } = isolated;
    return {
      kind: 'gnutls',
      host: '127.0.0.1',
      port: isolated.port,
      evidence: () => Promise.resolve(parseReports(proc.stdout)),
      rejections: () => Promise.resolve(proc.stderr.filter((line) => line.startsWith('Error in handshake'))),
      stop: async () => {
        await isolated.stop();
        await work.remove();
      },
    };
  } catch (error) {
    await work.remove();
    throw error;
  }
}

function gnutlsArgs(o: TlsServerOptions, certChainFile: string): string[] {
  let priority = `NORMAL:-VERS-ALL:+VERS-${o.version === 'TLSv1.3' ? 'TLS1.3' : 'TLS1.2'}`;
  const groups = groupsOf(o);
  if (groups.length > 0) priority += ':-GROUP-ALL:' + groups.map((g) => '+' + GROUP_NAMES[g]).join(':');
  const args = ['--echo', '--crlf', '--require-client-cert', '--verify-client-cert'];
  args.push('--x509cafile', o.clientCaFile, '--x509certfile', certChainFile, '--x509keyfile', o.keyFile);
  args.push('--port', String(NETNS_INNER_PORT), '--priority', priority);
  for (const protocol of o.alpn ?? []) args.push(`--alpn=${protocol}`);
  return args;
}

/**
 * Reads gnutls-serv's report of each completed handshake: "- Status: The certificate is
 * trusted." (from its verify callback), then "- Description:", the client chain with
 * "Certificate[0]"'s "Subject:" and "Fingerprint: sha256:", "- Version:" and "- Cipher:".
 */
function parseReports(lines: string[]): ClientEvidence[] {
  const out: ClientEvidence[] = [];
  let trusted = 0;
  let current: Partial<ClientEvidence> & { verified?: boolean } = {};
  let section: 'leaf' | 'fingerprint' | 'other' = 'other';
  const finish = () => {
    const { subject, fingerprintSha256, version, cipher, verified } = current;
    if (verified && subject && fingerprintSha256 && version && cipher) out.push({ subject, fingerprintSha256, version, cipher });
    current = {};
  };
  for (const line of lines) {
    if (line.startsWith('- Status: The certificate is trusted.')) trusted += 1;
    else if (line.startsWith('- Description:')) {
      finish();
      current = { verified: trusted > 0 };
      trusted = Math.max(0, trusted - 1);
    } else if (line.startsWith('- Certificate[')) section = line.startsWith('- Certificate[0]') ? 'leaf' : 'other';
    else if (section !== 'other' && line.trim() === 'Fingerprint:') section = 'fingerprint';
    else if (section === 'leaf' && line.startsWith('\tSubject: ')) current.subject ??= line.slice('\tSubject: '.length);
    else if (section === 'fingerprint' && line.trim().startsWith('sha256:')) {
      current.fingerprintSha256 ??= line.trim().slice('sha256:'.length);
      section = 'other';
    } else if (line.startsWith('- Version: ')) current.version = normalizeVersion(line);
    else if (line.startsWith('- Cipher: ')) current.cipher = line.slice('- Cipher: '.length);
    else if (line.startsWith('- Channel bindings')) finish();
  }
  finish();
  return out;
}
