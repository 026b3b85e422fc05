/**
 * Go's crypto/tls as a test-bed peer: test/servers/go-echo/main.go (standard library only),
 * built once per source and Go version into a cache directory, then run like node-echo. It is
 * built with Go 1.23 from bookworm-backports, not Debian 12's default Go 1.19, whose crypto/tls
 * lacks TLS 1.2's extended master secret (Go >= 1.21 has it) that Keyport requires. Go's
 * crypto/tls answers a client's KeyUpdate but cannot initiate one.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { which } from '../tools.js';
import { cachedBuild, runBuild } from './build-cache.js';
import { startJsonLineServer } from './json-lines.js';
import type { GoServerOptions, TlsServer } from './types.js';

/** The Go that builds go-echo (Debian package golang-1.23-go, from bookworm-backports). */
export const GO_BINARY = '/usr/lib/go-1.23/bin/go';

/** Debian 12's own Go (package golang-1.19-go): a TLS 1.2 server without the extended master secret. */
export const GO_119_BINARY = '/usr/lib/go-1.19/bin/go';

const GO_HINT = 'install golang-1.23-go from bookworm-backports (scripts/install-testbed.sh does)';
const SOURCE = fileURLToPath(new URL('../../servers/go-echo/main.go', import.meta.url));
const CACHE = path.join(os.tmpdir(), 'keyport-testbed-go');
const run = promisify(execFile);

/** The `tls-go` backend probe: true when GO_BINARY is there, else why not and what to install. */
export function goProbe(): true | string {
  return which(GO_BINARY) ? true : `${GO_BINARY} not found: ${GO_HINT}`;
}

/** The `tls-go119` backend probe: Debian 12's Go 1.19 (golang-go). */
export function go119Probe(): true | string {
  return which(GO_119_BINARY) ? true : `${GO_119_BINARY} not found: install golang-go (Debian 12's Go 1.19)`;
}

/**
 * Starts the Go echo server, building it first when its source or Go changed. The Go-only
 * options (denyClientCn, lingerAfterRejection) are described in GoServerOptions.
 */
export async function startGoServer(o: GoServerOptions, go = GO_BINARY): Promise<TlsServer> {
  const binary = await buildGoEcho(go);
  // Go's flag package takes flags in any order: these lead, the shared ones follow.
  const goOnly = o.denyClientCn === undefined ? [] : ['-deny-cn', o.denyClientCn];
  if (o.lingerAfterRejection) goOnly.push('-linger');
  return startJsonLineServer('go', binary, goOnly, o);
}

const goVersions = new Map<string, Promise<string>>();

/** `go version` of a Go binary, asked once per process. */
function versionOfGo(go: string): Promise<string> {
  let version = goVersions.get(go);
  if (!version) {
    version = run(go, ['version']).then(
      ({ stdout }) => stdout.trim(),
      (error: unknown) => {
        goVersions.delete(go); // let a later call retry once Go is installed
        throw new Error(`Cannot run ${go}: ${String(error)}; ${GO_HINT}`);
      },
    );
    goVersions.set(go, version);
  }
  return version;
}

/** Builds go-echo (GOPATH mode, no modules, no network) unless this source was built with this Go already. */
export async function buildGoEcho(go = GO_BINARY): Promise<string> {
  const inputs = [await versionOfGo(go), await readFile(SOURCE)];
  return cachedBuild({ cacheDir: CACHE, name: 'go-echo', inputs, build: (output) => compileGoEcho(output, go) });
}

function compileGoEcho(output: string, go: string): Promise<void> {
  const env = {
    ...process.env,
    GO111MODULE: 'off',
    GOFLAGS: '',
    GOTOOLCHAIN: 'local', // never fetch another toolchain
    GOPATH: path.join(CACHE, 'gopath'),
    GOCACHE: path.join(CACHE, 'gocache'), // keyed by toolchain inside: safe to share with other Go versions
    CGO_ENABLED: '0',
  };
  return runBuild(go, ['build', '-o', output, SOURCE], { what: 'test/servers/go-echo', hint: GO_HINT, env });
}
