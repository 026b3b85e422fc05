/**
 * BoringSSL as a test-bed peer: test/servers/boringssl-deny/main.c, built with gcc against
 * Debian's android-libboringssl-dev once per source, compiler and BoringSSL headers into a
 * cache directory, then run like go-echo. It exists for one thing Go and OpenSSL cannot do on
 * TCP: refuse a verified client certificate with alert 49 access_denied (BoringSSL's custom
 * verify callback chooses the alert). Not part of the interop matrix (TLS_SERVER_KINDS).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { needs } from '../tools.js';
import { cachedBuild, runBuild } from './build-cache.js';
import { startJsonLineServer } from './json-lines.js';
import type { TlsServer, TlsServerOptions } from './types.js';

/** Where Debian's android-libboringssl-dev puts BoringSSL's headers (…/openssl/*.h) and libraries. */
export const BORINGSSL_INCLUDE_DIR = '/usr/include/android';
export const BORINGSSL_LIB_DIR = '/usr/lib/x86_64-linux-gnu/android';

const HINT = 'install android-libboringssl-dev (scripts/install-testbed.sh does)';
const SSL_HEADER = path.join(BORINGSSL_INCLUDE_DIR, 'openssl', 'ssl.h');
const LIBRARIES = ['libssl.so', 'libcrypto.so'].map((lib) => path.join(BORINGSSL_LIB_DIR, lib));
const SOURCE = fileURLToPath(new URL('../../servers/boringssl-deny/main.c', import.meta.url));
const CACHE = path.join(os.tmpdir(), 'keyport-testbed-boringssl');
const run = promisify(execFile);

/** How to start the BoringSSL server: the shared options, plus its authorisation policy. */
export interface BoringSslServerOptions extends TlsServerOptions {
  /**
   * Refuse a client certificate that verified but whose subject CN is this, with alert 49
   * access_denied (a service's authorisation decision). A chain that does not verify gets 48
   * unknown_ca (no trusted issuer), 45 certificate_expired or 42 bad_certificate.
   */
  denyClientCn?: string;
}

/** A running BoringSSL server; like the matrix's servers, but of its own kind. */
export type BoringSslServer = Omit<TlsServer, 'kind'> & { readonly kind: 'boringssl' };

/** The `tls-boringssl` backend probe: true when gcc and BoringSSL's headers and libraries are there. */
export function boringSslProbe(): true | string {
  const missing = needs(['gcc'], [SSL_HEADER, ...LIBRARIES]);
  return missing === true ? true : `${missing}: ${missing.startsWith('gcc') ? 'install gcc' : HINT}`;
}

/** Starts the BoringSSL echo server on 127.0.0.1, building it first when anything it depends on changed. */
export async function startBoringSslServer(o: BoringSslServerOptions): Promise<BoringSslServer> {
  const binary = await buildBoringSslDeny();
  const policy = o.denyClientCn === undefined ? [] : ['--deny-cn', o.denyClientCn];
  return startJsonLineServer('boringssl', binary, policy, o);
}

/** Builds boringssl-deny unless this source was built with this gcc and these BoringSSL headers already. */
export async function buildBoringSslDeny(): Promise<string> {
  const inputs = [await versionOfGcc(), await readFile(SSL_HEADER).catch(() => ''), await readFile(SOURCE)];
  return cachedBuild({ cacheDir: CACHE, name: 'boringssl-deny', inputs, build: compile });
}

async function versionOfGcc(): Promise<string> {
  try {
    return (await run('gcc', ['--version'])).stdout.split('\n')[0] ?? '';
  } catch (error) {
    throw new Error(`Cannot run gcc: ${String(error)}; install gcc`);
  }
}

function compile(output: string): Promise<void> {
  const args = ['-std=c11', '-D_POSIX_C_SOURCE=200809L', '-O2', '-Wall', '-Wextra', `-I${BORINGSSL_INCLUDE_DIR}`];
  // -L and the run path point at BoringSSL's libssl/libcrypto, never the system OpenSSL's.
  args.push('-o', output, SOURCE, `-L${BORINGSSL_LIB_DIR}`, `-Wl,-rpath,${BORINGSSL_LIB_DIR}`, '-lssl', '-lcrypto');
  return runBuild('gcc', args, { what: 'test/servers/boringssl-deny', hint: HINT });
}
