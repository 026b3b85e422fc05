/**
 * `keyport proxy --status` finds running proxies by their state files (data dir, proxy/PID.json).
 * Bug: a proxy killed without cleaning up (SIGKILL, a crash) left its file, and once its pid
 * belonged to another process, --status kept saying "The proxy (pid N) did not answer" instead of
 * "no proxy is running". Now nothing listening on the status port, or something else answering
 * there without the proxy's token, makes the file stale: it is removed and the proxy not counted.
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchProxyStatus } from '../../src/core/proxy';
import { freePort, tempDir, type TempDir } from '../testbed/proc';

describe('proxy state files whose pid was reused', () => {
  let dir: TempDir;
  let other: Server | undefined;

  beforeEach(async () => {
    dir = await tempDir('proxy-state');
    await mkdir(path.join(dir.path, 'proxy'));
  });
  afterEach(async () => {
    await new Promise((resolve) => (other ? other.close(resolve) : resolve(undefined)));
    other = undefined;
    await dir.remove();
  });

  /** A state file naming this test's own (live) pid, as a dead proxy's pid reused by another process. */
  async function staleState(statusPort: number): Promise<string> {
    const file = path.join(dir.path, 'proxy', `${process.pid}.json`);
    await writeFile(file, JSON.stringify({ pid: process.pid, statusPort, token: 'a'.repeat(32), startedAt: new Date().toISOString() }));
    return file;
  }

  it('says no proxy is running when nothing listens on the status port, and removes the file', async () => {
    const file = await staleState(await freePort());
    await expect(fetchProxyStatus(dir.path)).rejects.toMatchObject({ code: 'KEYPORT_PROXY_NOT_RUNNING' });
    expect(existsSync(file)).toBe(false);
  });

  it('says no proxy is running when another program answers on that port without the token', async () => {
    other = createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => other!.listen(0, '127.0.0.1', resolve));
    const file = await staleState((other.address() as { port: number }).port);
    await expect(fetchProxyStatus(dir.path)).rejects.toMatchObject({ code: 'KEYPORT_PROXY_NOT_RUNNING' });
    expect(existsSync(file)).toBe(false);
  });
});
