import { writeSync } from 'node:fs';
import type { Command } from 'commander';
import type { Keyport } from '../../core/app';
import { readInputFile } from '../../core/input-file';
import { withoutRoot } from '../../core/pki/chain';
import { chooseIdentity, identityCandidate, type IdentityCandidate } from '../../core/identities/select';
import type { Signer } from '../../core/keystores/types';
import { parseHostPort } from '../../core/probe';
import { coalescedPipe, connect, type CertificateRequestDetails, type ConnectOptions, type KeyportTlsSocket } from '../../core/tls';
import type { IdentityStatus } from '../../shared/identity';
import { KeyportError } from '../../shared/errors';
import { action } from '../action';
import { collect } from '../options';

async function readCaFiles(files: string[]): Promise<Buffer[]> {
  return Promise.all(files.map((f) => readInputFile(f, 'CA file')));
}

/** The signer of identity `id` and its chain without the root, as the TLS client sends it. */
async function loadIdentity(k: Keyport, id: string): Promise<{ signer: Signer; chain: Buffer[] }> {
  const { signer, chain } = await k.signerFor(id);
  return { signer, chain: withoutRoot(chain) };
}

const usable = (i: { status: IdentityStatus }): boolean => i.status === 'valid' || i.status === 'expiring';

/**
 * `--identity auto`: every identity with its chain, to choose from once the server's CertificateRequest
 * says what it accepts (see chooseIdentity); only the chosen one's key is loaded.
 */
async function autoCandidates(k: Keyport): Promise<IdentityCandidate[]> {
  const candidates = (await k.records()).map(identityCandidate);
  if (!candidates.some(usable)) throw new KeyportError('KEYPORT_NOT_FOUND', 'No valid identity to connect with: import or enroll one first (`keyport list` shows what there is).');
  return candidates;
}

/** `connect` (`test` lives in test.ts). */
export function registerTlsCommands(program: Command): void {
  program
    .command('connect')
    .argument('<hostport>', 'HOST:PORT')
    .description("like `openssl s_client` with Keyport's keys: stdin to the server, its data to stdout, the summary to stderr")
    .requiredOption('--identity <id>', 'identity id, label, or "auto"')
    .option('--ca <file>', 'trust this CA (PEM or DER) for the server; repeatable', collect, [])
    .option('--servername <name>', 'SNI and the name the server certificate must carry')
    .option('--alpn <protocol>', 'offer this ALPN protocol; repeatable', collect, [])
    .option('--half-close', "at stdin's end send close_notify and keep reading (default: send nothing, as s_client -ign_eof)")
    .action(
      action<{ identity: string; ca: string[]; servername?: string; alpn: string[]; halfClose?: boolean; json?: boolean }>(async ([hostport], o, k) => {
        const { host, port } = parseHostPort(hostport!);
        const shown: { label?: string } = {};
        const socket = await connect({
          host,
          port,
          servername: o.servername,
          ca: await readCaFiles(o.ca),
          alpn: o.alpn.length > 0 ? o.alpn : undefined,
          ...(await clientAuth(k, o.identity, shown)),
        });
        const t = socket.tlsInfo;
        const alpn = o.alpn.length > 0 ? `; ALPN ${t.alpn ?? 'none agreed'}` : '';
        process.stderr.write(
          `keyport: connected to ${host}:${port} with ${t.version} ${t.cipherSuite} ${t.group}${alpn}; client certificate ${t.clientCertificateSent ? `sent (${shown.label})` : 'not requested'}\n`,
        );
        await pipeThrough(socket, o.halfClose === true);
      }),
    );
}

/**
 * connect()'s client-auth options for `--identity ID|auto`; `shown.label` names the identity used once
 * known. The key is loaded only when the server asks for a certificate (a token logs in then), so an
 * unreachable host or a server that asks for none never prompts for a PIN; an unknown id still fails
 * before connecting.
 */
async function clientAuth(k: Keyport, identity: string, shown: { label?: string }): Promise<Pick<ConnectOptions, 'selectIdentity'>> {
  let choose: (request: CertificateRequestDetails) => { id: string; label: string };
  if (identity === 'auto') {
    const candidates = await autoCandidates(k);
    choose = (request) => chooseIdentity(request, candidates);
  } else {
    const record = await k.record(identity);
    choose = () => record;
  }
  return {
    selectIdentity: async (request) => {
      const chosen = choose(request);
      shown.label = chosen.label;
      return { ...(await loadIdentity(k, chosen.id)), label: chosen.label };
    },
  };
}

