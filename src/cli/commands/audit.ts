import type { Command } from 'commander';
import { parseSince, readAudit, type AuditEntry } from '../../core/audit';
import { addSavedRoute, checkRoute, diagnoseRoute, findSavedRoute, formatAddress, loadSavedRoutes, parseRouteFlag, removeSavedRoute, routeName } from '../../core/proxy';
import { action } from '../action';
import { ExitCode } from '../exit-codes';
import type { GlobalOptions } from '../context';
import { defaultDataDir } from '../data-dir';
import { fail, print, table } from '../output';
import { paintFor, reportText } from '../report-text';

/** A command body that needs only the data dir (no key store is opened). */
function dataDirAction<O extends { json?: boolean }>(body: (args: string[], o: O, dataDir: string) => Promise<void>) {
  return async (...raw: unknown[]): Promise<void> => {
    const cmd = raw[raw.length - 1] as Command;
    const o = cmd.opts<O>();
    try {
      await body(cmd.args, o, cmd.optsWithGlobals<GlobalOptions>().dataDir ?? defaultDataDir());
    } catch (e) {
      fail(e, o.json === true);
    }
  };
}

function auditText(entries: AuditEntry[], since?: Date): string {
  if (entries.length === 0) {
    return since ? `No proxy sessions in the audit log since ${since.toISOString()}.\n` : 'No proxy sessions in the audit log yet: they are written as `keyport proxy` or the daemon carries connections.\n';
  }
  const rows = [['TIME', 'ROUTE', 'IDENTITY', 'SERIAL', 'UPSTREAM', 'RESUMED', 'UP', 'DOWN', 'MS', 'RESULT']];
  for (const e of entries) {
    rows.push([e.time, e.route, e.identity ?? '-', e.serial ?? '-', e.upstream, e.resumed ? 'yes' : 'no', `${e.bytesUp}`, `${e.bytesDown}`, `${e.durationMs}`, e.result]);
  }
  return table(rows);
}

/** `audit` (the proxy's audit log) and `routes add|list|remove` (the routes the daemon and app run). */
export function registerAuditCommands(program: Command): void {
  program
    .command('audit')
    .description("the proxy's upstream sessions: time, route, identity, certificate serial, upstream, bytes, result")
    .option('--since <time>', 'only sessions from this time (ISO 8601) or this long ago (30m, 2h, 7d)')
    .option('--json', 'print JSON')
    .action(
      dataDirAction<{ since?: string; json?: boolean }>(async (_args, o, dataDir) => {
        const since = o.since ? parseSince(o.since) : undefined;
        const entries = await readAudit(dataDir, since);
        print(entries, o.json === true, () => auditText(entries, since));
      }),
    );

  const routes = program.command('routes').description('the proxy routes saved in the data dir, which `keyport daemon` and the desktop app run');
  routes
    .command('add')
    .description('save a route (a running daemon or app takes it within a second)')
    .argument('<route>', 'LISTEN=HOST:PORT,identity=ID[,ca=FILE][,servername=N][,alpn=h2][,limit=N][,idle=SECONDS][,name=N]')
    .option('--json', 'print JSON')
    .action(
      action<{ json?: boolean }>(async ([spec], o, k) => {
        const route = parseRouteFlag(spec!);
        await checkRoute(k.dataDir, route, k);
        await addSavedRoute(k.dataDir, route);
        print({ added: routeName(route) }, o.json === true, () => `Saved route ${spec}\n`);
      }),
    );
  routes
    .command('list')
    .description('the saved routes')
    .option('--json', 'print JSON')
    .action(
      dataDirAction<{ json?: boolean }>(async (_args, o, dataDir) => {
        const config = await loadSavedRoutes(dataDir);
        const rows = config.routes.map((r) => [r.name ?? '-', formatAddress(r.listen), formatAddress(r.upstream), r.identity]);
        const routes = rows.length ? table([['NAME', 'LISTEN', 'UPSTREAM', 'IDENTITY'], ...rows]) : 'No saved routes: add one with keyport routes add LISTEN=HOST:PORT,identity=ID.\n';
        const forward = config.httpProxy;
        const rules = forward ? `\nHTTP proxy on ${formatAddress(forward.listen)} (edited in proxy.yaml):\n${table([['HOST', 'PORT', 'IDENTITY'], ...forward.rules.map((r) => [r.host, String(r.port ?? 443), r.identity])])}` : '';
        print(config.routes, o.json === true, () => routes + rules);
      }),
    );
  routes
    .command('test')
    .description("the connection doctor on a saved route's upstream, reached as the route reaches it (identity, CA files, server name, ALPN; the handshake only)")
    .argument('<name>', 'the route name or its listen address')
    .option('--http', 'also send GET / after the handshake, as curl through the route would (for routes that carry HTTP)')
    .option('--json', 'print JSON')
    .action(
      action<{ json?: boolean; http?: boolean }>(async ([name], o, k) => {
        const report = await diagnoseRoute(k, await findSavedRoute(k.dataDir, name!), o.http === true);
        print(report, o.json === true, () => reportText(report, paintFor(process.stdout)));
        if (!report.ok) process.exitCode = ExitCode.rejected;
      }),
    );
  routes
    .command('remove')
    .description('forget a saved route (a running daemon or app stops it)')
    .argument('<name>', 'the route name or its listen address')
    .option('--json', 'print JSON')
    .action(
      dataDirAction<{ json?: boolean }>(async ([name], o, dataDir) => {
        await removeSavedRoute(dataDir, name!);
        print({ removed: name }, o.json === true, () => `Removed route ${name}\n`);
      }),
    );
}
