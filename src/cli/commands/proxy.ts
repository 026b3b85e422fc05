import type { Command } from 'commander';
import {
  fetchProxyStatus,
  loadProxyConfigFile,
  parseHttpProxyFlags,
  parseRouteFlag,
  PinVault,
  ProxyConfigSchema,
  configClash,
  startProxy,
  type ProxyConfig,
  type ProxyEvent,
  type ProxyStatus,
} from '../../core/proxy';
import type { PinSource } from '../../core/keystores/pkcs11';
import { KeyportError } from '../../shared/errors';
import { withKeyport, type GlobalOptions } from '../context';
import { defaultDataDir } from '../data-dir';
import { collect } from '../options';
import { fail, print, table } from '../output';
import { readSecretFile } from '../secrets';

interface ProxyFlags {
  route: string[];
  config?: string;
  httpProxy?: string;
  httpRule: string[];
  statusPort?: string;
  allowNonLoopback?: boolean;
  status?: boolean;
  audit: boolean;
  json?: boolean;
}

/** The configuration from `--config FILE` or the `--route`/`--http-proxy` flags (not both). */
async function configFrom(o: ProxyFlags): Promise<ProxyConfig> {
  if (o.config && (o.route.length > 0 || o.httpProxy)) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Give either --config FILE or --route/--http-proxy flags, not both: put every route in the file.');
  }
  if (o.httpRule.length > 0 && !o.httpProxy) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', '--http-rule is a rule of the HTTP proxy: give --http-proxy 127.0.0.1:PORT too.');
  }
  const base = o.config ? await loadProxyConfigFile(o.config) : ProxyConfigSchema.parse({});
  const config: ProxyConfig = {
    ...base,
    routes: [...base.routes, ...o.route.map((r) => parseRouteFlag(r))],
    ...(o.httpProxy ? { httpProxy: parseHttpProxyFlags(o.httpProxy, o.httpRule) } : {}),
    ...(o.statusPort !== undefined ? { statusPort: parsePort(o.statusPort) } : {}),
    allowNonLoopback: o.allowNonLoopback === true || base.allowNonLoopback,
  };
  const clash = configClash(config);
  if (clash) throw new KeyportError('KEYPORT_PROXY_CONFIG_INVALID', `Invalid routes: ${clash.message}; fix them and try again.`);
  if (config.routes.length === 0 && !config.httpProxy) {
    if (o.config) throw new KeyportError('KEYPORT_PROXY_CONFIG_INVALID', `${o.config} holds no route and no httpProxy: add some (the README shows the format).`);
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Nothing to proxy: give --route LISTEN=UPSTREAM,identity=ID, --http-proxy with --http-rule, or --config FILE.');
  }
  return config;
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `--status-port must be a port from 1 to 65535 (or 0 for a free one), not ${JSON.stringify(text)}.`);
  }
  return Number(text);
}

/** PINs for the proxy: --pin-file or KEYPORT_PIN when given; otherwise a token needing a login fails the connection. */
export function pinFallback(opts: GlobalOptions): PinSource | undefined {
  if (opts.pinFile) return () => readSecretFile(opts.pinFile!, 'PIN');
  if (process.env.KEYPORT_PIN !== undefined) return async () => process.env.KEYPORT_PIN!;
  return undefined;
}

function describe(e: ProxyEvent): string {
  switch (e.type) {
    case 'listening':
      return `route ${e.route}: listening on ${e.address} -> ${e.upstream}`;
    case 'reloaded':
      return `configuration reloaded (${e.routes} route${e.routes === 1 ? '' : 's'})`;
    case 'reload-failed':
      return `reload refused, the running configuration stays: ${e.message} [${e.code}]`;
    case 'start-failed':
      return `the saved routes did not start: ${e.message} [${e.code}]; they start once proxy.yaml or a CA file it names changes`;
    case 'status':
      return `status: ${e.url}/status and ${e.url}/metrics`;
    case 'session-failed':
      return `route ${e.route}: ${e.message} [${e.code}]`;
    case 'pin-required':
      return `token "${e.token}" needs its PIN: connections that need it fail until the proxy is started with --pin-file FILE or KEYPORT_PIN [KEYPORT_PIN_REQUIRED]`;
  }
}

