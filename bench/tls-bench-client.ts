/**
 * What the TLS benches share: one `openssl s_server -WWW` to download from, and the client
 * processes (bench/tls-client.mts) with their one-request-at-a-time IPC, run plainly or under
 * callgrind (bench/tls-instructions.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPki, type TestCert, type TestPki } from '../test/tls/helpers/pki';
import { startOpenssl } from '../test/tls/helpers/servers';
import type { ClientRequest, ClientSetup } from './tls-client.mjs';

const CLIENT = fileURLToPath(new URL('./tls-client.mts', import.meta.url));

/**
 * One `openssl s_server -WWW` that requires a client certificate and serves big.bin (`fileMb`
 * MB of random bytes), and a Keyport and a node:tls client process for it with the same
 * in-memory key; with `callgrindDir`, both under callgrind. All is stopped once `measure` settles.
 */
export async function withDownloadBench<T>(
  fileMb: number,
  measure: (ours: BenchClient, node: BenchClient) => Promise<T>,
  callgrindDir?: string,
): Promise<T> {
  const pki = createPki();
  const clients: BenchClient[] = [];
  try {
    const server = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    const client = pki.issue({ name: 'bench-client', kind: 'ec', usage: 'client' });
    writeFileSync(join(pki.dir, 'big.bin'), randomBytes(fileMb * 1024 * 1024));
    const s = await startOpenssl(['-WWW', '-Verify', '1', '-CAfile', pki.ca.certPath, '-cert', server.certPath, '-key', server.keyPath], pki.dir);
    try {
      const out = (name: string) => (callgrindDir ? join(callgrindDir, `${name}.out`) : undefined);
      const ours = await BenchClient.start(clientSetup('keyport', s.port, pki, client), out('keyport'));
      clients.push(ours);
      const node = await BenchClient.start(clientSetup('node:tls', s.port, pki, client), out('node'));
      clients.push(node);
      return await measure(ours, node);
    } finally {
      await s.stop();
    }
  } finally {
    for (const c of clients) c.stop();
    pki.cleanup();
  }
}

/** What a client needs to reach the bench's s_server as `client`. */
function clientSetup(kind: ClientSetup['kind'], port: number, pki: TestPki, client: TestCert): ClientSetup {
  return {
    kind,
    port,
    servername: 'localhost',
    caPem: pki.ca.certPem.toString(),
    certPem: client.certPem.toString(),
    certDer: client.certDer.toString('base64'),
    keyPem: client.keyPem.toString(),
  };
}

/** A client process and its one-request-at-a-time IPC. */
export class BenchClient {
  private constructor(
    private readonly child: ChildProcess,
    private readonly callgrindOut?: string,
  ) {}

  /**
   * Starts a client; with `callgrindOut`, under callgrind with counting off until a counted
   * download turns it on (so start-up and warm-up cost nothing and count nothing).
   */
  static async start(s: ClientSetup, callgrindOut?: string): Promise<BenchClient> {
    const valgrind = ['--tool=callgrind', '--smc-check=all', '--instr-atstart=no', `--callgrind-out-file=${callgrindOut}`, process.execPath];
    const child = fork(CLIENT, [], {
      ...(callgrindOut ? { execPath: 'valgrind', execArgv: [...valgrind, '--import', 'tsx'] } : { execArgv: ['--import', 'tsx'] }),
      env: { ...process.env, KEYPORT_BENCH_CLIENT: JSON.stringify(s) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const c = new BenchClient(child, callgrindOut);
    await c.reply();
    return c;
  }

  handshakes(count: number, warmup: number): Promise<{ median: number; perSecond: number }> {
    return this.ask({ op: 'handshakes', count, warmup });
  }

  /** One download of the bench file, in MB/s; `counted` counts its instructions under callgrind. */
  async download(bytes: number, counted = false): Promise<number> {
    return (await this.ask<{ mbps: number }>({ op: 'download', path: 'big.bin', bytes, counted })).mbps;
  }

  /** Ends a callgrind client and returns the instructions its counted downloads ran. */
  async instructions(): Promise<number> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ op: 'exit' } satisfies ClientRequest);
    await exited;
    const totals = /^totals: (\d+)/m.exec(readFileSync(this.callgrindOut as string, 'utf8'));
    if (!totals) throw new Error(`no instruction count in ${this.callgrindOut}`);
    return Number(totals[1]);
  }

  stop(): void {
    this.child.kill();
  }

  private ask<T>(req: ClientRequest): Promise<T> {
    this.child.send(req);
    return this.reply<T>();
  }

  private reply<T>(): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the bench client exited (${code}) before answering`));
      this.child.once('exit', onExit);
      this.child.once('message', (m: { ok: boolean; value?: T; error?: string }) => {
        this.child.off('exit', onExit);
        if (m.ok) resolve(m.value as T);
        else reject(new Error(m.error));
      });
    });
  }
}
