/**
 * The real TLS peers of the interop matrix, each on 127.0.0.1, each requiring and verifying
 * a client certificate, each an echo server, each able to say what it verified
 * (`evidence()`) and what it refused (`rejections()`). Echo caveats: nginx echoes HTTP
 * bodies (POST NGINX_ECHO_PATH); gnutls-serv echoes NUL-free text, once per '\n';
 * openssl s_server serves one connection at a time. Who can initiate a KeyUpdate:
 * - openssl: yes, out of band, with startOpenSslControlServer(...).serverKeyUpdate();
 * - gnutls: yes, in band: the client sends GNUTLS_KEY_UPDATE_LINE (TLS 1.3);
 * - go, node, nginx: no (all of them answer a client's KeyUpdate).
 */
import { needs, type Probe } from './tools.js';
import { startGnuTlsServer } from './tls-servers/gnutls.js';
import { goProbe, startGoServer } from './tls-servers/go.js';
import { NGINX_ECHO_MODULE, startNginxServer } from './tls-servers/nginx.js';
import { startNodeServer } from './tls-servers/node.js';
import { startOpenSslServer } from './tls-servers/openssl.js';
import type { TlsServer, TlsServerKind, TlsServerOptions } from './tls-servers/types.js';

export type {
  ClientEvidence,
  GoServerOptions,
  TlsGroup,
  TlsServer,
  TlsServerKind,
  TlsServerOptions,
  TlsVersion,
} from './tls-servers/types.js';
export { TLS_GROUPS } from './tls-servers/types.js';
export { startOpenSslControlServer, type OpenSslControlServer } from './tls-servers/openssl.js';
export { GNUTLS_COMMAND_REPLY, GNUTLS_KEY_UPDATE_LINE } from './tls-servers/gnutls.js';
export { NGINX_ECHO_PATH, NGINX_WHOAMI_PATH } from './tls-servers/nginx.js';
export { buildGoEcho, GO_119_BINARY, GO_BINARY, go119Probe, startGoServer } from './tls-servers/go.js';
export { boringSslProbe, startBoringSslServer, type BoringSslServer, type BoringSslServerOptions } from './tls-servers/boringssl.js';
export { startScriptedServer, startStallingServer, type RawServer } from './tls-servers/raw.js';
export { startSClient, type ClientCertFiles, type SClient, type SClientOptions } from './tls-servers/s-client.js';

/** Every kind, in the order the matrix lists them. */
export const TLS_SERVER_KINDS: readonly TlsServerKind[] = ['openssl', 'gnutls', 'nginx', 'go', 'node'];

const starters: Record<TlsServerKind, (o: TlsServerOptions) => Promise<TlsServer>> = {
  openssl: startOpenSslServer,
  gnutls: startGnuTlsServer,
  nginx: startNginxServer,
  go: startGoServer,
  node: startNodeServer,
};

/**
 * What each kind needs on this machine, for `requireBackend(`tls-${kind}`, probe)`. gnutls-serv
 * runs in a private network namespace (util-linux unshare, iproute2 ip) with coreutils stdbuf.
 */
export const TLS_SERVER_PROBES: Readonly<Record<TlsServerKind, Probe>> = {
  openssl: () => needs(['openssl']),
  gnutls: () => needs(['gnutls-serv', 'unshare', 'ip', 'stdbuf']),
  nginx: () => needs(['nginx'], [NGINX_ECHO_MODULE]),
  go: goProbe,
  node: () => true,
};

/** Starts a TLS server of `kind` on a free loopback port; stop it in afterAll/finally. */
export async function startTlsServer(kind: TlsServerKind, o: TlsServerOptions): Promise<TlsServer> {
  const start = starters[kind];
  if (!start) throw new Error(`Cannot start a TLS server of kind ${String(kind)}: use one of ${TLS_SERVER_KINDS.join(', ')}`);
  return start(o);
}