/** Said when the server closes without close_notify: the data is all there, but nothing proves it is all. */
const NO_CLOSE_NOTIFY = 'the server closed the connection without a TLS close_notify, so what it sent may have been cut short: check it against the length its protocol gives.';

/**
 * stdin -> server, server -> stdout, until the server closes; a TLS error mid-stream is a failure.
 * stdin's end does not end the connection by default (as `openssl s_client -ign_eof`): nginx and
 * others take a close_notify as the client leaving and cut their answer. With `halfClose`, stdin's
 * end sends close_notify (TLS half-close) and the answer is still read to its end. stdout is
 * written synchronously as records are decrypted when its writes block (see blockingStdout), else
 * through a stream with backpressure (coalescedPipe); once stdout is gone (EPIPE) the connection is
 * closed, since nobody is reading any more, and any other failure to write it fails the command.
 */
function pipeThrough(socket: KeyportTlsSocket, halfClose: boolean): Promise<void> {
  const direct = blockingStdout();
  return new Promise((resolve, reject) => {
    process.stdin.pipe(socket, { end: halfClose });
    if (direct) socket.deliverTo(stdoutWriter(socket));
    else coalescedPipe(socket, process.stdout, { end: false, recycle: true });
    socket.on('error', reject);
    // A bare TCP close looks the same whether the server was done or the stream was cut (the proxy
    // gives its client a reset then); after our own close_notify it is the normal answer.
    socket.once('end', () => {
      if (!socket.closeNotifyReceived && !halfClose) process.stderr.write(`keyport: ${NO_CLOSE_NOTIFY}\n`);
    });
    process.stdout.on('error', (e) => socket.destroy(stdoutFailure(e)));
    socket.on('close', () => {
      process.stdin.unpipe(socket);
      process.stdin.destroy();
      resolve();
    });
  });
}

/**
 * Makes writes to stdout block when it is a pipe or a socket (what a shell's `|` and a parent's
 * spawn() give), as curl's and s_client's do, and says whether fd 1's writes block now (files and
 * terminals are written blocking by Node already; a file's stdout has no handle). Node writes pipes
 * and sockets without blocking: a 256 KB write of records fills the 64 KB pipe, fails with EAGAIN,
 * pauses the TLS socket until 'drain' and resumes it, many times a second, while the reader and the
 * server wait on each other (twelve alternating 256 MB downloads from nginx: CPU 1.15 -> 0.96 s,
 * 0.43x -> 0.50x curl's time). The cost is curl's too: while the reader does not read, nothing else
 * moves, stdin included.
 */
function blockingStdout(): boolean {
  const handle = (process.stdout as { _handle?: { setBlocking?: (blocking: boolean) => number } })._handle;
  if (!handle) return true;
  return handle.setBlocking?.(true) === 0;
}

/**
 * A deliverTo() sink that writes each chunk to fd 1 before it returns (fd 1 blocks: see
 * blockingStdout). Against coalescedPipe into process.stdout, 21 alternating 256 MB downloads from
 * nginx: CPU 859 -> 749 ms on Node 20 and 790 -> 690 ms on Node 24 (medians); V8 optimises about 25
 * functions in a download instead of 40, Node's stream code no longer being run per chunk.
 */
function stdoutWriter(socket: KeyportTlsSocket): (chunk: Buffer) => void {
  return (chunk) => {
    if (socket.destroyed) return; // stdout failed earlier in this pump
    try {
      for (let off = 0; off < chunk.length; ) off += writeSync(1, chunk, off);
    } catch (e) {
      socket.destroy(stdoutFailure(e));
    }
  };
}

/**
 * Why a write to stdout failed: nothing when the reader left (EPIPE, as `| head`; ECONNRESET when
 * stdout is a socket, as a parent's spawn() gives, closed with our bytes unread), else the error to exit with.
 */
export function stdoutFailure(e: unknown): KeyportError | undefined {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EPIPE' || code === 'ECONNRESET') return undefined;
  return new KeyportError('KEYPORT_FILE_UNWRITABLE', `Cannot write the server's data to stdout: ${(e as Error).message}.`);
}