/** Resolves on SIGINT or SIGTERM; SIGHUP calls `onHup` meanwhile. */
function untilStopped(onHup: () => void): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop).off('SIGTERM', stop).off('SIGHUP', onHup);
      resolve();
    };
    process.once('SIGINT', stop).once('SIGTERM', stop).on('SIGHUP', onHup);
  });
}

/** The counters as a table, then each route's last error in words. */
function statusText(all: ProxyStatus[]): string {
  const rows = [['ROUTE', 'LISTEN', 'UPSTREAM', 'ACTIVE', 'TOTAL', 'UP', 'DOWN', 'FULL/RESUMED', 'P50/P95 MS', 'ERRORS']];
  const last: string[] = [];
  for (const s of all) {
    for (const r of [...s.routes, ...(s.httpProxy ? [s.httpProxy] : [])]) {
      const errors = Object.entries(r.errors).map(([c, n]) => `${c}=${n}`).join(' ') || '-';
      rows.push([r.route, r.listen, r.upstream, `${r.active}`, `${r.total}`, `${r.bytesUp}`, `${r.bytesDown}`, `${r.handshakesFull}/${r.handshakesResumed}`, `${r.handshakeMsP50 ?? '-'}/${r.handshakeMsP95 ?? '-'}`, errors]);
      if (r.lastError) last.push(`${r.route}: last error ${r.lastError.at}: ${r.lastError.message} [${r.lastError.code}]`);
    }
  }
  return table(rows) + last.map((line) => `${line}\n`).join('');
}

/** `proxy`: run routes in the foreground, or `--status` of a running one. */
export function registerProxyCommands(program: Command): void {
  program
    .command('proxy')
    .description('plain TCP (or HTTP) on loopback, mTLS upstream with your identity; runs until Ctrl+C (SIGHUP reloads)')
    .option('--route <spec>', 'LISTEN=HOST:PORT,identity=ID[,ca=FILE][,servername=N][,alpn=h2][,limit=N][,idle=SECONDS][,name=N]; repeatable', collect, [])
    .option('--config <file>', 'routes from a YAML or JSON file (see the README); reloaded when it changes')
    .option('--http-proxy <address>', 'an HTTP forward proxy on this loopback address (needs --http-rule)')
    .option('--http-rule <rule>', 'host=PATTERN,identity=ID[,ca=FILE][,port=N] for --http-proxy; repeatable', collect, [])
    .option('--status-port <n>', 'loopback port of the status endpoint (default: a free one)')
    .option('--allow-non-loopback', 'let routes listen on addresses other machines can reach')
    .option('--no-audit', 'do not write audit.log')
    .option('--status', 'print the counters of the proxies running on this data dir, and exit')
    .option('--json', 'print JSON (with --status)')
    .action(async (...raw: unknown[]) => {
      const cmd = raw[raw.length - 1] as Command;
      const o = cmd.opts<ProxyFlags>();
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const dataDir = globals.dataDir ?? defaultDataDir();
      try {
        if (o.status) {
          const all = (await fetchProxyStatus(dataDir)) as ProxyStatus[];
          print(all, o.json === true, () => statusText(all));
          return;
        }
        const config = await configFrom(o);
        const say = (e: ProxyEvent): void => void process.stderr.write(`keyport proxy: ${describe(e)}\n`);
        // The CLI caches no PIN (they come from --pin-file or KEYPORT_PIN at each login), so its vault
        // only remembers refused PINs and says when one is missing: nothing to lock or to expire.
        const fallback = pinFallback(globals);
        // A PIN file that cannot be read is said now, not at the first connection that needs it.
        if (globals.pinFile) await readSecretFile(globals.pinFile, 'PIN');
        const vault = new PinVault({
          ...(fallback ? { fallback } : {}),
          onPinRequired: (t) => say({ type: 'pin-required', ...t }),
          howToGivePin: 'start the proxy again with --pin-file FILE or KEYPORT_PIN set',
        });
        await withKeyport(
          cmd,
          async (keyport) => {
            const proxy = await startProxy({ keyport, dataDir, config, ...(o.config ? { configFile: o.config } : {}), audit: o.audit, onEvent: say });
            await untilStopped(() => void proxy.reload());
            await proxy.close();
          },
          vault,
        );
      } catch (e) {
        fail(e, o.json === true);
      }
    });
}
