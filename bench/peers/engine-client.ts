/**
 * The peer of bench/tls-tokens.ts: node:tls signing with a token key through OpenSSL's pkcs11 engine
 * (Debian's libengine-pkcs11-openssl), in a child process because OpenSSL reads the engine's
 * configuration (OPENSSL_CONF, section `nodejs_conf`) only at process start. The parent sends the
 * setup over IPC, never argv, since the key URI carries the token's PIN; then asks for batches of
 * timed full handshakes. Each handshake is followed (untimed) by one HTTP request, so a server that
 * refused the client certificate fails the run instead of looking fast.
 */
import { performance } from 'node:perf_hooks';
import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';

/** What the parent sends. */
export type EngineRequest =
  | { type: 'setup'; host: string; port: number; servername: string; ca: string; cert: string; keyUri: string; path: string }
  | { type: 'measure'; count: number };

/** What the child answers. */
export type EngineReply = { type: 'ready' } | { type: 'times'; times: number[] } | { type: 'error'; message: string };

let setup: Extract<EngineRequest, { type: 'setup' }> | undefined;
let context: SecureContext | undefined;

process.on('message', (msg: EngineRequest) => {
  void handle(msg).then(reply, (e: unknown) => reply({ type: 'error', message: (e as Error).message }));
});
process.on('disconnect', () => process.exit(0));

function reply(r: EngineReply): void {
  process.send?.(r);
}

async function handle(msg: EngineRequest): Promise<EngineReply> {
  if (msg.type === 'setup') {
    setup = msg;
    // One context for all handshakes: it loads the engine and logs in to the token once.
    context = createSecureContext({ privateKeyEngine: 'pkcs11', privateKeyIdentifier: msg.keyUri, cert: msg.cert, ca: msg.ca });
    return { type: 'ready' };
  }
  const times: number[] = [];
  for (let i = 0; i < msg.count; i++) times.push(await timedHandshake());
  return { type: 'times', times };
}

/** One full handshake, timed up to secureConnect, then one untimed request that must succeed. */
async function timedHandshake(): Promise<number> {
  if (!setup || !context) throw new Error('engine client: measure before setup');
  const { host, port, servername, path } = setup;
  const secureContext = context;
  const t0 = performance.now();
  const sock = await new Promise<TLSSocket>((resolve, reject) => {
    const s = connect({ host, port, servername, secureContext });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
  const ms = performance.now() - t0;
  const page = await new Promise<string>((resolve, reject) => {
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString('latin1')));
    sock.once('end', () => resolve(text));
    sock.once('error', reject);
    sock.write(`GET ${path} HTTP/1.0\r\n\r\n`);
  });
  sock.destroy();
  if (!page.startsWith('HTTP/1.0 200')) throw new Error(`engine client: the server did not answer 200: ${page.slice(0, 80)}`);
  return ms;
}
