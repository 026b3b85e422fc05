import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { KeyportError } from '../../shared/errors';
import { writeFileAtomic } from '../identities/atomic-file';

/** Folder in the data dir with one state file per running proxy process. */
const STATE_DIR = 'proxy';

const StateSchema = z.object({ pid: z.number().int(), statusPort: z.number().int(), token: z.string(), startedAt: z.string() });

/** What `keyport proxy --status` needs to reach a running proxy. */
export type ProxyState = z.infer<typeof StateSchema>;

function stateFile(dataDir: string, pid: number): string {
  return path.join(dataDir, STATE_DIR, `${pid}.json`);
}

/** Writes this process's state file, owner-only (it holds the status token). Returns its remover. */
export async function writeProxyState(dataDir: string, state: ProxyState): Promise<() => Promise<void>> {
  await fs.mkdir(path.join(dataDir, STATE_DIR), { recursive: true, mode: 0o700 });
  const file = stateFile(dataDir, state.pid);
  await writeFileAtomic(file, JSON.stringify(state));
  return () => fs.rm(file, { force: true });
}

/** The state of every proxy running on this data dir; files of dead processes are removed. */
export async function runningProxies(dataDir: string): Promise<ProxyState[]> {
  const dir = path.join(dataDir, STATE_DIR);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const found: ProxyState[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const parsed = StateSchema.safeParse(JSON.parse(await fs.readFile(path.join(dir, name), 'utf8').catch(() => 'null')));
    if (parsed.success && alive(parsed.data.pid)) found.push(parsed.data);
    else await fs.rm(path.join(dir, name), { force: true });
  }
  return found;
}

/** Reads `/status` of every running proxy; none running is KEYPORT_PROXY_NOT_RUNNING. */
export async function fetchProxyStatus(dataDir: string): Promise<unknown[]> {
  const answers = await Promise.all((await runningProxies(dataDir)).map((p) => askStatus(dataDir, p)));
  const statuses = answers.filter((a) => a !== STALE);
  if (statuses.length === 0) {
    throw new KeyportError('KEYPORT_PROXY_NOT_RUNNING', `No Keyport proxy is running on the data dir ${dataDir}: start one with \`keyport proxy --route ...\` or \`keyport daemon\`.`);
  }
  return statuses;
}

/** A state file whose process is not the proxy that wrote it. */
const STALE = Symbol('stale');

/**
 * One proxy's `/status`. A proxy killed without cleaning up (SIGKILL, a crash) leaves its state
 * file, and its pid may belong to another process by now: nothing listening on its status port,
 * or something else answering there without its token, means so; the file is removed.
 */
async function askStatus(dataDir: string, p: ProxyState): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${p.statusPort}/${p.token}/status`).catch((e: Error) => {
    if ((e.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED') return undefined;
    throw new KeyportError('KEYPORT_UNAVAILABLE', `The proxy (pid ${p.pid}) did not answer on its status port ${p.statusPort}: ${e.message}.`);
  });
  if (res?.ok) return res.json();
  await fs.rm(stateFile(dataDir, p.pid), { force: true });
  return STALE;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
