/**
 * Go's crypto/tls as a test-bed peer: test/servers/go-echo/main.go (standard library only),
 * built once per source version into a cache directory, then run like node-echo. Go's
 * crypto/tls answers a client's KeyUpdate but cannot initiate one.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startJsonLineServer } from './json-lines.js';
import type { TlsServer, TlsServerOptions } from './types.js';

const SOURCE = fileURLToPath(new URL('../../servers/go-echo/main.go', import.meta.url));
const CACHE = path.join(os.tmpdir(), 'keyport-testbed-go');

/** Starts the Go echo server, building it first when its source changed. */
export async function startGoServer(o: TlsServerOptions): Promise<TlsServer> {
  const binary = await buildGoEcho();
  return startJsonLineServer('go', binary, [], o);
}

/** Builds go-echo (GOPATH mode, no modules, no network) unless this source was built already. */
export async function buildGoEcho(): Promise<string> {
  const source = await readFile(SOURCE);
  const binary = path.join(CACHE, `go-echo-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (await access(binary).then(() => true, () => false)) return binary;
  await mkdir(CACHE, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOFLAGS: '',
    GOPATH: path.join(CACHE, 'gopath'),
    GOCACHE: path.join(CACHE, 'gocache'),
    CGO_ENABLED: '0',
  };
  try {
    await promisify(execFile)('go', ['build', '-o', partial, SOURCE], { env });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`Cannot build test/servers/go-echo: ${stderr || String(error)}; is golang-go installed?`);
  }
  await rename(partial, binary); // atomic: a concurrent build of the same source wins either way
  return binary;
}
