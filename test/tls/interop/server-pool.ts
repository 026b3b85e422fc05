/**
 * The matrix's servers: one per kind x version x server certificate, started on first use and
 * kept for every cell that needs it, all stopped together at the end.
 */
import { startTlsServer, type TlsServer, type TlsServerKind, type TlsServerOptions, type TlsVersion } from '../../testbed/tls-servers';

/** The server certificate's key type. */
export type ServerCert = 'rsa' | 'ec';

/** Starts servers lazily and remembers them. */
export class ServerPool {
  private readonly running = new Map<string, Promise<TlsServer>>();

  constructor(private readonly options: (version: TlsVersion, cert: ServerCert) => TlsServerOptions) {}

  /** The server of this kind, version and certificate, started if it is not running yet. */
  get(kind: TlsServerKind, version: TlsVersion, cert: ServerCert): Promise<TlsServer> {
    const key = `${kind} ${version} ${cert}`;
    let server = this.running.get(key);
    if (!server) {
      server = startTlsServer(kind, this.options(version, cert));
      this.running.set(key, server);
      // A server that failed to start is retried by the next cell, which then reports why.
      server.catch(() => this.running.delete(key));
    }
    return server;
  }

  /** Stops every server started so far. */
  async stopAll(): Promise<void> {
    const started = [...this.running.values()];
    this.running.clear();
    await Promise.allSettled(started.map(async (s) => (await s).stop()));
  }
}
