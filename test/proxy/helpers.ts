/**
 * Running `keyport proxy` from tests: the built CLI as its own process group, ready when every
 * route says it listens; its status read through `keyport proxy --status --json`.
 */
import { CLI_BUNDLE, runCli } from '../testbed/cli';
import { freePort, run, startProcess, type Proc } from '../testbed/proc';

/** A running proxy process. */
export interface ProxyProc {
  proc: Proc;
  /** The status endpoint's base URL (`http://127.0.0.1:P/TOKEN`). */
  statusUrl: string;
  stop(): Promise<void>;
}

/** Starts `keyport --data-dir DIR [globals] proxy ...args`; ready once it printed its status address (after every listener). */
export async function startProxyCli(dataDir: string, args: string[], opts: { env?: Record<string, string>; globals?: string[] } = {}): Promise<ProxyProc> {
  const proc = await startProcess(process.execPath, [CLI_BUNDLE, '--data-dir', dataDir, ...(opts.globals ?? []), 'proxy', ...args], {
    name: 'keyport proxy',
    env: { NO_COLOR: '1', ...opts.env },
    ready: { line: /status: http/ },
    timeoutMs: 30_000,
  });
  const statusUrl = /status: (http:\S+)\/status/.exec(proc.output())![1]!;
  return { proc, statusUrl, stop: () => proc.stop() };
}

/** One route's counters from /status. */
export async function routeStatus(p: ProxyProc, route?: string): Promise<Record<string, unknown>> {
  const status = (await (await fetch(`${p.statusUrl}/status`)).json()) as { routes: Array<Record<string, unknown>> };
  return route ? status.routes.find((r) => r.route === route)! : status.routes[0]!;
}

/** curl with a few options, through nothing but loopback. */
export function curl(args: string[], timeoutMs = 30_000) {
  return run('curl', ['-sS', '--max-time', String(Math.round(timeoutMs / 1000)), ...args], { timeoutMs: timeoutMs + 5000 });
}

export { freePort, runCli };
