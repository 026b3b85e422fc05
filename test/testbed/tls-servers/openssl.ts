/**
 * OpenSSL `s_server` as a test-bed peer. In echo mode s_server runs `-brief` (stdin is pure
 * data, no commands) and its stdout, which is exactly what the client sent, is piped back
 * into its stdin. In control mode its stdin commands work instead (`K` sends a KeyUpdate)
 * and what the client sends is kept, not echoed. Evidence: the `-brief` summary or the
 * connection report (subject, cipher, "Verification: OK") and the `-msg` handshake log
 * (version, the client certificate's bytes). s_server serves one connection at a time.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnServer, startOnFreePort, tail, waitForListen, type ServerProcess } from './child.js';
import { checkOptions, groupsOf, makeWorkDir, normalizeVersion } from './common.js';
import { parseMsgLog } from './openssl-msg.js';
import type { ClientEvidence, TlsServer, TlsServerOptions } from './types.js';

/** An s_server whose stdin commands work: the server can initiate a KeyUpdate and send data. */
export interface OpenSslControlServer extends TlsServer {
  serverKeyUpdate(): Promise<void>;
  /** Sends `text` to the connected client. It must not start with an s_server command letter. */
  send(text: string): Promise<void>;
  /** s_server's stdout so far: its connection reports and everything the client sent. */
  received(): string;
}

/** Starts `openssl s_server` as an echo server that requires a verified client certificate. */
export async function startOpenSslServer(o: TlsServerOptions): Promise<TlsServer> {
  const server = await startSServer(o, 'echo');
  const { stop, evidence, rejections, port } = server;
  return { kind: 'openssl', host: '127.0.0.1', port, evidence, rejections, stop };
}

/** Starts `openssl s_server` with its stdin commands on (see OpenSslControlServer). */
export function startOpenSslControlServer(o: TlsServerOptions): Promise<OpenSslControlServer> {
  return startSServer(o, 'control');
}

type Mode = 'echo' | 'control';

async function startSServer(o: TlsServerOptions, mode: Mode): Promise<OpenSslControlServer> {
  checkOptions(o);
  const work = await makeWorkDir('openssl');
  const msgFile = path.join(work.dir, 'msg.log');
  try {
    const proc = await startOnFreePort(async (port) => {
      const p = spawnServer('openssl', sServerArgs(o, port, msgFile, mode), { stdoutLines: mode === 'control' });
      // Echo without backpressure: s_server blocks writing its stdout and reads its stdin only
      // between writes, so a pipe() that pauses stdout while stdin is full stalls both for good
      // (seen once in CI: a 16 MiB echo stuck at 12.7 MB). The backlog is at most what a test sent.
      if (mode === 'echo') p.child.stdout?.on('data', (d: Buffer) => p.child.stdin!.write(d));
      try {
        await waitForListen(port, p, 'openssl s_server');
        return { p, port };
      } catch (error) {
        await p.stop();
        throw error;
      }
    });
    return controlServer(proc.p, proc.port, msgFile, mode, work.remove);
  } catch (error) {
    await work.remove();
    throw error;
  }
}

function sServerArgs(o: TlsServerOptions, port: number, msgFile: string, mode: Mode): string[] {
  const args = ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', o.certFile, '-key', o.keyFile];
  if (o.chainFile) args.push('-cert_chain', o.chainFile);
  args.push('-Verify', '8', '-verify_return_error', '-CAfile', o.clientCaFile);
  args.push(o.version === 'TLSv1.3' ? '-tls1_3' : '-tls1_2');
  const groups = groupsOf(o);
  if (groups.length > 0) args.push('-groups', groups.join(':'));
  if (o.alpn?.length) args.push('-alpn', o.alpn.join(','));
  args.push('-nameopt', 'RFC2253', '-msg', '-msgfile', msgFile);
  if (mode === 'echo') args.push('-brief');
  return args;
}

