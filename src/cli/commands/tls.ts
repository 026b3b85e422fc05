import type { Command } from 'commander';
import type { Keyport } from '../../core/app';
import { readInputFile } from '../../core/input-file';
import { withoutRoot } from '../../core/pki/chain';
import { runConnectionTest, type TestReport } from '../../core/probe/connection-test';
import { parseHostPort, parseTestUrl } from '../../core/probe/target';
import { connect, type KeyportTlsSocket } from '../../core/tls';
import { KeyportError } from '../../shared/errors';
import { action } from '../action';
import { ExitCode } from '../exit-codes';
import { print } from '../output';
import { collect } from '../options';

async function readCaFiles(files: string[]): Promise<Buffer[]> {
  return Promise.all(files.map((f) => readInputFile(f, 'CA file')));
}

async function identityFor(k: Keyport, id: string) {
  const record = await k.record(id);
  const { signer, chain } = await k.signerFor(record.id);
  return { id: record.id, label: record.label, signer, chain: withoutRoot(chain) };
}

/**
 * `--identity auto`: the valid identities, tried in turn until the server accepts one. (Choosing by the
 * CertificateRequest's certificate_authorities needs the handshake to ask us mid-flight; not yet.)
 */
async function autoCandidates(k: Keyport): Promise<string[]> {
  const all = await k.listIdentities();
  const usable = all.filter((i) => i.status === 'valid' || i.status === 'expiring');
  if (usable.length === 0) throw new KeyportError('KEYPORT_NOT_FOUND', 'No valid identity to test with: import or enroll one first.');
  return usable.map((i) => i.id);
}

function summary(r: TestReport): string {
  const lines = [`${r.ok ? 'OK' : 'FAILED'}  ${r.url}${r.identity ? `  (identity ${r.identity})` : ''}`];
  for (const s of r.steps) lines.push(`  ${s.ok ? '✓' : '✗'} ${s.step.padEnd(9)} ${s.ms} ms${s.error ? `  ${s.error.message} [${s.error.code}]` : ''}`);
  const n = r.negotiated;
  if (n) {
    lines.push(`  TLS       ${n.version} ${n.cipherSuite} ${n.group}${n.alpn ? ` alpn=${n.alpn}` : ''}${n.resumed ? ' (resumed)' : ''}`);
    lines.push(`  client    certificate ${n.clientCertificateSent ? `sent, signed with ${n.signatureScheme ?? '-'}` : 'not sent'}`);
  }
  if (r.certificateRequest) {
    lines.push(`  asked for ${r.certificateRequest.certificateAuthorities.join('; ') || 'any CA'} (${r.certificateRequest.signatureAlgorithms.join(', ')})`);
  }
  for (const c of r.serverChain ?? []) lines.push(`  server    ${c.subject}  (issuer ${c.issuer}, until ${c.notAfter.slice(0, 10)})`);
  if (r.http) lines.push(`  HTTP      ${r.http.status} ${r.http.statusText}`, ...r.http.bodyPreview.split('\n').slice(0, 5).map((l) => `  | ${l}`));
  return `${lines.join('\n')}\n`;
}

/** `test` and `connect`. */
export function registerTlsCommands(program: Command): void {
  program
    .command('test')
    .argument('<url>', 'https://host[:port]/path')
    .description('one connection test: mTLS handshake with the identity, then an HTTP GET')
    .requiredOption('--identity <id>', 'identity id, label, or "auto"')
    .option('--ca <file>', 'trust this CA (PEM or DER) for the server; repeatable', collect, [])
    .option('--servername <name>', 'SNI and the name the server certificate must carry')
    .option('--timeout <ms>', 'time limit per step', (v) => Number(v), 15_000)
    .option('--json', 'print JSON')
    .action(
      action<{ identity: string; ca: string[]; servername?: string; timeout: number; json?: boolean }>(async ([url], o, k) => {
        const target = parseTestUrl(url!);
        const ca = await readCaFiles(o.ca);
        const ids = o.identity === 'auto' ? await autoCandidates(k) : [o.identity];
        let report: TestReport | undefined;
        for (const id of ids) {
          const identity = await identityFor(k, id);
          report = await runConnectionTest({ target, url: url!, identity, ca, servername: o.servername, timeoutMs: o.timeout });
          if (report.ok) break;
        }
        print(report, o.json === true, () => summary(report!));
        if (!report!.ok) process.exitCode = ExitCode.rejected;
      }),
    );

  program
    .command('connect')
    .argument('<hostport>', 'HOST:PORT')
    .description("like `openssl s_client` with Keyport's keys: stdin to the server, its data to stdout, the summary to stderr")
    .requiredOption('--identity <id>', 'identity id or label')
    .option('--ca <file>', 'trust this CA (PEM or DER) for the server; repeatable', collect, [])
    .option('--servername <name>', 'SNI and the name the server certificate must carry')
    .option('--alpn <protocol>', 'offer this ALPN protocol; repeatable', collect, [])
    .action(
      action<{ identity: string; ca: string[]; servername?: string; alpn: string[]; json?: boolean }>(async ([hostport], o, k) => {
        const { host, port } = parseHostPort(hostport!);
        const identity = await identityFor(k, o.identity);
        const socket = await connect({
          host,
          port,
          servername: o.servername,
          ca: await readCaFiles(o.ca),
          alpn: o.alpn.length > 0 ? o.alpn : undefined,
          signer: identity.signer,
          chain: identity.chain,
        });
        const t = socket.tlsInfo;
        process.stderr.write(
          `keyport: connected to ${host}:${port} with ${t.version} ${t.cipherSuite} ${t.group}; client certificate ${t.clientCertificateSent ? `sent (${identity.label})` : 'not requested'}\n`,
        );
        await pipeThrough(socket);
      }),
    );
}

/** stdin -> server, server -> stdout; ends when the server closes. A TLS error mid-stream is a failure. */
function pipeThrough(socket: KeyportTlsSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdin.pipe(socket);
    socket.pipe(process.stdout);
    socket.on('error', reject);
    socket.on('close', () => {
      process.stdin.unpipe(socket);
      process.stdin.destroy();
      resolve();
    });
  });
}
