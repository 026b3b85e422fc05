/**
 * Runs the test bed's own echo servers (test/servers/go-echo, test/servers/node-echo.mjs).
 * Both listen on 127.0.0.1:0 and print JSON lines on stdout: {"event":"listening","port"},
 * then {"event":"verified",subject,fingerprintSha256,version,cipher} per connection whose
 * client certificate they verified and {"event":"rejected","error"} per refused handshake.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnServer, tail, type ServerProcess } from './child.js';
import { checkOptions, groupsOf, makeWorkDir, normalizeVersion, writeCertChain } from './common.js';
import type { ClientEvidence, TlsServer, TlsServerKind, TlsServerOptions } from './types.js';

interface ServerEvent {
  event?: string;
  port?: number;
  subject?: string;
  fingerprintSha256?: string;
  version?: string;
  cipher?: string;
  error?: string;
}

/** Starts `command` with the shared flags and waits for its "listening" line. */
export async function startJsonLineServer<K extends string = TlsServerKind>(
  kind: K,
  command: string,
  leadingArgs: string[],
  o: TlsServerOptions,
): Promise<Omit<TlsServer, 'kind'> & { readonly kind: K }> {
  checkOptions(o);
  const work = await makeWorkDir(kind);
  try {
    const args = [...leadingArgs, '--version', o.version, '--cert', await writeCertChain(o, work.dir)];
    args.push('--key', o.keyFile, '--client-ca', o.clientCaFile);
    const groups = groupsOf(o);
    if (groups.length > 0) args.push('--groups', groups.join(','));
    if (o.alpn?.length) args.push('--alpn', o.alpn.join(','));
    const proc = spawnServer(command, args);
    const port = await listeningPort(proc, kind).catch(async (error: unknown) => {
      await proc.stop();
      throw error;
    });
    return {
      kind,
      host: '127.0.0.1',
      port,
      evidence: () => Promise.resolve(events(proc, 'verified').flatMap(toEvidence)),
      rejections: () => Promise.resolve(events(proc, 'rejected').map((e) => e.error ?? 'rejected')),
      stop: async () => {
        await proc.stop();
        await work.remove();
      },
    };
  } catch (error) {
    await work.remove();
    throw error;
  }
}

function events(proc: ServerProcess, name: string): ServerEvent[] {
  return proc.stdout.flatMap((line) => {
    try {
      const event = JSON.parse(line) as ServerEvent;
      return event.event === name ? [event] : [];
    } catch {
      return [];
    }
  });
}

function toEvidence(e: ServerEvent): ClientEvidence[] {
  const version = normalizeVersion(e.version ?? '');
  if (!e.subject || !e.fingerprintSha256 || !version || !e.cipher) return [];
  return [{ subject: e.subject, fingerprintSha256: e.fingerprintSha256, version, cipher: e.cipher }];
}

async function listeningPort(proc: ServerProcess, what: string, timeoutMs = 10_000): Promise<number> {
  let exited = false;
  void proc.exited().then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const port = events(proc, 'listening')[0]?.port;
    if (port) return port;
    if (exited) throw new Error(`The ${what} echo server exited before listening: ${tail(proc.stderr)}`);
    await sleep(20);
  }
  throw new Error(`The ${what} echo server did not listen within ${timeoutMs} ms: ${tail(proc.stderr)}`);
}