function controlServer(
  proc: ServerProcess,
  port: number,
  msgFile: string,
  mode: Mode,
  removeWorkDir: () => Promise<void>,
): OpenSslControlServer {
  const readLog = () => readFile(msgFile, 'utf8').catch(() => '');
  return {
    kind: 'openssl',
    host: '127.0.0.1',
    port,
    evidence: async () => joinEvidence(parseMsgLog(await readLog()), reports(mode === 'echo' ? proc.stderr : proc.stdout, mode)),
    rejections: () => Promise.resolve(proc.stderr.filter((line) => /:error:|verify error/.test(line))),
    serverKeyUpdate: async () => {
      const before = countKeyUpdates(await readLog());
      await writeStdin(proc, 'K\n');
      await waitFor(async () => countKeyUpdates(await readLog()) > before, 'openssl s_server to send a KeyUpdate', proc);
    },
    send: async (text) => {
      if (/^[QqPS]|^[rRkKc][\r\n]/.test(text)) {
        throw new Error(`Cannot send "${text.slice(0, 10)}" through s_server: it would read it as a command`);
      }
      return writeStdin(proc, text);
    },
    received: () => proc.stdout.join('\n'),
    stop: async () => {
      await proc.stop();
      await removeWorkDir();
    },
  };
}

/** What s_server printed after each completed handshake, in order. */
interface Report {
  version?: string;
  cipher?: string;
  subject?: string;
  verified: boolean;
}

/**
 * Reads the per-connection reports. `-brief` prints "Protocol version:", "Ciphersuite:",
 * "Peer certificate:" and "Verification: OK" on stderr. The full report on stdout prints
 * "Client certificate", "subject=", "CIPHER is"; there the certificate was verified because
 * `-verify_return_error` ends any handshake whose verification failed.
 */
function reports(lines: string[], mode: Mode): Report[] {
  const out: Report[] = [];
  let current: Report | undefined;
  for (const line of lines) {
    const [key, value] = splitReportLine(line);
    if (mode === 'echo' ? key === 'Protocol version' : line === 'Client certificate') {
      current = { verified: mode === 'control' };
      out.push(current);
    }
    if (!current) continue;
    if (key === 'Protocol version') current.version = value;
    else if (key === 'Ciphersuite' || key === 'CIPHER is') current.cipher ??= value;
    else if (key === 'Peer certificate' || key === 'subject') current.subject ??= value;
    else if (line === 'Verification: OK') current.verified = true;
  }
  return out;
}

function splitReportLine(line: string): [string | undefined, string] {
  const match = /^(Protocol version|Ciphersuite|Peer certificate): (.+)$|^(CIPHER is|subject=) ?(.+)$/.exec(line);
  if (!match) return [undefined, ''];
  return match[1] ? [match[1], match[2] ?? ''] : [match[3] === 'subject=' ? 'subject' : match[3], match[4] ?? ''];
}

/** Pairs completed handshakes from the msg log with the reports, which come in the same order. */
function joinEvidence(handshakes: ReturnType<typeof parseMsgLog>, printed: Report[]): ClientEvidence[] {
  const completed = handshakes.filter((h) => h.completed);
  const evidence: ClientEvidence[] = [];
  for (const [i, report] of printed.entries()) {
    const h = completed[i];
    if (!h?.clientCertFingerprint || !report.verified || !report.subject || !report.cipher) continue;
    const version = normalizeVersion(report.version ?? '') ?? h.version;
    if (!version || (h.version && version !== h.version)) {
      throw new Error(`openssl s_server evidence is out of step: report ${i} says ${report.version}, log says ${h.version}`);
    }
    evidence.push({ subject: report.subject, fingerprintSha256: h.clientCertFingerprint, version, cipher: report.cipher });
  }
  return evidence;
}

function countKeyUpdates(log: string): number {
  return log.split('\n').filter((line) => line.startsWith('>>> ') && line.endsWith(', KeyUpdate')).length;
}

function writeStdin(proc: ServerProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    proc.child.stdin!.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, proc: ServerProcess, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`Timed out waiting for ${what}: ${tail(proc.stderr)}`);
}
