/**
 * Starts and drives bench/peers/engine-client.ts: node:tls with a token key through OpenSSL's pkcs11
 * engine (libengine-pkcs11-openssl), loaded by a temp OpenSSL config that only names the engine and
 * the PKCS#11 module. Node 20 (OpenSSL 3.0, statically linked) still has the legacy ENGINE API behind
 * `privateKeyEngine`, but its own ENGINESDIR is not Debian's, so the engine is loaded by that config.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { entryFor } from '../../src/core/tokenhost/transport';
import type { EngineReply, EngineRequest } from './engine-client';

/** Debian's libp11 engine for OpenSSL 3 (package libengine-pkcs11-openssl). */
export const PKCS11_ENGINE = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so';

/** The token and key the peer signs with. */
export interface EngineToken {
  module: string;
  tokenLabel: string;
  pin: string;
  /** The module's configuration (SOFTHSM2_CONF, TPM2_PKCS11_*), for the child's environment. */
  env: Record<string, string>;
  /** CKA_ID of the private key, hex. */
  keyId: string;
}

/** Where the peer connects and what it presents. */
export interface EngineTarget {
  port: number;
  servername: string;
  /** Trust anchor, PEM. */
  caPem: string;
  /** Client leaf then intermediate, PEM. */
  chainPem: string;
  /** A small file the server serves, fetched after each handshake. */
  path: string;
}

/** A running peer. */
export interface EnginePeer {
  /** `count` full handshakes; their times in ms. */
  measure(count: number): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * The Node the peer runs on: this one, except under `npm run bench -- --node 24`, whose Node
 * (OpenSSL 3.5) cannot sign with the engine's keys ("operation not supported for this keytype"):
 * then the system's Node, which bench/run.mts passes in KEYPORT_BENCH_PEER_NODE.
 */
export function enginePeerNode(): string {
  return process.env.KEYPORT_BENCH_PEER_NODE || process.execPath;
}

/** Writes the engine config into `dir` (a temp dir) and starts the peer for `token`. */
export async function startEnginePeer(token: EngineToken, target: EngineTarget, dir: string): Promise<EnginePeer> {
  const conf = join(dir, `engine-${token.keyId}.cnf`);
  await writeFile(conf, engineConfig(token.module), { mode: 0o600 });
  const entry = entryFor(join(__dirname, 'engine-client.ts'));
  const child = fork(entry.path, [], {
    env: { ...process.env, ...token.env, OPENSSL_CONF: conf },
    execPath: enginePeerNode(),
    execArgv: entry.execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const ask = (req: EngineRequest): Promise<EngineReply> => request(child, req, () => stderr);
  const stop = (): Promise<void> => stopChild(child);
  try {
    const ready = await ask({
      type: 'setup',
      host: '127.0.0.1',
      port: target.port,
      servername: target.servername,
      ca: target.caPem,
      cert: target.chainPem,
      keyUri: keyUri(token),
      path: target.path,
    });
    if (ready.type !== 'ready') throw new Error(`engine peer setup: ${JSON.stringify(ready)}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    async measure(count) {
      const r = await ask({ type: 'measure', count });
      if (r.type !== 'times') throw new Error(`engine peer: ${JSON.stringify(r)}`);
      return r.times;
    },
    stop,
  };
}

/**
 * The key's RFC 7512 URI. It carries the PIN (`pin-value`): acceptable only because the token is a
 * throwaway benchmark token and the URI travels over IPC, never argv or disk.
 */
function keyUri(t: EngineToken): string {
  const id = t.keyId.replace(/../g, '%$&');
  return `pkcs11:token=${encodeURIComponent(t.tokenLabel)};id=${id};type=private;pin-value=${encodeURIComponent(t.pin)}`;
}

/** Node reads the `nodejs_conf` section of OPENSSL_CONF; it loads the engine with the module. */
function engineConfig(module: string): string {
  return [
    'nodejs_conf = keyport_bench',
    '[keyport_bench]',
    'engines = engines',
    '[engines]',
    'pkcs11 = pkcs11_engine',
    '[pkcs11_engine]',
    'engine_id = pkcs11',
    `dynamic_path = ${PKCS11_ENGINE}`,
    `MODULE_PATH = ${module}`,
    'init = 0',
    '',
  ].join('\n');
}

/** One request, one reply; rejects when the child dies first. */
function request(child: ChildProcess, req: EngineRequest, stderr: () => string): Promise<EngineReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: EngineReply): void => {
      child.off('exit', onExit);
      if (m.type === 'error') reject(new Error(`engine peer: ${m.message}`));
      else resolve(m);
    };
    const onExit = (code: number | null): void => {
      child.off('message', onMessage);
      reject(new Error(`engine peer exited (${code}): ${stderr().trim().split('\n').slice(-5).join(' | ')}`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
    child.send(req);
  });
}

/** Stops the child by its PID: a disconnect asks it to leave, SIGKILL if it does not within 5 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
