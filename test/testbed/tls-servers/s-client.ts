/**
 * `openssl s_client` as a reference client for the test-bed servers: strict verification
 * of the server (CA, hostname), an optional client certificate, and its stdin commands
 * (a line "K" sends a KeyUpdate with update_requested). `-msg` shows the handshake
 * messages on stdout, so a test can see the server's own KeyUpdate.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnServer, tail, type ServerProcess } from './child.js';
import type { TlsVersion } from './types.js';

/** The client certificate s_client presents. */
export interface ClientCertFiles {
  certFile: string;
  keyFile: string;
  /** Intermediates sent after the certificate. */
  chainFile?: string;
}

/** How s_client connects. */
export interface SClientOptions {
  port: number;
  version: TlsVersion;
  /** CAs that the server certificate must chain to. */
  caFile: string;
  /** Name the server certificate must carry (also sent as SNI); default "localhost". */
  serverName?: string;
  client?: ClientCertFiles;
}

/** A running s_client. */
export interface SClient {
  readonly proc: ServerProcess;
  /** Everything s_client printed on stdout: the -msg trace and what the server sent. */
  output(): string;
  write(text: string): Promise<void>;
  /** Waits until stdout contains `text`; fails with s_client's last words on exit or timeout. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Closes stdin (s_client sends close_notify and exits) and waits for its exit code. */
  close(): Promise<number | null>;
}

/** Starts `openssl s_client` against 127.0.0.1:port. */
export function startSClient(o: SClientOptions): SClient {
  const name = o.serverName ?? 'localhost';
  const args = ['s_client', '-connect', `127.0.0.1:${o.port}`, '-servername', name, '-verify_hostname', name];
  args.push('-CAfile', o.caFile, '-verify_return_error', o.version === 'TLSv1.3' ? '-tls1_3' : '-tls1_2', '-msg');
  if (o.client) args.push('-cert', o.client.certFile, '-key', o.client.keyFile);
  if (o.client?.chainFile) args.push('-cert_chain', o.client.chainFile);
  // Keep the -msg header lines and what the server sent; drop the hex dumps.
  const proc = spawnServer('openssl', args, { keep: (line) => !/^ {4}[0-9a-f]{2}( |$)/.test(line) });
  const output = () => proc.stdout.map((line) => line + '\n').join('');
  return {
    proc,
    output,
    write: (text) =>
      new Promise((resolve, reject) => proc.child.stdin!.write(text, (error) => (error ? reject(error) : resolve()))),
    waitFor: async (text, timeoutMs = 10_000) => {
      let exited = false;
      void proc.exited().then(() => (exited = true));
      const deadline = Date.now() + timeoutMs;
      while (!output().includes(text)) {
        if (exited || Date.now() > deadline) {
          throw new Error(`s_client never received "${text.trim()}" (${exited ? 'it exited' : 'timeout'}): ${tail(proc.stderr)}`);
        }
        await sleep(10);
      }
    },
    close: async () => {
      proc.child.stdin!.end();
      await Promise.race([proc.exited(), sleep(5000)]);
      await proc.stop();
      return proc.child.exitCode;
    },
  };
}
